"""The district council's panel on the home page: the next deadline, the institution's drafts and the
decisions awaiting re-assessment (a period ended without one)."""

from django.utils import timezone

from districtcouncil.models import CouncilMeeting, Submission, SubmissionState
from districtcouncil.services import councils_for, decisions_in_scope
from haandguide.dashboard import Panel
from haandguide.models import Role


def council_panel(request) -> Panel | None:
    user = request.user
    if user.role not in (Role.LEDER, Role.KONSULENT, Role.CHEF):
        return None
    upcoming = (CouncilMeeting.objects.filter(council__in=councils_for(user), starts_at__gte=timezone.now())
                .select_related("council").order_by("starts_at").first())
    drafts = None
    if user.role == Role.LEDER:
        drafts = Submission.objects.filter(institution__in=user.institutions.all(),
                                           state=SubmissionState.KLADDE).count()
    awaiting = None
    if user.role in (Role.LEDER, Role.KONSULENT):
        awaiting = decisions_in_scope(user).awaiting_reassessment().count()
    return Panel("districtcouncil/includes/council_panel.html",
                 {"upcoming": upcoming, "drafts": drafts, "awaiting_reassessment": awaiting}, order=30)
