"""What the handleplan app removes when children's data is anonymised (haandguide.retention), a
batch of children at a time.

The plan's texts live in its versions and snapshots: those go. Efforts and evaluations stay as
rows without their free text, because the statistics count evaluations done on time.
"""

from handleplan.models import Effort, Evaluation, Handleplan, PlanSnapshot, PlanVersion


def anonymise_children(children) -> None:
    plans = Handleplan.objects.filter(case__child__in=children)
    if not plans.exists():
        return
    plans.update(current=None)
    PlanSnapshot.objects.filter(plan__in=plans).erase()
    PlanVersion.objects.filter(plan__in=plans).erase()
    Effort.objects.filter(plan__in=plans).update(description="")
    Evaluation.objects.filter(effort__plan__in=plans).erase_text(seen="", next_step="")
