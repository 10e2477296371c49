"""Changes to the handleplan. One function per action, each:
guard (a Danish `Refused`) → atomic → lock the plan row (and check the version) → save → a new
`PlanVersion` with the whole plan → `CaseEvent` row → access-log row.

Views, the district council (`plan_freeze`), the reminder task and the demo call these; nothing
writes a plan anywhere else.
"""

from __future__ import annotations

import datetime
import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field as dataclass_field

from django.db import transaction
from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone

from cases.interfaces import LevelReadiness, Missing
from cases.models import Case, CaseEvent, CaseState
from cases.services import record_event
from haandguide.access import Action as LogAction
from haandguide import profiles
from haandguide.access import log_access
from haandguide.lib.formats import date_da
from haandguide.exceptions import EditConflict, Refusal, Refused
from haandguide.lib.mail import absolute_url, send_templated
from haandguide.lib.pdf import render_pdf
from haandguide import roles
from haandguide.models import Child, Municipality, User

from handleplan.models import (
    EMPTY_TEXTS, VOICE_STATEMENTS, Effort, EffortCatalogueEntry, Evaluation, Handleplan, PlanSnapshot,
    PlanVersion, ReadinessRule, Reminder,
)

Event = CaseEvent.Action

CONFLICT_MESSAGE = "Handleplanen er gemt af en anden, mens du skrev. Se forskellen, flet teksterne og gem igen."
CLOSED_MESSAGE = "Sagen er lukket, så handleplanen kan ikke ændres."


# --- who may do what ------------------------------------------------------------------------------


def may_write(user: User, child: Child) -> bool:
    """The institution's pædagoger and leder and the district's consultant write the plan;
    external counsellors attached to the case may read it (their scope) but not write."""
    return roles.works_at(user, child.institution_id) or roles.consults_for(user, child.institution.district_id)


def _refusal_write(user: User, case: Case) -> str | None:
    if not may_write(user, case.child):
        return Refusal("not_staff", "Kun institutionens pædagoger og leder og den pædagogiske konsulent kan skrive i handleplanen.")
    if not case.is_open:
        return Refusal("case_closed", CLOSED_MESSAGE)
    return None


def _guard(user: User, case: Case) -> None:
    refusal = _refusal_write(user, case)
    if refusal:
        raise Refused(refusal)




def _locked_plan(plan_id: int, *, must_be_open: bool = True) -> Handleplan:
    """The plan row, locked for the rest of the transaction, with its current version and its
    case read afresh.

    The lock is taken on the plan row alone, and `current` and the case are read by statements
    after it: on PostgreSQL a SELECT … FOR UPDATE that waited for another transaction re-reads
    only the locked row, so a joined `current` would still be the one from before the wait (or
    NULL), and a stale version number would slip through. The case passed to a service may also
    be stale (closed in the meantime).
    """
    plan = Handleplan.objects.select_for_update().get(pk=plan_id)
    plan.current = PlanVersion.objects.get(pk=plan.current_id) if plan.current_id else None
    plan.case = Case.objects.select_related("child__institution__district").get(pk=plan.case_id)
    if must_be_open and not plan.case.is_open:
        raise Refused("case_closed", CLOSED_MESSAGE)
    return plan


# --- content: the whole plan as JSON -------------------------------------------------------------


