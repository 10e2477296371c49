"""The handleplan app's panel on the home page: evaluations waiting for the user."""

from django.utils import timezone

from haandguide import roles
from haandguide.dashboard import Panel
from haandguide.lib.statements import statement
from haandguide.models import Notice
from handleplan.reminders import EVALUATION_KEY_PREFIX, overdue_efforts


def evaluations_panel(request) -> Panel | None:
    user = request.user
    if not roles.serves_institutions(user):
        return None
    # Evaluation reminders are messages in the one inbox (Beskeder); the panel counts the unread.
    reminders = _unread_reminders.count(*roles.child_scope(user), user.pk)
    overdue = None
    if roles.is_leader(user):
        overdue = _overdue_in.count(roles.sorted_institution_ids(user), timezone.localdate())
    return Panel("handleplan/includes/evaluations_panel.html", {"reminders": reminders, "overdue": overdue},
                 order=20)


@statement(shape=1)
def _unread_reminders(kind: str, ids: tuple, user_id: int):
    return Notice.objects.for_scope(kind, ids, user_id).filter(seen_at__isnull=True,
                                                                key__startswith=EVALUATION_KEY_PREFIX)


@statement
def _overdue_in(institution_ids: tuple, today):
    return overdue_efforts(institution_ids, today)
