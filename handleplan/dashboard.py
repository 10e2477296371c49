"""The handleplan app's panel on the home page: evaluations waiting for the user."""

from haandguide.dashboard import Panel
from haandguide import roles
from haandguide.models import Child
from handleplan.models import Reminder
from handleplan.services import overdue_efforts


def evaluations_panel(request) -> Panel | None:
    user = request.user
    if not roles.serves_institutions(user):
        return None
    reminders = Reminder.objects.filter(recipient=user, seen_at__isnull=True,
                                        effort__plan__case__child__in=Child.objects.visible_to(user)).count()
    overdue = None
    if roles.is_leader(user):
        overdue = overdue_efforts(user.institutions.values("pk")).count()
    return Panel("handleplan/includes/evaluations_panel.html", {"reminders": reminders, "overdue": overdue},
                 order=20)
