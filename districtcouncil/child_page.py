"""The district council's section on the child page: the child's submissions, decisions and the
letters to the parents, with how and when each letter was sent, and whether the user may submit the
child to the council now. A fixed few queries, whatever the data."""

from django.db.models import Prefetch
from django.urls import reverse

from districtcouncil import delivery
from districtcouncil.models import Decision, Letter
from districtcouncil.scope import submissions_visible_to
from districtcouncil.services import refusal_submission_start


def council_section(request, child) -> dict | None:
    submissions = list(submissions_visible_to(request.user).filter(child=child)
                       .select_related("meeting__council").order_by("-created_at", "-pk")[:20])
    # Who sees the child sees its decisions and letters (as on the decision page).
    decisions = list(Decision.objects.filter(child=child).select_related("resource_type").prefetch_related(
        Prefetch("letters", queryset=Letter.objects.defer("pdf").select_related("dispatched_by")))
        .order_by("-decided_at", "-pk")[:20])
    delivery.attach([letter for decision in decisions for letter in decision.letters.all()])
    # The child page's "Indstil til distriktsrådet": shown when the service would accept a draft.
    submission_url = None
    if refusal_submission_start(request.user, child) is None:
        submission_url = reverse("districtcouncil:submission_create") + f"?barn={child.pk}"
    return {"template": "districtcouncil/includes/child_section.html", "council_submissions": submissions,
            "council_decisions": decisions, "submission_url": submission_url}
