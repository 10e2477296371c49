"""Scope for the handleplan app: every lookup of a plan, an effort or a version by id
goes through here, under a child the user may see (`haandguide.access`), so a guessed id is the
same logged 404 as any other denial."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from cases.models import Case
from cases.scope import case_of
from haandguide import roles
from haandguide.access import OutOfScope, get_child_for_user
from haandguide.lib.statements import statement
from haandguide.models import Child, Institution
from handleplan.models import Effort, Handleplan, PlanVersion

__all__ = ["case_of", "get_child_for_user", "plan_for_child", "effort_for_child", "version_of",
           "led_institution_ids"]


def plan_for_child(child: Child) -> Handleplan:
    """The child's plan, or a 404 (the child is in scope, so a missing plan is no secret)."""
    return get_object_or_404(Handleplan.objects.select_related("current", "case__child__institution__district"),
                             case__child=child)


def plan_of_case(case: Case | None) -> Handleplan | None:
    return _plan_with_author.first(case.pk) if case else None


@statement
def _plan_with_author(case_id: int):
    return Handleplan.objects.select_related("current__author").filter(case_id=case_id).order_by("pk")[:1]


def effort_for_child(child: Child, effort_pk) -> Effort:
    effort = (Effort.objects.select_related("plan__case__child__institution", "plan__current")
              .filter(pk=effort_pk, plan__case__child=child).first())
    if effort is None:  # someone else's effort id under this child's url: logged like any denial
        raise OutOfScope("effort", effort_pk, child_id=child.pk)
    return effort


def version_of(plan: Handleplan, number: int) -> PlanVersion:
    return get_object_or_404(PlanVersion.objects.select_related("author", "author_guardian"), plan=plan, number=number)


def led_institution_ids(user):
    """The institutions whose overdue evaluations this user follows: those the user leads."""
    if not roles.is_leader(user):
        return Institution.objects.none().values("pk")
    return user.institutions.values("pk")
