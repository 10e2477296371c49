"""The district council's panel on the home page: the next deadline and the institution's drafts."""

from django.utils import timezone

from districtcouncil.models import CouncilMeeting, Submission, SubmissionState
from districtcouncil.services import councils_for
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
    return Panel("districtcouncil/includes/council_panel.html", {"upcoming": upcoming, "drafts": drafts},
                 order=30)
