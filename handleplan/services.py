"""Changes to the handleplan. One function per action, each:
guard (a Danish `Refused`) → atomic → lock the plan row (and check the version) → save → a new
`PlanVersion` with the whole plan → `CaseEvent` row → access-log row.

Views, the district council (`plan_freeze`) and the demo call these; nothing writes a plan anywhere
else. The rest of the app is split by concern: `permissions` (who may write), `content` (the plan as
JSON), `formdata` (texts ↔ form fields), `diff` (merge and version diff), `levels`, `readiness` (the
cases app's interface), `catalogue` (seeding), `pdf`, `reminders`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from cases.models import Case, CaseEvent, CaseState
from cases.services import record_event
from haandguide.actors import Actor
from haandguide.access import Action as LogAction
from haandguide.access import log_access
from haandguide.exceptions import EditConflict, Refused
from haandguide.lib.statements import statement
from handleplan.catalogue import catalogue_for
from handleplan.content import new_version
from handleplan.diff import TextsMerge, merge_texts
from handleplan.formdata import TEXT_FIELDS, texts_by_field, texts_from_fields, texts_from_form
from handleplan.levels import level_concluded
from handleplan.models import EMPTY_TEXTS, Effort, Evaluation, Handleplan, PlanSnapshot, PlanVersion
from handleplan.permissions import CLOSED_MESSAGE, guard, may_write

Event = CaseEvent.Action

CONFLICT_MESSAGE = "Handleplanen er gemt af en anden, mens du skrev. Se forskellen, flet teksterne og gem igen."


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


# --- actions -------------------------------------------------------------------------------------


def plan_start(*, actor: Actor, case: Case) -> Handleplan:
    """Start the child's handleplan with an empty version 1."""
    guard(actor.user, case)
    with transaction.atomic():
        # Lock the case so two clicks on "Start handleplan" make one plan.
        case = Case.objects.select_for_update(of=("self",)).select_related("child").get(pk=case.pk)
        if not case.is_open:
            raise Refused("case_closed", CLOSED_MESSAGE)
        if Handleplan.objects.filter(case=case).exists():
            raise Refused("plan_exists", "Barnet har allerede en handleplan.")
        plan = Handleplan.objects.create(case=case, created_by=actor.user)
        new_version(plan, actor.user, "Handleplan oprettet", texts=dict(EMPTY_TEXTS))
        record_event(case, actor.user, Event.HANDLEPLAN, reason="Handleplan oprettet")
        log_access(actor, LogAction.CREATE, plan, child_id=case.child_id, detail="Handleplan oprettet")
    return plan


# --- saving the texts: a three-way merge against the version the form was opened at ----------------

class PlanConflict(EditConflict):
    """Someone else changed a field this person changed too. Carries the merge, so the conflict
    page can show only those fields side by side, with everything else already merged."""

    def __init__(self, merge: TextsMerge, base: PlanVersion | None, latest: PlanVersion):
        super().__init__(CONFLICT_MESSAGE)
        self.merge, self.base, self.latest = merge, base, latest


