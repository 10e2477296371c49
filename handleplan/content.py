"""The whole plan as JSON: what each `PlanVersion` holds (texts and efforts with their evaluations)."""

from __future__ import annotations

import datetime

from handleplan.models import Effort, Evaluation, Handleplan, PlanVersion
from haandguide.models import User


def iso(value: datetime.date | None) -> str | None:
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
        "started_on": iso(effort.started_on),
        "evaluation_date": iso(effort.evaluation_date),
        "ended_on": iso(effort.ended_on),
        "evaluations": [
            {
                "id": e.pk,
                "evaluated_on": iso(e.evaluated_on),
                "planned_for": iso(e.planned_for),
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


def new_version(plan: Handleplan, user: User | None, summary: str, texts: dict | None = None,
                guardian=None) -> PlanVersion:
    """Write the next version: the given texts (or the current ones) and the efforts as they are
    now. Call with the plan row locked. `guardian`: a custodian wrote it in the parents' portal."""
    content = {
        "texts": texts if texts is not None else plan.texts,
        "efforts": _efforts_content(plan),
    }
    version = PlanVersion.objects.create(plan=plan, number=plan.version + 1, author=user, content=content,
                                         author_guardian=guardian,
                                         summary=summary[:255])
    plan.current = version
    plan.save(update_fields=["current"])
    return version
