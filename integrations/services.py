"""Taking a child's whole record out (integrations/record.py): the one service the page calls."""

from __future__ import annotations

from haandguide.access import Action, log_access
from haandguide.actors import Actor
from haandguide.exceptions import Refusal, Refused
from haandguide.models import Child
from integrations import record

HANDOVER_PURPOSE = "overdragelse"  # the ConsentPurpose code a municipality creates for handovers


def refusal_record_export(child: Child, purpose: str) -> Refusal | None:
    """An access request needs nothing more; a handover needs every custodian's consent to the
    municipality's consent purpose «overdragelse» (cases' consent rule, the same as for meetings)."""
    if purpose not in record.PURPOSES:
        return Refusal("purpose_unknown", "Vælg, om udtrækket er til indsigt eller overdragelse.")
    if purpose == "overdragelse":
        from cases.services import refusal_consent

        return refusal_consent(child, HANDOVER_PURPOSE)
    return None


def record_export(*, actor: Actor, child: Child, purpose: str, fmt: str) -> tuple[bytes, str, str]:
    """The record as (content, content type, file name); logged as an export of the child's data."""
    if refusal := refusal_record_export(child, purpose):
        raise Refused(refusal)
    data = record.build_record(child, purpose=purpose)
    log_access(actor, Action.EXPORT, child,
               detail=f"Samlet udtræk af barnets data ({record.PURPOSES[purpose]}, {fmt.upper()})")
    if fmt == "json":
        import json

        return (json.dumps(data, ensure_ascii=False, indent=2).encode(), "application/json",
                f"barn-{child.pk}-data.json")
    from haandguide.lib.pdf import render_pdf

    content = render_pdf("integrations/print/child_record.html", {
        "child": child, "record": data, "sections": record.pdf_sections(data), "purpose": record.PURPOSES[purpose]})
    return content, "application/pdf", f"barn-{child.pk}-data.pdf"
