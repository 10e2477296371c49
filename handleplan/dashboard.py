"""The handleplan app's panel on the home page: evaluations waiting for the user."""

from django.utils import timezone

from cases.models import CaseState
from haandguide.dashboard import Panel
from haandguide.models import Child, Role
from handleplan.models import Effort, Reminder


def evaluations_panel(request) -> Panel | None:
    user = request.user
    if user.role not in (Role.PAEDAGOG, Role.LEDER, Role.KONSULENT):
        return None
    reminders = Reminder.objects.filter(recipient=user, seen_at__isnull=True,
                                        effort__plan__case__child__in=Child.objects.visible_to(user)).count()
    overdue = None
    if user.role == Role.LEDER:
        overdue = (Effort.objects.filter(plan__case__child__institution__in=user.institutions.values("pk"),
                                         plan__case__child__left_at__isnull=True, ended_on__isnull=True,
                                         evaluation_date__lt=timezone.localdate())
                   .exclude(plan__case__state=CaseState.LUKKET).count())
    return Panel("handleplan/includes/evaluations_panel.html", {"reminders": reminders, "overdue": overdue},
                 order=20)
