"""The printed handleplan."""

from __future__ import annotations

from django.utils import timezone

from haandguide.lib.pdf import render_pdf
from handleplan.formdata import period
from handleplan.models import VOICE_STATEMENTS, Effort, Handleplan


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
    })
