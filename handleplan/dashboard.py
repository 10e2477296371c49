"""The handleplan app's panel on the home page: evaluations waiting for the user."""

from haandguide import roles
from haandguide.dashboard import Panel
from haandguide.models import Notice
from handleplan.reminders import EVALUATION_KEY_PREFIX, overdue_efforts


def evaluations_panel(request) -> Panel | None:
    user = request.user
    if not roles.serves_institutions(user):
        return None
    # Evaluation reminders are messages in the one inbox (Beskeder); the panel counts the unread.
    reminders = Notice.objects.for_user(user).filter(seen_at__isnull=True,
                                                     key__startswith=EVALUATION_KEY_PREFIX).count()
    overdue = None
    if roles.is_leader(user):
        overdue = overdue_efforts(user.institutions.values("pk")).count()
    return Panel("handleplan/includes/evaluations_panel.html", {"reminders": reminders, "overdue": overdue},
                 order=20)
