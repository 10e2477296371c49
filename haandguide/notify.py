"""Notify users in the app and by email, once per key."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from haandguide.lib.mail import absolute_url, send_templated
from haandguide.models import Notice, User


def notify(users: Iterable[User], *, key: str, subject: str, body: str = "", url: str = "",
           email_template: str | None = None, context: dict | None = None) -> int:
    """Create a Notice per user unless one with this key exists; email the new ones.

    Returns the number of users notified now (0 when the job already ran)."""
    sent = 0
    for user in {u.pk: u for u in users if u and u.is_active}.values():
        try:
            with transaction.atomic():
                notice, created = Notice.objects.get_or_create(
                    user=user, key=key[:200], defaults={"subject": subject[:200], "body": body, "url": url})
        except IntegrityError:  # a parallel run created it first
            continue
        if not created:
            continue
        if email_template:
            send_templated(email_template, {**(context or {}), "user": user, "notice": notice,
                                            "link": absolute_url(url) if url else ""}, [user.email])
            notice.emailed_at = timezone.now()
            notice.save(update_fields=["emailed_at"])
        sent += 1
    return sent


def notices_mark_seen(user: User, notice: Notice | None = None) -> int:
    """Mark one of the user's messages read, or all of them when no notice is given."""
    unseen = Notice.objects.filter(user=user, seen_at__isnull=True)
    if notice is not None:
        unseen = unseen.filter(pk=notice.pk)
    return unseen.update(seen_at=timezone.now())
