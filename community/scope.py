"""Scope for the learning community: groups, their plans, TOPI rounds, reflective evaluations and
sparring are found only in an institution the user serves (`cases.scope.institutions_served`: the
staff their own institutions, a consultant the district's); anything else is the same logged 404."""

from __future__ import annotations

from cases.scope import institutions_served, led_institutions, serves_institution  # noqa: F401
from haandguide.access import get_in_scope
from handleplan.scope import get_child_for_user, plan_for_child  # noqa: F401  (a proposal lives under the child's plan)
from community.models import ChildGroup, GroupPlan, GroupPlanSnapshot, ReflectiveEvaluation, SparringSession, TopiRound

__all__ = ["get_child_for_user", "plan_for_child", "institutions_served", "led_institutions", "serves_institution", "group_plans_led_by", "groups_for", "get_group_for_user",
           "get_round_for_user", "get_round_of_group", "get_child_of_round", "get_proposal", "evaluations_for", "sparring_for", "get_group_snapshot"]


def groups_for(user):
    return ChildGroup.objects.filter(institution__in=institutions_served(user), active=True).select_related(
        "institution").order_by("institution__name", "name")


def get_group_for_user(request, pk) -> ChildGroup:
    groups = ChildGroup.objects.filter(institution__in=institutions_served(request.user))
    return get_in_scope(groups.select_related("institution__district__municipality"), "childgroup", pk)


def get_round_for_user(request, pk) -> TopiRound:
    rounds = TopiRound.objects.filter(institution__in=institutions_served(request.user))
    return get_in_scope(rounds.select_related("group", "institution__district__municipality"), "topiround", pk)


def get_round_of_group(group: ChildGroup, pk) -> TopiRound:
    return get_in_scope(group.topi_rounds.all(), "topiround", pk)


def get_child_of_round(topi_round: TopiRound, pk):
    return get_in_scope(topi_round.group.children.all(), "child", pk)


def get_proposal(plan, pk):
    """A counsellor's proposal under the child's plan (the child is already in scope)."""
    return get_in_scope(plan.proposals.all(), "counsellorproposal", pk, child_id=plan.case.child_id)


def get_group_snapshot(group: ChildGroup, pk) -> GroupPlanSnapshot:
    return get_in_scope(GroupPlanSnapshot.objects.filter(plan__group=group).select_related("created_by"),
                        "groupplansnapshot", pk)


def evaluations_for(user):
    return ReflectiveEvaluation.objects.filter(institution__in=institutions_served(user)).select_related(
        "institution", "created_by")


def sparring_for(user):
    return SparringSession.objects.filter(institution__in=institutions_served(user)).select_related(
        "institution", "counsellor")


def group_plans_led_by(user):
    """The written plans of the groups in the institutions this user leads (a group submission's choices)."""
    return GroupPlan.objects.filter(group__institution__in=led_institutions(user), current__isnull=False).select_related(
        "group__institution").order_by("group__institution__name", "group__name")
