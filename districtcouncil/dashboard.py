"""The district council's panel on the home page: the next deadline, the institution's drafts and the
decisions awaiting re-assessment (a period ended without one)."""

from django.utils import timezone

from districtcouncil.models import CouncilMeeting, SubmissionState
from districtcouncil.scope import councils_for, decisions_in_scope, own_submissions
from haandguide import roles
from haandguide.dashboard import Panel


def council_panel(request) -> Panel | None:
    user = request.user
    if not roles.takes_part_in_councils(user):
        return None
    upcoming = (CouncilMeeting.objects.filter(council__in=councils_for(user), starts_at__gte=timezone.now())
                .select_related("council__district__municipality").order_by("starts_at").first())  # the deadline
    drafts = None
    if roles.is_leader(user):
        drafts = own_submissions(user).filter(state=SubmissionState.KLADDE).count()
    awaiting = None
    if roles.is_leader(user) or roles.is_consultant(user):
        awaiting = decisions_in_scope(user).awaiting_reassessment().count()
    return Panel("districtcouncil/includes/council_panel.html",
                 {"upcoming": upcoming, "drafts": drafts, "awaiting_reassessment": awaiting}, order=30)
