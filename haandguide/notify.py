"""The one notify path: a message in the app (`Notice`) and by email, once per key.

Every app's jobs and services notify through `notify` (agendas, deadlines, re-assessments,
evaluation reminders), so there is one message store, one list ("Beskeder"), one "mark read" and
one email path.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from haandguide.lib.mail import absolute_url, send_templated
from haandguide.models import Child, Notice, User


def notify(users: Iterable[User], *, key: str, subject: str, body: str = "", url: str = "",
           email_template: str | None = None, context: dict | None = None, child: Child | None = None) -> int:
    """Create a Notice per user unless one with this key exists, and email it once.

    An email that failed (the exception reaches the job, which fails) is sent by the next run
    with the same key; the notice itself is never made twice. Returns the number of users
    notified now (0 when the job already ran)."""
    notified = 0
    for user in {u.pk: u for u in users if u and u.is_active}.values():
        try:
            with transaction.atomic():
                notice, created = Notice.objects.get_or_create(
                    user=user, key=key[:200],
                    defaults={"subject": subject[:200], "body": body, "url": url, "child": child})
        except IntegrityError:  # a parallel run created it first
            continue
        emailed = False
        if email_template and user.email and notice.emailed_at is None:
            emailed = _email_once(notice, user, email_template, {**(context or {}), "user": user,
                                                                 "link": absolute_url(url) if url else ""})
        if created or emailed:
            notified += 1
    return notified


def _email_once(notice: Notice, user: User, template: str, context: dict) -> bool:
    with transaction.atomic():
        # skip_locked: a second worker running at the same moment passes over this message.
        claimed = (Notice.objects.select_for_update(skip_locked=True)
                   .filter(pk=notice.pk, emailed_at__isnull=True).first())
        if claimed is None:
            return False
        send_templated(template, {**context, "notice": claimed}, [user.email])
        claimed.emailed_at = timezone.now()
        claimed.save(update_fields=["emailed_at"])
    return True


def notices_mark_seen(user: User, notice: Notice | None = None) -> int:
    """Mark one of the user's messages read, or all of them when no notice is given."""
    unseen = Notice.objects.filter(user=user, seen_at__isnull=True)
    if notice is not None:
        unseen = unseen.filter(pk=notice.pk)
    return unseen.update(seen_at=timezone.now())
