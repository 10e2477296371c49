"""The child page's section from the learning community: the counsellors' proposals to the plan
(registered through cases.interfaces, which never imports this app). The page's case and plan are
read once for the page; then one query from foregribende on, none below it or without a plan."""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse

from cases.models import CaseState
from cases.scope import case_of
from community.models import CounsellorProposal
from handleplan.readiness import plan_of


def proposals_section(request, child) -> dict | None:
    case = case_of(child)
    plan = plan_of(case) if case is not None else None
    if plan is None:
        return None
    section = {"template": "community/includes/child_section.html",
               "proposals_url": reverse("community:proposals", args=[child.pk])}
    if case.is_open and CaseState.rank(case.state) >= CaseState.rank(CaseState.FOREGRIBENDE):
        # Counsellors propose from foregribende on (refusal_propose): there the section counts what
        # waits; below it, and on a closed case, it links to the proposals (each one was a message
        # in the staff's Beskeder when it came).
        section.update(counted=True, **CounsellorProposal.objects.filter(plan=plan).aggregate(
            total=Count("pk"), pending=Count("pk", filter=Q(state=CounsellorProposal.State.PENDING))))
    return section
