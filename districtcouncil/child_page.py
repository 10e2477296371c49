"""The district council's section on the child page: the child's submissions, decisions and the
letters to the parents, with how and when each letter was sent, and whether the user may submit the
child to the council now. A fixed few queries, whatever the data."""

from django.db.models import Prefetch, prefetch_related_objects
from django.urls import reverse

from districtcouncil import delivery
from districtcouncil.models import Letter
from districtcouncil.scope import child_submissions, submission_scope
from districtcouncil.services import child_decisions, refusal_submission_start


def council_section(request, child) -> dict | None:
    submissions = child_submissions(*submission_scope(request.user), child.pk)
    # Who sees the child sees its decisions and letters (as on the decision page).
    decisions = child_decisions(child.pk)[:20]
    prefetch_related_objects(decisions, Prefetch("letters", queryset=Letter.objects.defer("pdf")
                                                 .select_related("dispatched_by")))
    delivery.attach([letter for decision in decisions for letter in decision.letters.all()])
    # The child page's "Indstil til distriktsrådet": shown when the service would accept a draft.
    submission_url = None
    if refusal_submission_start(request.user, child) is None:
        submission_url = reverse("districtcouncil:submission_create") + f"?barn={child.pk}"
    return {"template": "districtcouncil/includes/child_section.html", "council_submissions": submissions,
            "council_decisions": decisions, "submission_url": submission_url}
