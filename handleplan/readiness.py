"""The interface the cases app asks (cases.interfaces): is a level's part of the plan described
and evaluated, and the plan's summary on the child page."""

from __future__ import annotations

from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone

from cases.interfaces import LevelReadiness, Missing
from cases.models import Case, CaseState
from haandguide.models import Child, Institution
from haandguide.lib.once import once
from haandguide.lib.statements import statement
from handleplan.levels import level_concluded
from handleplan.models import Effort, Handleplan, ReadinessRule


def plan_of(case: Case) -> Handleplan | None:
    """The case's handleplan with its current version, read fresh (a plan reached as `plan.case`
    or asked about twice around a save may be older than its current version); once per page."""
    return once(("plan", case.pk), lambda: _plan_with_current.first(case.pk))


@statement
def _plan_with_current(case_id: int):
    return Handleplan.objects.select_related("current").filter(case_id=case_id).order_by("pk")[:1]


def _municipality_id(case: Case) -> int | None:
    """From the child the page already holds (institution and district loaded), else one query."""
    child = Case.child.field.get_cached_value(case, None)
    if child is not None and Child.institution.is_cached(child) and Institution.district.is_cached(child.institution):
        return child.institution.district.municipality_id
    return Child.objects.filter(pk=case.child_id).values_list("institution__district__municipality_id", flat=True).first()


def _efforts_with_counts(plan: Handleplan) -> list[Effort]:
    """Every effort of the plan with its evaluations counted; once per page (the summary and the
    readiness of a level ask the same)."""
    return once(("efforts", plan.pk), lambda: _efforts_counted(plan.pk))


@statement
def _efforts_counted(plan_id: int):
    return (Effort.objects.filter(plan_id=plan_id)
            .annotate(evaluation_count=Count("evaluations"), last_evaluated_on=Max("evaluations__evaluated_on"),
                      planned_count=Count("evaluations", filter=Q(evaluations__planned_for__isnull=False)))
            .order_by("started_on", "pk"))


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
    efforts = [effort for effort in _efforts_with_counts(plan) if effort.level == level]
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
        plan = plan_of(case)
        if plan is None:
            return LevelReadiness(
                False, "Barnet har ingen handleplan endnu. Start handleplanen, og beskriv mål, "
                       f"indsatser og evalueringer på {level_label} niveau.",
                (Missing("en handleplan", reverse("handleplan:plan_detail", args=[case.child_id])),))
        plan.case = case
        municipality_id = _municipality_id(case)
        missing = missing_for_level(plan, level, ReadinessRule.for_level(municipality_id, level))
        if missing:
            return LevelReadiness(False, f"Handleplanen mangler på {level_label} niveau: "
                                         + "; ".join(item.text for item in missing) + ".", tuple(missing))
        return LevelReadiness(True)

    def summary(self, case: Case) -> dict | None:
        """Three queries at most, whatever the size of the plan."""
        child_id = case.child_id
        plan = plan_of(case)
        base = {"template": "handleplan/includes/case_summary.html", "plan": plan,
                "plan_url": reverse("handleplan:plan_detail", args=[child_id]),
                "start_url": reverse("handleplan:plan_start", args=[child_id]),
                "can_start": case.is_open, "closed": not case.is_open}
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