def plan_save(*, actor: Actor, plan: Handleplan, data: dict, version: int,
              keep_theirs: Iterable[str] = ()) -> PlanVersion:
    """Save the plan's texts as a new version. `version` is the number the form was opened at.

    If the texts changed since then, the two edits are merged field by field against that
    version (`merge_texts`): a colleague's change to a field this person left alone is kept, and
    only fields both changed raise `PlanConflict`. An effort or evaluation added meanwhile (which
    also makes a version) changes no text and blocks nothing. `keep_theirs` names fields where the
    person chose, on the conflict page, the text of version `version` over their own.

    The returned version's `merged_from_theirs` lists the fields taken from the colleague's save.
    """
    guard(actor.user, plan.case)
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
        new = new_version(plan, actor.user, summary, texts=texts)
        record_event(plan.case, actor.user, Event.HANDLEPLAN, reason=f"Handleplan gemt (version {new.number})")
        log_access(actor, LogAction.UPDATE, plan, child_id=plan.case.child_id,
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


def effort_add(*, actor: Actor, plan: Handleplan, data: dict, level: str | None = None) -> Effort:
    """Add an effort at the case's current level. `level` overrides that only for imported history
    (the demo); the form never sends it."""
    guard(actor.user, plan.case)
    _check_effort_data(data)
    entry = data.get("catalogue")
    if level is None and entry is not None and not catalogue_for(plan.case).filter(pk=entry.pk).exists():
        raise Refused("catalogue_level_mismatch", "Indsatsen fra kataloget passer ikke til sagens niveau. Vælg en af niveauets indsatser.")
    with transaction.atomic():
        plan = _locked_plan(plan.pk)
        case = plan.case
        effort = Effort.objects.create(
            plan=plan, level=level or (case.state if case.state in CaseState.ladder() else CaseState.FOREBYGGENDE),
            created_by=actor.user, **{f: data.get(f) for f in EFFORT_FIELDS if f in data},
        )
        summary = f"Indsats tilføjet: {effort.name} ({effort.get_level_display().lower()})"
        new_version(plan, actor.user, summary)
        record_event(case, actor.user, Event.HANDLEPLAN, reason=summary)
        log_access(actor, LogAction.CREATE, effort, child_id=case.child_id, detail=summary)
    return effort


def effort_update(*, actor: Actor, effort: Effort, data: dict, version: int | None) -> Effort:
    """Change an effort (description, who, next evaluation date, ended). Its level never changes."""
    guard(actor.user, effort.plan.case)
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
        new_version(plan, actor.user, summary)
        record_event(plan.case, actor.user, Event.HANDLEPLAN, reason=summary)
        log_access(actor, LogAction.UPDATE, effort, child_id=plan.case.child_id, detail=summary)
    return effort


def evaluation_add(*, actor: Actor, effort: Effort, data: dict) -> Evaluation:
    """Record an evaluation of an effort. The effort's next evaluation date becomes
    `data["next_evaluation_date"]`, required while the effort goes on at the case's level;
    `end_effort` ends the effort."""
    guard(actor.user, effort.plan.case)
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
            result=data["result"], seen=data["seen"], next_step=data.get("next_step") or "", author=actor.user,
        )
        effort.evaluation_date = next_date
        if data.get("end_effort"):
            effort.ended_on = evaluated_on
        effort.version += 1
        effort.save(update_fields=["evaluation_date", "ended_on", "version"])
        summary = f"Evaluering af {effort.name}: {evaluation.get_result_display().lower()}"
        new_version(plan, actor.user, summary)
        record_event(plan.case, actor.user, Event.HANDLEPLAN, reason=summary)
        log_access(actor, LogAction.CREATE, evaluation, child_id=plan.case.child_id, detail=summary)
    return evaluation


def plan_freeze(*, actor: Actor, plan: Handleplan, purpose: str = "") -> PlanSnapshot:
    """Freeze the plan as it is now (the district council calls this when a submission is sent).
    Later edits make new versions; the snapshot never changes."""
    if not may_write(actor.user, plan.case.child):
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
                                               content=content, created_by=actor.user)
        reason = f"Handleplan frosset (version {plan.current.number})" + (f": {purpose}" if purpose else "")
        record_event(plan.case, actor.user, Event.HANDLEPLAN, reason=reason)
        log_access(actor, LogAction.CREATE, snapshot, child_id=child.pk, detail=reason)
    return snapshot




def plan_share(*, actor: Actor, plan: Handleplan, goals_and_signs: bool, effort_ids: Iterable[int]) -> Handleplan:
    """What the parents' portal shows of the plan: the goals and signs, and which efforts (with their
    evaluations). Nothing is shared until staff mark it "delt med forældre"."""
    guard(actor.user, plan.case)
    with transaction.atomic():
        plan = _locked_plan(plan.pk)
        wanted = set(effort_ids)
        efforts = list(Effort.objects.filter(plan=plan))
        unknown = wanted - {e.pk for e in efforts}
        if unknown:
            raise Refused("effort_not_in_plan", "En af de valgte indsatser hører ikke til handleplanen.")
        Handleplan.objects.filter(pk=plan.pk).update(shared_with_parents=goals_and_signs)
        Effort.objects.filter(plan=plan).update(shared_with_parents=False)
        Effort.objects.filter(plan=plan, pk__in=wanted).update(shared_with_parents=True)
        plan.shared_with_parents = goals_and_signs
        shared = [e.name for e in efforts if e.pk in wanted]
        log_access(actor, LogAction.UPDATE, plan, child_id=plan.case.child_id,
                   detail=("Delt med forældre: " + ("mål og tegn" if goals_and_signs else "ikke mål og tegn")
                           + (f"; indsatser: {', '.join(shared)}" if shared else "; ingen indsatser"))[:255])
    return plan


# --- the plan page's reads (statements: compiled once per process) ----------------------------------


@statement
def plan_efforts(plan_id: int):
    """The plan's efforts in the order they started, each with its responsible and evaluations."""
    return (Effort.objects.filter(plan_id=plan_id).select_related("responsible")
            .prefetch_related(Prefetch("evaluations", queryset=Evaluation.objects.select_related("author")))
            .order_by("started_on", "pk"))


@statement
def recent_snapshots(plan_id: int):
    """The plan's five newest frozen copies (sent to the council, printed)."""
    return PlanSnapshot.objects.filter(plan_id=plan_id).select_related("created_by").order_by("-created_at")[:5]


@statement
def latest_by_parents(plan_id: int):
    """The newest version a custodian wrote (the parents' perspective), as a list of at most one."""
    return (PlanVersion.objects.filter(plan_id=plan_id, author_guardian__isnull=False).select_related("author_guardian")
            .order_by("-number")[:1])
