"""The statistics' running figures: kept as events happen, so a page never reads the event rows.

Three derived tables (reports.models), each rebuilt from the source rows of an institution:

- `MonthFigure`: counts per month – ladder moves, the level changes behind the month-end levels,
  evaluations done, the learning community's reflective evaluations, TOPI rounds and joint
  ratings – for the institution, and summed upward for its district and municipality,
  so a municipality's page reads a few hundred rows whatever its size;
- `LevelStay`: each case's time at a level (the durations' quartiles);
- `YellowRun`: each run of a child's yellow TOPI positions (time in yellow, Aabenraa's measure).

How they stay true
------------------
`connect_signals` (from `ReportsConfig.ready`) listens to the rows these figures come from:
`CaseEvent`, `Observation`, `Evaluation`, `ReflectiveEvaluation`/`TopiRound`/`TopiRating`, and
`Child`/`Institution` (a child or an institution
that moves takes its history along). A saved or deleted row makes `refresh` recompute, in the
writer's transaction, only what it touches: the institution's months the row falls in (and, for a
ladder event, the months of the case's other events, whose "level before" may change), the case's
stays, the child's yellow runs. The institution's new month rows are compared with the old, and
the difference is added to the district's and the municipality's rows (`UPDATE … SET count =
count + d`): the row lock serialises two writers of the same month, so no increment is lost.

`rebuild(institution_ids, months)` recomputes from the source rows for the given institutions
(and months, or all) – the same code the signals run – and `rebuild_municipality` recomputes a
whole municipality including its upward sums (`manage.py statistics_rebuild`). A write that
bypasses signals (`bulk_create`, `QuerySet.update`, the demo's backdating) calls `mark_dirty`;
the hourly and nightly `statistics_warm` rebuilds the dirty institution-months and nothing else.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.utils import timezone

from reports.models import DirtyMonth, EffortDue, LevelStay, MonthFigure, ScopeKind, YellowRun

EVALUATION = "evaluation"
LEVEL = "level"
YELLOW = "gul"
# The learning community's figures (reports.community): meetings of the staff and joint TOPI ratings.
REFLECTIVE = "refleval"
ROUND = "topirunde"
JOINT_TOPI = "topi"
COMMUNITY = [REFLECTIVE, ROUND, JOINT_TOPI]


def _ladder() -> tuple[list[str], list[str], str, str]:
    from cases.models import CaseEvent, CaseState, CloseReason

    Action = CaseEvent.Action
    actions = [Action.OPENED, Action.ESCALATED, Action.INTERVENTION, Action.DE_ESCALATED, Action.CLOSED,
               Action.REOPENED]
    return [str(a) for a in actions], [str(s) for s in CaseState.ladder()], str(CaseState.LUKKET), \
        CloseReason.RETURNED.label


def flow_kind(action: str, source: str, target: str) -> str | None:
    """What a ladder event is on the page: opened, reopened, closed, up or down (None: none)."""
    from cases.models import CaseEvent

    _, levels, closed, _ = _ladder()
    if action == CaseEvent.Action.OPENED:
        return "opened"
    if action == CaseEvent.Action.REOPENED:
        return "reopened"
    if target == closed:
        return "closed"
    if source in levels and target in levels:
        return "up" if levels.index(target) > levels.index(source) else "down"
    return None


def month_of(value: datetime.datetime | datetime.date) -> datetime.date:
    """The first day of the month `value` falls in, in the municipality's calendar."""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return value.replace(day=1)


# --- computing an institution's rows from the source --------------------------------------------