def _iso(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def _effort_content(effort: Effort, evaluations: list[Evaluation]) -> dict:
    return {
        "id": effort.pk,
        "name": effort.name,
        "catalogue_id": effort.catalogue_id,
        "level": effort.level,
        "description": effort.description,
        "carried_out_by": effort.carried_out_by,
        "responsible": str(effort.responsible) if effort.responsible_id else "",
        "started_on": _iso(effort.started_on),
        "evaluation_date": _iso(effort.evaluation_date),
        "ended_on": _iso(effort.ended_on),
        "evaluations": [
            {
                "id": e.pk,
                "evaluated_on": _iso(e.evaluated_on),
                "planned_for": _iso(e.planned_for),
                "result": e.result,
                "seen": e.seen,
                "next_step": e.next_step,
                "author": str(e.author),
            }
            for e in evaluations
        ],
    }


def _efforts_content(plan: Handleplan) -> list[dict]:
    efforts = (
        Effort.objects.filter(plan=plan).select_related("responsible")
        .prefetch_related("evaluations__author").order_by("pk")
    )
    return [_effort_content(effort, list(effort.evaluations.all())) for effort in efforts]


def _new_version(plan: Handleplan, user: User, summary: str, texts: dict | None = None) -> PlanVersion:
    """Write the next version: the given texts (or the current ones) and the efforts as they are
    now. Call with the plan row locked."""
    content = {
        "texts": texts if texts is not None else plan.texts,
        "efforts": _efforts_content(plan),
    }
    version = PlanVersion.objects.create(plan=plan, number=plan.version + 1, author=user, content=content,
                                         summary=summary[:255])
    plan.current = version
    plan.save(update_fields=["current"])
    return version


def texts_from_form(data: dict) -> dict:
    """The plan's texts from PlanForm.cleaned_data (goals one per line)."""

    def lines(value: str) -> list[str]:
        return [line.strip() for line in (value or "").splitlines() if line.strip()]

    return {
        "period_start": _iso(data.get("period_start")),
        "period_end": _iso(data.get("period_end")),
        "goals_community": lines(data.get("goals_community")),
        "goals_child": lines(data.get("goals_child")),
        "signs": (data.get("signs") or "").strip(),
        "voice": {key: (data.get(f"voice_{key}") or "").strip() for key, _ in VOICE_STATEMENTS},
        "parents": (data.get("parents") or "").strip(),
    }


def period(texts: dict) -> dict:
    """The plan's period as dates, for templates."""
    parse = lambda value: datetime.date.fromisoformat(value) if value else None  # noqa: E731
    return {"period_start": parse(texts.get("period_start")), "period_end": parse(texts.get("period_end"))}


def texts_as_form_initial(texts: dict) -> dict:
    texts = {**EMPTY_TEXTS, **texts}
    initial = {
        "period_start": texts["period_start"],
        "period_end": texts["period_end"],
        "goals_community": "\n".join(texts["goals_community"]),
        "goals_child": "\n".join(texts["goals_child"]),
        "signs": texts["signs"],
        "parents": texts["parents"],
    }
    for key, _ in VOICE_STATEMENTS:
        initial[f"voice_{key}"] = texts["voice"].get(key, "")
    return initial


# --- actions -------------------------------------------------------------------------------------


def plan_start(*, request, case: Case) -> Handleplan:
    """Start the child's handleplan with an empty version 1."""
    _guard(request.user, case)
    with transaction.atomic():
        # Lock the case so two clicks on "Start handleplan" make one plan.
        case = Case.objects.select_for_update(of=("self",)).select_related("child").get(pk=case.pk)
        if not case.is_open:
            raise Refused("case_closed", CLOSED_MESSAGE)
        if Handleplan.objects.filter(case=case).exists():
            raise Refused("plan_exists", "Barnet har allerede en handleplan.")
        plan = Handleplan.objects.create(case=case, created_by=request.user)
        _new_version(plan, request.user, "Handleplan oprettet", texts=dict(EMPTY_TEXTS))
        record_event(case, request.user, Event.HANDLEPLAN, reason="Handleplan oprettet")
        log_access(request, LogAction.CREATE, plan, child_id=case.child_id, detail="Handleplan oprettet")
    return plan


# --- saving the texts: a three-way merge against the version the form was opened at ----------------

# The plan's texts as the form's fields, one value per field; a merge works field by field.
TEXT_FIELDS: list[str] = ["period_start", "period_end", "goals_community", "goals_child", "signs",
                          *(f"voice_{key}" for key, _ in VOICE_STATEMENTS), "parents"]
_UNKNOWN = object()  # the base of a version number that does not exist: every difference is a conflict


def texts_by_field(texts: dict) -> dict:
    """The texts (as stored in a version) flattened to one value per form field."""
    texts = {**EMPTY_TEXTS, **texts}
    flat = {name: texts[name] for name in TEXT_FIELDS if not name.startswith("voice_")}
    flat.update({f"voice_{key}": (texts.get("voice") or {}).get(key, "") for key, _ in VOICE_STATEMENTS})
    return flat


def texts_from_fields(flat: dict) -> dict:
    texts = {name: flat[name] for name in TEXT_FIELDS if not name.startswith("voice_")}
    texts["voice"] = {key: flat[f"voice_{key}"] for key, _ in VOICE_STATEMENTS}
    return texts


@dataclass
class TextsMerge:
    """The outcome of merging two people's edits of the same version."""

    texts: dict                          # the merged texts; a conflicting field holds "mine"
    conflicts: list[str] = dataclass_field(default_factory=list)    # fields both changed, differently
    from_theirs: list[str] = dataclass_field(default_factory=list)  # fields only the other person changed


def merge_texts(base: dict | None, theirs: dict, mine: dict) -> TextsMerge:
    """Three-way merge, field by field. A field only one side changed takes that change; a field
    both changed to the same value takes it; a field both changed differently is a conflict the
    person must decide. `base` None (the version the form was opened at is unknown) makes every
    difference between theirs and mine a conflict: nothing is ever silently overwritten."""
    b = texts_by_field(base) if base is not None else dict.fromkeys(TEXT_FIELDS, _UNKNOWN)
    t, m = texts_by_field(theirs), texts_by_field(mine)
    merged, conflicts, from_theirs = {}, [], []
    for name in TEXT_FIELDS:
        if m[name] == t[name] or t[name] == b[name]:
            merged[name] = m[name]
        elif m[name] == b[name]:
            merged[name] = t[name]
            from_theirs.append(name)
        else:
            merged[name] = m[name]
            conflicts.append(name)
    return TextsMerge(texts_from_fields(merged), conflicts, from_theirs)


class PlanConflict(EditConflict):
    """Someone else changed a field this person changed too. Carries the merge, so the conflict
    page can show only those fields side by side, with everything else already merged."""

    def __init__(self, merge: TextsMerge, base: PlanVersion | None, latest: PlanVersion):
        super().__init__(CONFLICT_MESSAGE)
        self.merge, self.base, self.latest = merge, base, latest


def plan_save(*, request, plan: Handleplan, data: dict, version: int,
              keep_theirs: Iterable[str] = ()) -> PlanVersion:
    """Save the plan's texts as a new version. `version` is the number the form was opened at.

    If the texts changed since then, the two edits are merged field by field against that
    version (`merge_texts`): a colleague's change to a field this person left alone is kept, and
    only fields both changed raise `PlanConflict`. An effort or evaluation added meanwhile (which
    also makes a version) changes no text and blocks nothing. `keep_theirs` names fields where the
    person chose, on the conflict page, the text of version `version` over their own.

    The returned version's `merged_from_theirs` lists the fields taken from the colleague's save.
    """
    _guard(request.user, plan.case)
    texts = texts_from_form(data)
    if not (texts["goals_community"] or texts["goals_child"]):
        raise Refused("goals_missing", "Handleplanen skal have mindst ét mål – for læringsfællesskabet eller for barnet.")
    with transaction.atomic():
        plan = _locked_plan(plan.pk)
        base = plan.current if version == plan.version else (
            PlanVersion.objects.filter(plan=plan, number=version).first())
        base_texts = {**EMPTY_TEXTS, **base.content.get("texts", {})} if base else None
        keep_theirs = [name for name in keep_theirs if name in TEXT_FIELDS]
        if keep_theirs and base_texts is not None:
            flat, chosen = texts_by_field(texts), texts_by_field(base_texts)
            texts = texts_from_fields({**flat, **{name: chosen[name] for name in keep_theirs}})
        from_theirs: list[str] = []
        if base_texts != plan.texts:
            merge = merge_texts(base_texts, plan.texts, texts)
            if merge.conflicts:
                raise PlanConflict(merge, base, plan.current)
            texts, from_theirs = merge.texts, merge.from_theirs
        if texts == plan.texts:
            plan.current.merged_from_theirs = from_theirs
            return plan.current  # nothing changed: no new version
        summary = "Mål, tegn og perspektiver ændret"
        if from_theirs:
            summary += f" (flettet med version {plan.version})"
        new = _new_version(plan, request.user, summary, texts=texts)
        record_event(plan.case, request.user, Event.HANDLEPLAN, reason=f"Handleplan gemt (version {new.number})")
        log_access(request, LogAction.UPDATE, plan, child_id=plan.case.child_id,
                   detail=f"Handleplan version {new.number}" + (" (flettet)" if from_theirs else ""))
    new.merged_from_theirs = from_theirs
    return new


def _check_effort_data(data: dict) -> None:
    started, evaluation, ended = data.get("started_on"), data.get("evaluation_date"), data.get("ended_on")
    if not (data.get("name") or "").strip():
        raise Refused("effort_missing", "Vælg en indsats fra kataloget, eller skriv en anden indsats.")
    if started and evaluation and evaluation < started:
        raise Refused("evaluation_before_start", "Evalueringsdatoen skal ligge efter indsatsens start.")
    if started and ended and ended < started:
        raise Refused("end_before_start", "En indsats kan ikke slutte, før den er startet.")


EFFORT_FIELDS = ["catalogue", "name", "description", "carried_out_by", "responsible", "started_on",
                 "evaluation_date", "ended_on"]


def catalogue_for(case: Case):
    """The municipality's active catalogue entries an effort may be chosen from: those of the case's
    level while it is forebyggende or foregribende; every level's once it is above (indgribende)."""
    entries = EffortCatalogueEntry.objects.filter(
        municipality_id=case.child.institution.district.municipality_id, active=True)
    if case.state in (CaseState.FOREBYGGENDE, CaseState.FOREGRIBENDE):
        entries = entries.filter(level=case.state)
    return entries.order_by("level", "order", "name")


def effort_add(*, request, plan: Handleplan, data: dict, level: str | None = None) -> Effort:
    """Add an effort at the case's current level. `level` overrides that only for imported history
    (the demo); the form never sends it."""
    _guard(request.user, plan.case)
    _check_effort_data(data)
    entry = data.get("catalogue")
    if level is None and entry is not None and not catalogue_for(plan.case).filter(pk=entry.pk).exists():
        raise Refused("catalogue_level_mismatch", "Indsatsen fra kataloget passer ikke til sagens niveau. Vælg en af niveauets indsatser.")
    with transaction.atomic():
        plan = _locked_plan(plan.pk)
        case = plan.case
        effort = Effort.objects.create(
            plan=plan, level=level or (case.state if case.state in CaseState.ladder() else CaseState.FOREBYGGENDE),
            created_by=request.user, **{f: data.get(f) for f in EFFORT_FIELDS if f in data},
        )
        summary = f"Indsats tilføjet: {effort.name} ({effort.get_level_display().lower()})"
        _new_version(plan, request.user, summary)
        record_event(case, request.user, Event.HANDLEPLAN, reason=summary)
        log_access(request, LogAction.CREATE, effort, child_id=case.child_id, detail=summary)
    return effort


def effort_update(*, request, effort: Effort, data: dict, version: int | None) -> Effort:
    """Change an effort (description, who, next evaluation date, ended). Its level never changes."""
    _guard(request.user, effort.plan.case)
    _check_effort_data({"name": effort.name, **data})
    with transaction.atomic():
        plan = _locked_plan(effort.plan_id)
        effort = Effort.objects.get(pk=effort.pk)
        if version is not None and effort.version != version:
            raise EditConflict("Indsatsen er ændret af en anden, mens du skrev. Se den nye udgave og ret igen.")
        for field in EFFORT_FIELDS:
            if field in data and field not in ("catalogue",):
                setattr(effort, field, data[field])
        effort.version += 1
        effort.save()
        summary = f"Indsats ændret: {effort.name}" + (" (afsluttet)" if effort.ended_on else "")
        _new_version(plan, request.user, summary)
        record_event(plan.case, request.user, Event.HANDLEPLAN, reason=summary)
        log_access(request, LogAction.UPDATE, effort, child_id=plan.case.child_id, detail=summary)
    return effort


def evaluation_add(*, request, effort: Effort, data: dict) -> Evaluation:
    """Record an evaluation of an effort. The effort's next evaluation date becomes
    `data["next_evaluation_date"]`, required while the effort goes on at the case's level;
    `end_effort` ends the effort."""
    _guard(request.user, effort.plan.case)
    evaluated_on = data["evaluated_on"]
    if evaluated_on > timezone.localdate():
        raise Refused("date_in_future", "En evaluering kan ikke ligge i fremtiden.")
    next_date = data.get("next_evaluation_date")
    if next_date and next_date <= evaluated_on:
        raise Refused("next_evaluation_not_after", "Næste evaluering skal ligge efter denne.")
    with transaction.atomic():
        plan = _locked_plan(effort.plan_id)
        effort = Effort.objects.get(pk=effort.pk)
        # An effort that goes on is evaluated again (the guide: evaluation dates in the plan), so an
        # empty date must not silently drop the plan for it: ask for one, or end the effort. A level
        # the case has left plans no more evaluations.
        if (next_date is None and not data.get("end_effort") and effort.is_active
                and not level_concluded(effort.level, plan.case.state)):
            raise Refused("next_evaluation_missing", "Sæt en dato for næste evaluering, eller afslut indsatsen med denne evaluering.")
        evaluation = Evaluation.objects.create(
            effort=effort, evaluated_on=evaluated_on, planned_for=effort.evaluation_date,
            result=data["result"], seen=data["seen"], next_step=data.get("next_step") or "", author=request.user,
        )
        effort.evaluation_date = next_date
        if data.get("end_effort"):
            effort.ended_on = evaluated_on
        effort.version += 1
        effort.save(update_fields=["evaluation_date", "ended_on", "version"])
        summary = f"Evaluering af {effort.name}: {evaluation.get_result_display().lower()}"
        _new_version(plan, request.user, summary)
        record_event(plan.case, request.user, Event.HANDLEPLAN, reason=summary)
        log_access(request, LogAction.CREATE, evaluation, child_id=plan.case.child_id, detail=summary)
    return evaluation


def plan_freeze(*, request, plan: Handleplan, purpose: str = "") -> PlanSnapshot:
    """Freeze the plan as it is now (the district council calls this when a submission is sent).
    Later edits make new versions; the snapshot never changes."""
    if not may_write(request.user, plan.case.child):
        raise Refused("not_staff", "Kun institutionens personale og den pædagogiske konsulent kan sende handleplanen videre.")
    with transaction.atomic():
        plan = _locked_plan(plan.pk, must_be_open=False)
        child = plan.case.child
        if plan.current is None:
            raise Refused("plan_empty", "Handleplanen har intet indhold endnu.")
        content = {
            **plan.current.content,
            "version": plan.current.number,
            "child": {"id": child.pk, "name": str(child), "masked_cpr": child.masked_cpr},
            "institution": str(child.institution),
            "case_level": plan.case.state,
            "frozen_at": timezone.now().isoformat(),
        }
        snapshot = PlanSnapshot.objects.create(plan=plan, version=plan.current, purpose=purpose[:150],
                                               content=content, created_by=request.user)
        reason = f"Handleplan frosset (version {plan.current.number})" + (f": {purpose}" if purpose else "")
        record_event(plan.case, request.user, Event.HANDLEPLAN, reason=reason)
        log_access(request, LogAction.CREATE, snapshot, child_id=child.pk, detail=reason)
    return snapshot


# --- levels the case has left ------------------------------------------------------------------

LEVEL_RANK = {CaseState.FOREBYGGENDE: 0, CaseState.FOREGRIBENDE: 1, CaseState.INDGRIBENDE: 2}


def level_concluded(level: str, case_state: str) -> bool:
    """A level the case has moved above. Its efforts are shown under it as concluded, with no
    Evaluér button and no reminders; moving the case down opens the level again."""
    return case_state in LEVEL_RANK and LEVEL_RANK.get(level, len(LEVEL_RANK)) < LEVEL_RANK[case_state]


def concluded_level_q(state_path: str = "plan__case__state") -> Q:
    """Efforts of a level their case has moved above, as a filter (reminders, overdue lists)."""
    return (Q(level=CaseState.FOREBYGGENDE, **{f"{state_path}__in": [CaseState.FOREGRIBENDE, CaseState.INDGRIBENDE]})
            | Q(level=CaseState.FOREGRIBENDE, **{state_path: CaseState.INDGRIBENDE}))


def effort_groups(efforts, case_state: str) -> list[dict]:
    """Efforts (rows, or a frozen plan's dicts) under their level, lowest first, for the plan
    partial the plan page and the frozen plan share."""
    level_of = lambda effort: effort["level"] if isinstance(effort, dict) else effort.level  # noqa: E731
    return [
        {"level": level, "label": label, "concluded": level_concluded(level, case_state), "efforts": members}
        for level, label in CaseState.level_choices()
        if (members := [effort for effort in efforts if level_of(effort) == level])
    ]


# --- the interface the cases app asks (cases.interfaces.HandleplanPort) ---------------------------


def _efforts_with_counts(plan: Handleplan):
    return (
        Effort.objects.filter(plan=plan)
        .annotate(evaluation_count=Count("evaluations"), last_evaluated_on=Max("evaluations__evaluated_on"),
                  planned_count=Count("evaluations", filter=Q(evaluations__planned_for__isnull=False)))
        .order_by("started_on", "pk")
    )


def missing_for_level(plan: Handleplan, level: str, rule: ReadinessRule) -> list[Missing]:
    """Exactly what the plan lacks at `level` under the municipality's rule, each item with the
    page where it is filled in: the plan form's section, the effort's edit page, the evaluation
    form. Two queries."""
    child_id = plan.case.child_id
    level_label = CaseState(level).label.lower() if level in CaseState.ladder() else level
    plan_edit = reverse("handleplan:plan_edit", args=[child_id])
    texts = plan.texts
    missing = []
    if not (texts["goals_community"] or texts["goals_child"]):
        missing.append(Missing("mål for læringsfællesskabet eller barnet", f"{plan_edit}#maal"))
    if rule.require_signs and not texts["signs"].strip():
        missing.append(Missing("tegn på, at målene nås", f"{plan_edit}#tegn"))
    if rule.require_voice and not any((text or "").strip() for text in texts["voice"].values()):
        missing.append(Missing("barnets stemme", f"{plan_edit}#stemme"))
    if rule.require_parents and not texts["parents"].strip():
        missing.append(Missing("forældrenes perspektiv", f"{plan_edit}#foraeldre"))
    efforts = list(_efforts_with_counts(plan).filter(level=level))
    if not efforts:
        missing.append(Missing(f"en indsats på {level_label} niveau", reverse("handleplan:effort_add", args=[child_id])))
    for effort in efforts:
        edit = reverse("handleplan:effort_edit", args=[child_id, effort.pk])
        if rule.require_effort_description and not effort.description.strip():
            missing.append(Missing(f"beskrivelse af indsatsen «{effort.name}»", edit))
        if rule.require_effort_carried_out_by and not (effort.carried_out_by.strip() or effort.responsible_id):
            missing.append(Missing(f"hvem der udfører indsatsen «{effort.name}»", edit))
        # An evaluated effort may have no next date; the date it was evaluated against counts.
        if rule.require_effort_evaluation_date and not (effort.evaluation_date or effort.planned_count):
            missing.append(Missing(f"evalueringsdato for indsatsen «{effort.name}»", edit))
        if effort.evaluation_count == 0:
            missing.append(Missing(f"evaluering af indsatsen «{effort.name}»",
                                   reverse("handleplan:evaluation_add", args=[child_id, effort.pk])))
    return missing


class HandleplanPort:
    """Registered in HandleplanConfig.ready(); cases asks through cases.interfaces."""

    def level_readiness(self, case: Case, level: str) -> LevelReadiness:
        level_label = CaseState(level).label.lower() if level in CaseState.ladder() else level
        plan = Handleplan.objects.select_related("current").filter(case=case).first()
        if plan is None:
            return LevelReadiness(
                False, "Barnet har ingen handleplan endnu. Start handleplanen, og beskriv mål, "
                       f"indsatser og evalueringer på {level_label} niveau.",
                (Missing("en handleplan", reverse("handleplan:plan_detail", args=[case.child_id])),))
        plan.case = case
        municipality_id = Child.objects.filter(pk=case.child_id).values_list(
            "institution__district__municipality_id", flat=True).first()
        missing = missing_for_level(plan, level, ReadinessRule.for_level(municipality_id, level))
        if missing:
            return LevelReadiness(False, f"Handleplanen mangler på {level_label} niveau: "
                                         + "; ".join(item.text for item in missing) + ".", tuple(missing))
        return LevelReadiness(True)

    def summary(self, case: Case) -> dict | None:
        """Three queries at most, whatever the size of the plan."""
        child_id = case.child_id
        plan = Handleplan.objects.select_related("current").filter(case=case).first()
        base = {"template": "handleplan/includes/case_summary.html", "plan": plan,
                "plan_url": reverse("handleplan:plan_detail", args=[child_id]),
                "start_url": reverse("handleplan:plan_start", args=[child_id]),
                "can_start": case.is_open}
        if plan is None:
            return base
        today = timezone.localdate()
        efforts = [e for e in _efforts_with_counts(plan) if e.is_active and not level_concluded(e.level, case.state)]
        texts = plan.texts
        dated = [e.evaluation_date for e in efforts if e.evaluation_date]
        return {
            **base,
            "goals": texts["goals_community"] + texts["goals_child"],
            "efforts": efforts,
            "overdue_count": sum(1 for e in efforts if e.is_overdue(today)),
            "next_evaluation": min(dated) if dated else None,
            "today": today,
        }


# --- catalogue -----------------------------------------------------------------------------------

# Haderslev's tables (seeds/001: "Pædagogiske indsatser" and "Foregribende indsatser").
def _catalogue(profile: dict) -> dict:
    return {CaseState(level): rows for level, rows in profile["effort_catalogue"].items()}


HADERSLEV_CATALOGUE = _catalogue(profiles.get(profiles.DEFAULT))


def effort_catalogue_seed(municipality: Municipality, profile: dict | None = None) -> int:
    """Put the profile's efforts (by default the municipality's own profile, else Haderslev's) in the
    municipality's catalogue; idempotent, an edited entry is left alone. Returns how many were new."""
    created_count = 0
    for level, rows in _catalogue(profile or profiles.for_municipality(municipality)).items():
        for order, (name, description) in enumerate(rows, start=1):
            _, created = EffortCatalogueEntry.objects.get_or_create(
                municipality=municipality, level=level, name=name,
                defaults={"description": description, "order": order},
            )
            created_count += created
    return created_count


def readiness_rules_seed(municipality: Municipality, profile: dict | None = None) -> int:
    """The profile's readiness rule per level (Haderslev's when the profile names none); idempotent,
    an edited rule is left alone. Returns how many were new."""
    profile = profile or profiles.for_municipality(municipality)
    rules = profile.get("readiness") or profiles.get(profiles.DEFAULT)["readiness"]
    created_count = 0
    for level, flags in rules.items():
        _, created = ReadinessRule.objects.get_or_create(municipality=municipality, level=level, defaults=flags)
        created_count += created
    return created_count


# --- versions: readable text and diff ------------------------------------------------------------


def _date(value: str | None) -> str:
    return date_da(datetime.date.fromisoformat(value)) if value else "–"


RESULT_LABELS = dict(Evaluation.Result.choices)
LEVEL_LABELS = dict(CaseState.level_choices())


def content_as_lines(content: dict) -> list[str]:
    """The plan as readable lines, for the diff between versions."""
    texts = {**EMPTY_TEXTS, **content.get("texts", {})}
    lines = [f"Periode: {_date(texts['period_start'])} – {_date(texts['period_end'])}", "", "MÅL FOR LÆRINGSFÆLLESSKABET"]
    lines += [f"• {goal}" for goal in texts["goals_community"]] or ["(ingen)"]
    lines += ["", "MÅL FOR BARNET"]
    lines += [f"• {goal}" for goal in texts["goals_child"]] or ["(ingen)"]
    lines += ["", "TEGN PÅ AT MÅLENE NÅS"] + (texts["signs"].splitlines() or ["(ingen)"])
    lines += ["", "BARNETS STEMME"]
    for key, label in VOICE_STATEMENTS:
        lines += [f"{label}:"] + [f"  {line}" for line in (texts["voice"].get(key) or "–").splitlines()]
    lines += ["", "FORÆLDRENES PERSPEKTIV"] + (texts["parents"].splitlines() or ["(intet)"])
    lines += ["", "INDSATSER"]
    for effort in content.get("efforts", []):
        lines += [
            f"Indsats «{effort['name']}» ({LEVEL_LABELS.get(effort['level'], effort['level']).lower()})",
            f"  Udføres af: {effort['carried_out_by'] or '–'}"
            + (f" · ansvarlig: {effort['responsible']}" if effort.get("responsible") else ""),
            f"  Start: {_date(effort['started_on'])} · næste evaluering: {_date(effort['evaluation_date'])}"
            + (f" · afsluttet: {_date(effort['ended_on'])}" if effort.get("ended_on") else ""),
        ]
        lines += [f"  {line}" for line in (effort["description"] or "").splitlines()]
        for evaluation in effort.get("evaluations", []):
            lines += [
                f"  Evaluering {_date(evaluation['evaluated_on'])}: "
                f"{RESULT_LABELS.get(evaluation['result'], evaluation['result']).lower()} ({evaluation['author']})",
            ]
            lines += [f"    Set: {line}" for line in evaluation["seen"].splitlines()]
            lines += [f"    Næste skridt: {line}" for line in evaluation["next_step"].splitlines()]
    if not content.get("efforts"):
        lines.append("(ingen)")
    return lines


def version_diff(old: PlanVersion, new: PlanVersion) -> list[dict]:
    """Side-by-side rows: {"kind": equal|replace|delete|insert, "old": str, "new": str}.
    Plain strings: the template escapes them."""
    a, b = content_as_lines(old.content), content_as_lines(new.content)
    rows = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        left, right = a[i1:i2], b[j1:j2]
        for n in range(max(len(left), len(right))):
            rows.append({"kind": tag, "old": left[n] if n < len(left) else "",
                         "new": right[n] if n < len(right) else ""})
    return rows


# --- print ---------------------------------------------------------------------------------------


def render_handleplan_pdf(plan: Handleplan) -> bytes:
    """The plan as an A4 PDF, from templates/handleplan/print.html."""
    child = plan.case.child
    efforts = list(Effort.objects.filter(plan=plan).select_related("responsible")
                   .prefetch_related("evaluations__author").order_by("started_on", "pk"))
    texts = plan.texts
    return render_pdf("handleplan/print.html", {
        "plan": plan, "child": child, "case": plan.case, "texts": texts, "efforts": efforts,
        "voice": [(label, texts["voice"].get(key, "")) for key, label in VOICE_STATEMENTS],
        "printed_at": timezone.localtime(), **period(texts),
    }, stylesheet="handleplan/print.css")


# --- evaluation reminders ------------------------------------------------------------------------


def _recipients(effort: Effort) -> list[User]:
    """The effort's responsible member of staff, else the institution's leaders."""
    if effort.responsible_id and effort.responsible.is_active:
        return [effort.responsible]
    institution_id = effort.plan.case.child.institution_id
    return list(roles.leaders_of(institution_id))


def reminder_email_send(reminder: Reminder) -> None:
    """Build and send the email for one reminder. It names the effort and the institution and
    links to the plan, but not the child: children's data does not travel by email."""
    effort = reminder.effort
    child = effort.plan.case.child
    send_templated("handleplan/email/evaluation_reminder", {
        "reminder": reminder, "effort": effort, "institution": child.institution,
        "recipient": reminder.recipient, "overdue": reminder.kind == Reminder.Kind.OVERDUE,
        "url": absolute_url(reverse("handleplan:plan_detail", args=[child.pk])),
    }, to=[reminder.recipient.email])


def overdue_efforts(institutions, today: datetime.date | None = None):
    """Efforts of children still in daycare, in open cases of these institutions, whose evaluation
    date has passed: the leader's overdue list and the home page's count."""
    today = today or timezone.localdate()
    return (Effort.objects.filter(plan__case__child__institution__in=institutions,
                                  plan__case__child__left_at__isnull=True, ended_on__isnull=True,
                                  evaluation_date__lt=today)
            .exclude(plan__case__state=CaseState.LUKKET).exclude(concluded_level_q()))


def evaluation_reminders_send(today: datetime.date | None = None) -> int:
    """Find the efforts whose evaluation is due within the municipality's reminder days or is
    overdue, write one in-app reminder per responsible member of staff, and email the reminders
    not yet emailed. Idempotent: running it twice sends nothing twice. Returns emails sent."""
    today = today or timezone.localdate()
    due = Q(evaluation_date__isnull=False, ended_on__isnull=True, plan__case__child__left_at__isnull=True) & ~Q(
        plan__case__state=CaseState.LUKKET) & ~concluded_level_q()
    for municipality in Municipality.objects.all():
        horizon = today + datetime.timedelta(days=municipality.evaluation_reminder_days)
        efforts = (
            Effort.objects.filter(due, evaluation_date__lte=horizon,
                                  plan__case__child__institution__district__municipality=municipality)
            .select_related("responsible", "plan__case__child")
        )
        rows = []
        for effort in efforts:
            kind = Reminder.Kind.OVERDUE if effort.evaluation_date < today else Reminder.Kind.DUE
            rows += [Reminder(recipient=user, effort=effort, kind=kind, evaluation_date=effort.evaluation_date)
                     for user in _recipients(effort)]
        Reminder.objects.bulk_create(rows, ignore_conflicts=True)

    sent = 0
    pending = Reminder.objects.filter(emailed_at__isnull=True, recipient__email__gt="").values_list("pk", flat=True)
    for pk in list(pending):
        with transaction.atomic():
            # skip_locked: a second worker running at the same moment passes over this row.
            reminder = (
                Reminder.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("recipient", "effort__plan__case__child__institution")
                .filter(pk=pk, emailed_at__isnull=True).first()
            )
            if reminder is None:
                continue
            reminder_email_send(reminder)
            reminder.emailed_at = timezone.now()
            reminder.save(update_fields=["emailed_at"])
            sent += 1
    return sent


def reminder_mark_seen(*, request, reminder: Reminder) -> Reminder:
    if reminder.recipient_id != request.user.pk:
        raise Refused("not_yours", "Påmindelsen er ikke din.")
    if reminder.seen_at is None:
        reminder.seen_at = timezone.now()
        reminder.save(update_fields=["seen_at"])
    return reminder
