"""The child page's section from the learning community: the counsellors' proposals to the plan
(registered through cases.interfaces, which never imports this app). One query."""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse

from community.models import CounsellorProposal
from handleplan.models import Handleplan


def proposals_section(request, child) -> dict | None:
    counts = (Handleplan.objects.filter(case__child=child)
              .annotate(total=Count("proposals"),
                        pending=Count("proposals", filter=Q(proposals__state=CounsellorProposal.State.PENDING)))
              .values("total", "pending").first())
    if counts is None:
        return None
    return {"template": "community/includes/child_section.html", "proposals_url": reverse("community:proposals", args=[child.pk]),
            **counts}