def _places(institution_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    from haandguide.models import Institution

    return {pk: (district, municipality) for pk, district, municipality in
            Institution.objects.filter(pk__in=list(institution_ids)).values_list("pk", "district_id",
                                                                                 "district__municipality_id")}


def _events(institution_ids, case_ids=None):
    """The ladder events of the institutions' children's cases (or of some cases), in order."""
    from cases.models import CaseEvent

    actions, *_ = _ladder()
    rows = CaseEvent.objects.filter(action__in=actions)
    rows = rows.filter(case_id__in=case_ids) if case_ids is not None else rows.filter(
        case__child__institution_id__in=list(institution_ids))
    return (rows.order_by("case_id", "at", "pk")
            .values_list("case_id", "case__child__institution_id", "action", "from_state", "to_state", "at", "reason"))


def _month_counts(institution_ids, months: set | None, community_only: bool = False) -> dict[tuple, list[int]]:
    """(institution, month, figure, source, target) → [count, returned], from the source rows (with
    `community_only`, only the learning community's figures: they need none of the ladder)."""
    from handleplan.models import Evaluation

    _, _, _, returned_label = _ladder()
    counts: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    if community_only:
        for institution, held_on, figure, position in _community_rows(institution_ids, months):
            counts[(institution, month_of(held_on), figure, position, "")][0] += 1
        return counts
    previous: dict[int, str] = {}
    for case_id, institution, action, source, target, at, reason in _events(institution_ids).iterator(2000):
        month = month_of(at)
        wanted = months is None or month in months
        kind = flow_kind(action, source, target)
        if wanted and kind:
            cell = counts[(institution, month, kind, source, target)]
            cell[0] += 1
            cell[1] += kind == "closed" and reason.startswith(returned_label)
        if target:
            if wanted:
                counts[(institution, month, LEVEL, previous.get(case_id, ""), target)][0] += 1
            previous[case_id] = target
    evaluations = Evaluation.objects.filter(effort__plan__case__child__institution_id__in=list(institution_ids))
    if months is not None:
        evaluations = evaluations.filter(evaluated_on__gte=min(months),
                                         evaluated_on__lt=_next_month(max(months)))
    for institution, done, planned in evaluations.values_list(
            "effort__plan__case__child__institution_id", "evaluated_on", "planned_for").iterator(2000):
        month = month_of(done)
        if months is not None and month not in months:
            continue
        result = "unplanned" if planned is None else ("on_time" if done <= planned else "late")
        counts[(institution, month, EVALUATION, result, "")][0] += 1
    counts.update(_month_counts(institution_ids, months, community_only=True))
    return counts


def _community_rows(institution_ids, months: set | None):
    """(institution, date held, figure, position) of each reflective evaluation, TOPI round and
    joint TOPI rating (one per child and round) of the institutions, in `months` (or all)."""
    from community.models import ReflectiveEvaluation, TopiRating, TopiRound

    institution_ids = list(institution_ids)
    sources = [
        (ReflectiveEvaluation.objects.filter(institution_id__in=institution_ids), "institution_id", "held_on", REFLECTIVE),
        (TopiRound.objects.filter(institution_id__in=institution_ids), "institution_id", "held_on", ROUND),
        (TopiRating.objects.filter(joint=True, round__institution_id__in=institution_ids), "round__institution_id",
         "round__held_on", JOINT_TOPI),
    ]
    for rows, institution, held_on, figure in sources:
        if months is not None:
            rows = rows.filter(**{f"{held_on}__gte": min(months), f"{held_on}__lt": _next_month(max(months))})
        position = "position" if figure == JOINT_TOPI else None
        for row in rows.order_by().values_list(institution, held_on, *([position] if position else [])).iterator(2000):
            if months is None or month_of(row[1]) in months:
                yield row[0], row[1], figure, row[2] if position else ""


def _next_month(month: datetime.date) -> datetime.date:
    return (month + datetime.timedelta(days=32)).replace(day=1)


def _stays(institution_ids=None, case_ids=None) -> list[LevelStay]:
    _, levels, _, _ = _ladder()
    ladder = [row for row in _events(institution_ids, case_ids) if row[4]]
    places = _places({row[1] for row in ladder})
    stays = []
    for i, (case_id, institution, _, _, target, at, _) in enumerate(ladder):
        if target not in levels or institution not in places:
            continue
        following = ladder[i + 1] if i + 1 < len(ladder) and ladder[i + 1][0] == case_id else None
        district, municipality = places[institution]
        ended = following[5] if following else None
        stays.append(LevelStay(case_id=case_id, institution_id=institution, district_id=district,
                               municipality_id=municipality, level=target, started_at=at, ended_at=ended,
                               days=(ended - at).total_seconds() / 86400 if ended else None))
    return stays


def _runs(institution_ids=None, child_ids=None) -> list[YellowRun]:
    from cases.models import Observation

    rows = Observation.objects.exclude(topi_position="")
    rows = rows.filter(child_id__in=child_ids) if child_ids is not None else rows.filter(
        child__institution_id__in=list(institution_ids))
    observations = list(rows.order_by("child_id", "observed_on", "pk")
                        .values_list("child_id", "child__institution_id", "topi_position", "observed_on"))
    places = _places({row[1] for row in observations})
    # Only the observations where the position changed; a yellow run ends at the next change.
    changes = [row for i, row in enumerate(observations)
               if i == 0 or observations[i - 1][0] != row[0] or observations[i - 1][2] != row[2]]
    runs = []
    for i, (child_id, institution, position, observed_on) in enumerate(changes):
        if position != YELLOW or institution not in places:
            continue
        following = changes[i + 1] if i + 1 < len(changes) and changes[i + 1][0] == child_id else None
        district, municipality = places[institution]
        runs.append(YellowRun(child_id=child_id, institution_id=institution, district_id=district,
                              municipality_id=municipality, started_on=observed_on,
                              ended_on=following[3] if following else None))
    return runs


def _efforts_due(institution_ids=None, effort_ids=None) -> list[EffortDue]:
    from django.db.models import Min

    from handleplan.models import Effort

    rows = Effort.objects.filter(evaluation_date__isnull=False)
    rows = rows.filter(pk__in=effort_ids) if effort_ids is not None else rows.filter(
        plan__case__child__institution_id__in=list(institution_ids))
    rows = list(rows.annotate(first=Min("evaluations__evaluated_on",
                                        filter=Q(evaluations__evaluated_on__gte=F("evaluation_date"))))
                .order_by().values_list("pk", "plan__case__child__institution_id", "evaluation_date", "started_on",
                                        "ended_on", "first"))
    places = _places({row[1] for row in rows})
    return [EffortDue(effort_id=pk, institution_id=institution, district_id=places[institution][0],
                      municipality_id=places[institution][1], due_on=due, started_on=started, ended_on=ended,
                      evaluated_on=first)
            for pk, institution, due, started, ended, first in rows if institution in places]


# --- writing --------------------------------------------------------------------------------


def _add_upward(kind: str, scope_pk: int, municipality_id: int, key: tuple, count: int, returned: int) -> None:
    month, figure, source, target = key
    where = {"kind": kind, "scope_pk": scope_pk, "month": month, "figure": figure, "source": source, "target": target}
    if MonthFigure.objects.filter(**where).update(count=F("count") + count, returned=F("returned") + returned):
        return
    try:
        with transaction.atomic():
            MonthFigure.objects.create(**where, municipality_id=municipality_id, count=count, returned=returned)
    except IntegrityError:  # a concurrent writer created the row first: add to it
        MonthFigure.objects.filter(**where).update(count=F("count") + count, returned=F("returned") + returned)


def _write_months(institution_ids: list[int], months: set | None, community_only: bool = False) -> None:
    """Replace the institutions' month rows (all months, or `months`; with `community_only`, only the
    learning community's) with the source's, and add the difference to their districts' and
    municipalities' rows."""
    places = _places(institution_ids)
    new = _month_counts(list(places), months, community_only)
    old_rows = MonthFigure.objects.filter(kind=ScopeKind.INSTITUTION, scope_pk__in=list(places))
    if community_only:
        old_rows = old_rows.filter(figure__in=COMMUNITY)
    if months is not None:
        old_rows = old_rows.filter(month__in=months)
    old = {(r.scope_pk, r.month, r.figure, r.source, r.target): (r.count, r.returned) for r in old_rows}
    old_rows.delete()
    MonthFigure.objects.bulk_create(
        [MonthFigure(kind=ScopeKind.INSTITUTION, scope_pk=key[0], municipality_id=places[key[0]][1], month=key[1],
                     figure=key[2], source=key[3], target=key[4], count=c, returned=r)
         for key, (c, r) in new.items()], batch_size=2000)
    upward: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for key in set(new) | set(old):
        count, returned = new.get(key, (0, 0))
        was_count, was_returned = old.get(key, (0, 0))
        if (count, returned) == (was_count, was_returned):
            continue
        district, municipality = places[key[0]]
        for kind, pk in ((ScopeKind.DISTRICT, district), (ScopeKind.MUNICIPALITY, municipality)):
            cell = upward[(kind, pk, municipality, key[1:])]
            cell[0] += count - was_count
            cell[1] += returned - was_returned
    for (kind, pk, municipality, key), (count, returned) in sorted(upward.items(), key=str):
        if count or returned:
            _add_upward(kind, pk, municipality, key, count, returned)


def refresh(institution_id: int | None, months: Iterable[datetime.date] = (), *, case_ids: Iterable[int] = (),
            child_ids: Iterable[int] = (), effort_ids: Iterable[int] = (), community_only: bool = False) -> None:
    """Recompute what a change touched: the institution's `months` (with `community_only`, only the
    learning community's figures of them), the stays of `case_ids`, the yellow runs of `child_ids`,
    the due evaluations of `effort_ids`. In the caller's transaction."""
    months, case_ids, child_ids, effort_ids = set(months), list(case_ids), list(child_ids), list(effort_ids)
    with transaction.atomic():
        if institution_id is not None and months:
            _write_months([institution_id], months, community_only)
        if case_ids:
            LevelStay.objects.filter(case_id__in=case_ids).delete()
            LevelStay.objects.bulk_create(_stays(case_ids=case_ids))
        if child_ids:
            YellowRun.objects.filter(child_id__in=child_ids).delete()
            YellowRun.objects.bulk_create(_runs(child_ids=child_ids))
        if effort_ids:
            EffortDue.objects.filter(effort_id__in=effort_ids).delete()
            EffortDue.objects.bulk_create(_efforts_due(effort_ids=effort_ids))


def rebuild(institution_ids: Iterable[int], months: Iterable[datetime.date] | None = None) -> None:
    """Recompute from the source rows: the institutions' given months (their district and
    municipality sums follow), or with `months` None everything of theirs."""
    institution_ids = list(institution_ids)
    with transaction.atomic():
        _write_months(institution_ids, None if months is None else set(months))
        # The sums from the institutions' rows, not from the difference: a rebuild repairs them too.
        places = _places(institution_ids)
        for district in {d for d, _ in places.values()}:
            _resum(ScopeKind.DISTRICT, district, months)
        for municipality in {m for _, m in places.values()}:
            _resum(ScopeKind.MUNICIPALITY, municipality, months)
        if months is not None:
            return
        LevelStay.objects.filter(institution_id__in=institution_ids).delete()
        LevelStay.objects.bulk_create(_stays(institution_ids), batch_size=2000)
        YellowRun.objects.filter(institution_id__in=institution_ids).delete()
        YellowRun.objects.bulk_create(_runs(institution_ids), batch_size=2000)
        EffortDue.objects.filter(institution_id__in=institution_ids).delete()
        EffortDue.objects.bulk_create(_efforts_due(institution_ids), batch_size=2000)


def rebuild_municipality(municipality_id: int, *, batch: int = 200) -> int:
    """Everything of a municipality from its source rows (after an import, or `bench/generate.py`):
    institution rows in batches, then the district and municipality sums from them."""
    from haandguide.models import Institution

    institutions = list(Institution.objects.filter(district__municipality_id=municipality_id)
                        .order_by("pk").values_list("pk", flat=True))
    with transaction.atomic():
        MonthFigure.objects.filter(municipality_id=municipality_id).delete()
        for i in range(0, len(institutions), batch):
            part = institutions[i:i + batch]
            MonthFigure.objects.bulk_create(
                [MonthFigure(kind=ScopeKind.INSTITUTION, scope_pk=key[0], municipality_id=municipality_id,
                             month=key[1], figure=key[2], source=key[3], target=key[4], count=c, returned=r)
                 for key, (c, r) in _month_counts(part, None).items()], batch_size=5000)
            LevelStay.objects.filter(institution_id__in=part).delete()
            LevelStay.objects.bulk_create(_stays(part), batch_size=5000)
            YellowRun.objects.filter(institution_id__in=part).delete()
            YellowRun.objects.bulk_create(_runs(part), batch_size=5000)
            EffortDue.objects.filter(institution_id__in=part).delete()
            EffortDue.objects.bulk_create(_efforts_due(part), batch_size=5000)
        _sum_upward(municipality_id)
        DirtyMonth.objects.filter(institution_id__in=institutions).delete()
    return len(institutions)


def _sum_upward(municipality_id: int) -> None:
    """The district and municipality rows as the sums of the institution rows (one query each)."""
    from haandguide.models import Institution

    district_of = dict(Institution.objects.filter(district__municipality_id=municipality_id)
                       .values_list("pk", "district_id"))
    sums: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    rows = MonthFigure.objects.filter(municipality_id=municipality_id, kind=ScopeKind.INSTITUTION).values_list(
        "scope_pk", "month", "figure", "source", "target").annotate(c=Sum("count"), r=Sum("returned")).order_by()
    for institution, *key, count, returned in rows.iterator(5000):
        for kind, pk in ((ScopeKind.DISTRICT, district_of.get(institution)), (ScopeKind.MUNICIPALITY, municipality_id)):
            if pk is not None:
                cell = sums[(kind, pk, *key)]
                cell[0] += count
                cell[1] += returned
    MonthFigure.objects.filter(municipality_id=municipality_id).exclude(kind=ScopeKind.INSTITUTION).delete()
    MonthFigure.objects.bulk_create(
        [MonthFigure(kind=kind, scope_pk=pk, municipality_id=municipality_id, month=month, figure=figure,
                     source=source, target=target, count=c, returned=r)
         for (kind, pk, month, figure, source, target), (c, r) in sums.items()], batch_size=5000)


def mark_dirty(institution_id: int, month: datetime.date | None = None) -> None:
    """A write that bypassed the signals: the warm-up job rebuilds this institution's month (or all)."""
    DirtyMonth.objects.create(institution_id=institution_id, month=month)


def rebuild_dirty(limit: int = 500) -> int:
    """Rebuild the institution-months marked dirty (the warm-up job); returns how many. A handful of
    queries per institution, none when nothing is marked."""
    marked = list(DirtyMonth.objects.order_by("pk").values_list("pk", "institution_id", "month")[:limit])
    by_institution: dict[int, set] = defaultdict(set)
    for _, institution, month in marked:
        by_institution[institution].add(month)
    for institution, months in by_institution.items():
        rebuild([institution], None if None in months else months)
    DirtyMonth.objects.filter(pk__in=[pk for pk, _, _ in marked]).delete()
    return len(by_institution)


# --- the signals: what a saved or deleted source row touches -------------------------------------


def _case_touch(case_id: int, extra: Iterable[datetime.datetime] = ()) -> tuple[int | None, set]:
    """The case's institution and the months of its ladder events (their "level before" may change)."""
    from cases.models import Case, CaseEvent

    actions, *_ = _ladder()
    institution = Case.objects.filter(pk=case_id).values_list("child__institution_id", flat=True).first()
    months = {month_of(at) for at in CaseEvent.objects.filter(case_id=case_id, action__in=actions)
              .values_list("at", flat=True)}
    return institution, months | {month_of(at) for at in extra}


def _on_ladder(instance) -> bool:
    actions, *_ = _ladder()
    return instance.action in actions


def _event_pre_save(sender, instance, raw=False, **kwargs):
    if not raw and not instance._state.adding and instance.pk:
        instance._reports_at_before = sender._base_manager.filter(pk=instance.pk).values_list("at", flat=True).first()


def _event_saved(sender, instance, raw=False, **kwargs):
    before = instance.__dict__.pop("_reports_at_before", None)
    # Most events (an observation logged, a meeting, a letter) are not on the ladder: nothing to do.
    # An event never changes its action (the app appends; a migration that renames does so by update).
    if raw or not _on_ladder(instance):
        return
    institution, months = _case_touch(instance.case_id, [instance.at] + ([before] if before else []))
    refresh(institution, months, case_ids=[instance.case_id])


def _event_deleting(sender, instance, **kwargs):
    from cases.models import Case

    if not _on_ladder(instance):
        return
    instance._reports_institution = Case.objects.filter(pk=instance.case_id).values_list(
        "child__institution_id", flat=True).first()


def _event_deleted(sender, instance, **kwargs):
    if not _on_ladder(instance):
        return
    institution = instance.__dict__.pop("_reports_institution", None)
    _, months = _case_touch(instance.case_id, [instance.at])
    refresh(institution, months, case_ids=[instance.case_id])


def _observation_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        refresh(None, child_ids=[instance.child_id])


def _evaluation_pre_save(sender, instance, raw=False, **kwargs):
    if not raw and not instance._state.adding and instance.pk:
        instance._reports_on_before = sender._base_manager.filter(pk=instance.pk).values_list(
            "evaluated_on", flat=True).first()


def _evaluation_institution(instance) -> int | None:
    from handleplan.models import Effort

    return Effort.objects.filter(pk=instance.effort_id).values_list("plan__case__child__institution_id",
                                                                     flat=True).first()


def _evaluation_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    before = instance.__dict__.pop("_reports_on_before", None)
    months = {month_of(instance.evaluated_on)} | ({month_of(before)} if before else set())
    refresh(_evaluation_institution(instance), months, effort_ids=[instance.effort_id])


def _evaluation_deleting(sender, instance, **kwargs):
    instance._reports_institution = _evaluation_institution(instance)


def _evaluation_deleted(sender, instance, **kwargs):
    refresh(instance.__dict__.pop("_reports_institution", None), {month_of(instance.evaluated_on)},
            effort_ids=[instance.effort_id])


def _effort_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        refresh(None, effort_ids=[instance.pk])


def _community_place(sender, instance) -> tuple[int | None, datetime.date | None]:
    """A reflective evaluation's, round's or joint rating's institution and month (as stored, for
    a rating: its round's)."""
    if sender._meta.model_name != "topirating":
        return instance.institution_id, month_of(instance.held_on) if instance.held_on else None
    from community.models import TopiRound

    row = TopiRound.objects.filter(pk=instance.round_id).values_list("institution_id", "held_on").first()
    return (row[0], month_of(row[1])) if row else (None, None)


def _community_pre_save(sender, instance, raw=False, **kwargs):
    if not raw and not instance._state.adding and instance.pk and sender._meta.model_name != "topirating":
        row = sender._base_manager.filter(pk=instance.pk).values_list("institution_id", "held_on").first()
        instance._reports_place_before = (row[0], month_of(row[1])) if row else None


def _community_saved(sender, instance, raw=False, **kwargs):
    """A round, rating or reflective evaluation saved: its institution's month (and where it was)."""
    before = instance.__dict__.pop("_reports_place_before", None)
    if raw or (sender._meta.model_name == "topirating" and not instance.joint):
        return
    places = {_community_place(sender, instance), *([before] if before else [])}
    for institution, month in places:
        if institution is not None:
            refresh(institution, [month], community_only=True)


def _community_deleting(sender, instance, **kwargs):
    # Before the delete: a rating's round may go in the same cascade.
    if sender._meta.model_name != "topirating" or instance.joint:
        instance._reports_place_before = _community_place(sender, instance)


def _community_deleted(sender, instance, **kwargs):
    institution, month = instance.__dict__.pop("_reports_place_before", (None, None))
    if institution is not None:
        refresh(institution, [month], community_only=True)


def _moved_pre_save(sender, instance, raw=False, **kwargs):
    """A child to another institution, an institution to another district: remember where from."""
    if raw or instance._state.adding or not instance.pk:
        return
    field = "institution_id" if sender._meta.model_name == "child" else "district_id"
    instance._reports_place_before = sender._base_manager.filter(pk=instance.pk).values_list(field, flat=True).first()


def _child_saved(sender, instance, raw=False, **kwargs):
    before = instance.__dict__.pop("_reports_place_before", None)
    if raw or before is None or before == instance.institution_id:
        return
    # The case's history goes with the child (the figures count a child where it is now).
    rebuild([before, instance.institution_id])


def _institution_saved(sender, instance, raw=False, **kwargs):
    before = instance.__dict__.pop("_reports_place_before", None)
    if raw or before is None or before == instance.district_id:
        return
    from haandguide.models import District

    with transaction.atomic():
        municipality = District.objects.filter(pk=instance.district_id).values_list("municipality_id", flat=True).first()
        for model in (LevelStay, YellowRun, EffortDue):
            model.objects.filter(institution=instance).update(district_id=instance.district_id,
                                                              municipality_id=municipality)
        for district in {before, instance.district_id}:
            _resum(ScopeKind.DISTRICT, district)


def _resum(kind: str, pk: int, months: Iterable[datetime.date] | None = None) -> None:
    """A district's or municipality's rows (all months, or `months`) as the sum of its institutions'."""
    from haandguide.models import District, Institution

    if kind == ScopeKind.DISTRICT:
        municipality = District.objects.filter(pk=pk).values_list("municipality_id", flat=True).first()
        institutions = Institution.objects.filter(district_id=pk)
    else:
        municipality, institutions = pk, Institution.objects.filter(district__municipality_id=pk)
    mine = MonthFigure.objects.filter(kind=kind, scope_pk=pk)
    parts = MonthFigure.objects.filter(kind=ScopeKind.INSTITUTION, municipality_id=municipality,
                                       scope_pk__in=institutions.values("pk"))
    if months is not None:
        mine, parts = mine.filter(month__in=list(months)), parts.filter(month__in=list(months))
    mine.delete()
    rows = parts.values_list("month", "figure", "source", "target").annotate(c=Sum("count"), r=Sum("returned")) \
        .order_by()
    MonthFigure.objects.bulk_create(
        [MonthFigure(kind=kind, scope_pk=pk, municipality_id=municipality, month=month, figure=figure, source=source,
                     target=target, count=c, returned=r) for month, figure, source, target, c, r in rows],
        batch_size=5000)


def connect_signals() -> None:
    from cases.models import CaseEvent, Observation
    from haandguide.models import Child, Institution
    from handleplan.models import Effort, Evaluation

    uid = "reports-aggregates-"
    pre_save.connect(_event_pre_save, sender=CaseEvent, dispatch_uid=uid + "event-pre")
    post_save.connect(_event_saved, sender=CaseEvent, dispatch_uid=uid + "event")
    pre_delete.connect(_event_deleting, sender=CaseEvent, dispatch_uid=uid + "event-pre-del")
    post_delete.connect(_event_deleted, sender=CaseEvent, dispatch_uid=uid + "event-del")
    post_save.connect(_observation_saved, sender=Observation, dispatch_uid=uid + "observation")
    post_delete.connect(_observation_saved, sender=Observation, dispatch_uid=uid + "observation-del")
    pre_save.connect(_evaluation_pre_save, sender=Evaluation, dispatch_uid=uid + "evaluation-pre")
    post_save.connect(_evaluation_saved, sender=Evaluation, dispatch_uid=uid + "evaluation")
    pre_delete.connect(_evaluation_deleting, sender=Evaluation, dispatch_uid=uid + "evaluation-pre-del")
    post_delete.connect(_evaluation_deleted, sender=Evaluation, dispatch_uid=uid + "evaluation-del")
    post_save.connect(_effort_saved, sender=Effort, dispatch_uid=uid + "effort")
    from community.models import ReflectiveEvaluation, TopiRating, TopiRound

    for model in (ReflectiveEvaluation, TopiRound, TopiRating):
        name = model._meta.model_name
        pre_save.connect(_community_pre_save, sender=model, dispatch_uid=uid + f"{name}-pre")
        post_save.connect(_community_saved, sender=model, dispatch_uid=uid + name)
        pre_delete.connect(_community_deleting, sender=model, dispatch_uid=uid + f"{name}-pre-del")
        post_delete.connect(_community_deleted, sender=model, dispatch_uid=uid + f"{name}-del")
    for model, receiver in ((Child, _child_saved), (Institution, _institution_saved)):
        pre_save.connect(_moved_pre_save, sender=model, dispatch_uid=uid + f"{model._meta.model_name}-pre")
        post_save.connect(receiver, sender=model, dispatch_uid=uid + model._meta.model_name)


# --- reading --------------------------------------------------------------------------------


def covers(period, today: datetime.date | None = None) -> bool:
    """Whether the month rows answer for `period`: whole months, the last one possibly up to today."""
    today = today or timezone.localdate()
    last_day = _next_month(period.end.replace(day=1)) - datetime.timedelta(days=1)
    return period.start.day == 1 and (period.end >= today or period.end == last_day)


def month_rows(scope, period, figures: list[str]):
    """The scope's month rows up to the period's last month, summed per month and key."""
    return (MonthFigure.objects.filter(kind=scope.kind, scope_pk=scope.pk, figure__in=figures,
                                       month__lte=month_of(period.end))
            .values_list("month", "figure", "source", "target").annotate(n=Sum("count"), r=Sum("returned"))
            .order_by())


def scope_filter(scope) -> Q:
    """A filter on LevelStay/YellowRun by the scope's denormalised columns."""
    column = {ScopeKind.INSTITUTION: "institution_id", ScopeKind.DISTRICT: "district_id"}.get(scope.kind,
                                                                                             "municipality_id")
    return Q(**{column: scope.pk})
