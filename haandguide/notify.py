"""The one notify path: a message in the app (`Notice`) and by email, once per key.

Every app's jobs and services notify through `notify` (one message) or `notify_many` (a job's
batch): agendas, deadlines, re-assessments, evaluation reminders. So there is one message store,
one list ("Beskeder"), one "mark read" and one email path.

Once per key: the notice is unique per (user, key), so it is never made twice; its `emailed_at`
is set when its email went out, so the email is not sent twice either. A batch costs the same few
queries whatever its size (the notices that exist, the insert of the missing ones, the lock of
the unsent, the mark of the sent) and its emails go through one mail connection.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.mail import mailers
from django.db import transaction
from django.utils import timezone

from haandguide.lib.mail import absolute_url, send_templated
from haandguide.models import Child, Notice, User


@dataclass
class Message:
    """One message to some people: a notice each and, with `email_template`, an email each."""

    users: Iterable[User]
    key: str
    subject: str
    body: str = ""
    url: str = ""
    email_template: str | None = None
    context: dict = field(default_factory=dict)
    child_id: int | None = None


def notify(users: Iterable[User], *, key: str, subject: str, body: str = "", url: str = "",
           email_template: str | None = None, context: dict | None = None, child: Child | None = None) -> int:
    """Create a Notice per user unless one with this key exists, and email it once.

    An email that failed (the exception reaches the job, which fails) is sent by the next run
    with the same key; the notice itself is never made twice. Returns the number of users
    notified now (0 when the job already ran)."""
    return notify_many([Message(users, key, subject, body, url, email_template, context or {},
                                child.pk if child is not None else None)])


def notify_many(messages: Sequence[Message]) -> int:
    """`notify` for a batch of messages, in a constant number of queries whatever its size.

    Returns the number of (user, message) pairs notified now: a notice made or an email sent."""
    wanted: dict[tuple[int, str], tuple[Message, User]] = {}
    for message in messages:
        for user in message.users:
            if user and user.is_active:
                wanted.setdefault((user.pk, message.key[:200]), (message, user))
    if not wanted:
        return 0
    emailed_at = {(user_id, key): at for user_id, key, at in _notices(wanted).values_list("user_id", "key", "emailed_at")
                  if (user_id, key) in wanted}
    new = [pair for pair in wanted if pair not in emailed_at]
    # ignore_conflicts: a parallel run that made some of them first wins; none is made twice.
    Notice.objects.bulk_create(
        [Notice(user_id=user_id, key=key, subject=message.subject[:200], body=message.body, url=message.url,
                child_id=message.child_id)
         for user_id, key in new for message, _ in [wanted[(user_id, key)]]],
        ignore_conflicts=True, batch_size=1000)
    # A run with nothing new finds every email sent already and asks nothing more.
    to_email = {pair: (message, user) for pair, (message, user) in wanted.items()
                if message.email_template and user.email and emailed_at.get(pair) is None}
    emailed = _email_once(to_email) if to_email else set()
    return len(set(new) | emailed)


def _notices(pairs):
    """The notices of these (user, key) pairs, and perhaps a few more (filter the pairs after)."""
    return Notice.objects.filter(user_id__in={user_id for user_id, _ in pairs}, key__in={key for _, key in pairs})


def _email_once(wanted: dict[tuple[int, str], tuple[Message, User]]) -> set[tuple[int, str]]:
    """Email every notice of `wanted` not emailed yet, over one connection. The unsent notices
    are locked (skip_locked: a second worker running at the same moment passes over them) while
    the emails go out, and the sent ones are marked in the same transaction; when an email
    fails, those sent before it are still marked and the error reaches the job, whose next run
    sends the rest. (A worker killed outright rolls back its marks: the emails of the batch that
    had already left would be sent again.)"""
    sent: list[Notice] = []
    error: Exception | None = None
    with transaction.atomic():
        unsent = [notice for notice in _notices(wanted).filter(emailed_at__isnull=True)
                  .select_for_update(skip_locked=True).order_by("pk")
                  if (notice.user_id, notice.key) in wanted]
        if not unsent:
            return set()
        try:
            with mailers.default as connection:
                for notice in unsent:
                    message, user = wanted[(notice.user_id, notice.key)]
                    context = {**message.context, "user": user, "notice": notice,
                               "link": absolute_url(message.url) if message.url else ""}
                    send_templated(message.email_template, context, [user.email], connection=connection)
                    sent.append(notice)
        except Exception as failure:  # noqa: BLE001 - re-raised below, after the sent ones are marked
            error = failure
        if sent:
            Notice.objects.filter(pk__in=[notice.pk for notice in sent]).update(emailed_at=timezone.now())
    if error is not None:
        raise error
    return {(notice.user_id, notice.key) for notice in sent}


def notices_mark_seen(user: User, notice: Notice | None = None) -> int:
    """Mark one of the user's messages read, or all of them when no notice is given."""
    unseen = Notice.objects.filter(user=user, seen_at__isnull=True)
    if notice is not None:
        unseen = unseen.filter(pk=notice.pk)
    return unseen.update(seen_at=timezone.now())
