"""Evaluation reminders (a daily job) and the overdue evaluations a leader sees."""

from __future__ import annotations

import datetime

from django.db.models import Case, F, Q, Value, When
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseState
from haandguide.lib.batches import BATCH_SIZE, in_batches
from haandguide.lib.formats import date_da
from haandguide import roles
from haandguide.models import Municipality, User
from haandguide.notify import Message, notify_many
from handleplan.levels import concluded_level_q
from handleplan.models import Effort


def _recipients(effort: Effort, leaders: dict[int, list[User]]) -> list[User]:
    """The effort's responsible member of staff, else the institution's leaders (`leaders`: the
    batch's, by institution)."""
    if effort.responsible_id and effort.responsible.is_active:
        return [effort.responsible]
    return leaders.get(effort.plan.case.child.institution_id, [])


def overdue_efforts(institutions, today: datetime.date | None = None):
    """Efforts of children still in daycare, in open cases of these institutions, whose evaluation
    date has passed: the leader's overdue list and the home page's count."""
    today = today or timezone.localdate()
    return (Effort.objects.filter(plan__case__child__institution__in=institutions,
                                  plan__case__child__left_at__isnull=True, ended_on__isnull=True,
                                  evaluation_date__lt=today)
            .exclude(plan__case__state=CaseState.LUKKET).exclude(concluded_level_q()))


def evaluation_reminders_send(today: datetime.date | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Find the efforts whose evaluation is due within the municipality's reminder days or is
    overdue, and notify each responsible member of staff (else the institution's leaders) through
    the one notify path: a message in Beskeder and an email, once per effort, due date, kind and
    recipient (the key), so running it twice sends nothing twice and a failed email goes out on
    the next run. The email names the effort and institution, never the child. Works in batches
    of `batch_size` efforts, each the same few queries whatever the backlog. Returns the number
    of people notified now."""
    today = today or timezone.localdate()
    due = Q(evaluation_date__isnull=False, ended_on__isnull=True, plan__case__child__left_at__isnull=True) & ~Q(
        plan__case__state=CaseState.LUKKET) & ~concluded_level_q()
    # Inside its municipality's reminder window: per municipality a date range, in one query.
    windows = Q(pk__in=[])
    for municipality_id, days in Municipality.objects.values_list("pk", "evaluation_reminder_days"):
        windows |= Q(plan__case__child__institution__district__municipality_id=municipality_id,
                     evaluation_date__lte=today + datetime.timedelta(days=days))
    # Already reminded of this date, as overdue, or as due soon while it is not yet overdue.
    reminded = Q(reminded_for=F("evaluation_date")) & (Q(reminded_overdue=True) | Q(evaluation_date__gte=today))
    efforts = (Effort.objects.filter(due, windows).exclude(reminded)
               .select_related("responsible", "plan__case__child__institution"))
    return sum(_remind(batch, today) for batch in in_batches(efforts, batch_size))


def _remind(batch: list[Effort], today: datetime.date) -> int:
    leaders = roles.leaders_by_institution(
        {effort.plan.case.child.institution_id for effort in batch if not (effort.responsible_id
                                                                         and effort.responsible.is_active)})
    messages = []
    for effort in batch:
        overdue = effort.evaluation_date < today
        child = effort.plan.case.child
        context = {"effort": effort, "institution": child.institution, "overdue": overdue,
                   "evaluation_date": effort.evaluation_date}
        messages.append(Message(
            _recipients(effort, leaders), key=evaluation_notice_key(effort, overdue=overdue),
            subject=render_to_string(f"{EVALUATION_EMAIL}_subject.txt", context).strip(),
            body=f"Evalueres senest {date_da(effort.evaluation_date)}.",
            url=reverse("handleplan:plan_detail", args=[child.pk]), child_id=child.pk,
            email_template=EVALUATION_EMAIL, context=context))
    notified = notify_many(messages)
    # Marked only after every recipient was notified: a failed email raises, and the next run finds
    # the batch again (the notice keys keep it from being sent twice). Each effort is marked with
    # the date it was reminded of, so a date changed meanwhile is reminded of later.
    Effort.objects.filter(pk__in=[effort.pk for effort in batch]).update(
        reminded_for=Case(*[When(pk=effort.pk, then=Value(effort.evaluation_date)) for effort in batch]),
        reminded_overdue=Case(*[When(pk=effort.pk, then=Value(effort.evaluation_date < today)) for effort in batch]))
    return notified


EVALUATION_EMAIL = "handleplan/email/evaluation_reminder"
EVALUATION_KEY_PREFIX = "evaluering:"


def evaluation_notice_key(effort: Effort, *, overdue: bool) -> str:
    """One message per effort, due date and kind ("snart" before the date, "forfalden" after) and
    recipient (the Notice's user): a new evaluation date makes a new message."""
    kind = "forfalden" if overdue else "snart"
    return f"{EVALUATION_KEY_PREFIX}{effort.pk}:{effort.evaluation_date.isoformat()}:{kind}"
