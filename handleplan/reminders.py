"""Evaluation reminders (a daily job) and the overdue evaluations a leader sees."""

from __future__ import annotations

import datetime

from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseState
from haandguide.lib.formats import date_da
from haandguide import roles
from haandguide.models import Municipality, User
from haandguide.notify import notify
from handleplan.levels import concluded_level_q
from handleplan.models import Effort


def _recipients(effort: Effort) -> list[User]:
    """The effort's responsible member of staff, else the institution's leaders."""
    if effort.responsible_id and effort.responsible.is_active:
        return [effort.responsible]
    institution_id = effort.plan.case.child.institution_id
    return list(roles.leaders_of(institution_id))


def overdue_efforts(institutions, today: datetime.date | None = None):
    """Efforts of children still in daycare, in open cases of these institutions, whose evaluation
    date has passed: the leader's overdue list and the home page's count."""
    today = today or timezone.localdate()
    return (Effort.objects.filter(plan__case__child__institution__in=institutions,
                                  plan__case__child__left_at__isnull=True, ended_on__isnull=True,
                                  evaluation_date__lt=today)
            .exclude(plan__case__state=CaseState.LUKKET).exclude(concluded_level_q()))


def evaluation_reminders_send(today: datetime.date | None = None) -> int:
    """Find the efforts whose evaluation is due within the municipality's reminder days or is
    overdue, and notify each responsible member of staff (else the institution's leaders) through
    the one notify path: a message in Beskeder and an email, once per effort, due date, kind and
    recipient (the key), so running it twice sends nothing twice and a failed email goes out on
    the next run. The email names the effort and institution, never the child. Returns the number
    of people notified now."""
    today = today or timezone.localdate()
    due = Q(evaluation_date__isnull=False, ended_on__isnull=True, plan__case__child__left_at__isnull=True) & ~Q(
        plan__case__state=CaseState.LUKKET) & ~concluded_level_q()
    # Already reminded of this date, as overdue, or as due soon while it is not yet overdue.
    reminded = Q(reminded_for=F("evaluation_date")) & (Q(reminded_overdue=True) | Q(evaluation_date__gte=today))
    notified = 0
    for municipality in Municipality.objects.all():
        horizon = today + datetime.timedelta(days=municipality.evaluation_reminder_days)
        efforts = (
            Effort.objects.filter(due, evaluation_date__lte=horizon,
                                  plan__case__child__institution__district__municipality=municipality)
            .exclude(reminded)
            .select_related("responsible", "plan__case__child__institution").order_by("pk")
        )
        for effort in efforts.iterator(500):
            overdue = effort.evaluation_date < today
            child = effort.plan.case.child
            context = {"effort": effort, "institution": child.institution, "overdue": overdue,
                       "evaluation_date": effort.evaluation_date}
            notified += notify(
                _recipients(effort), key=evaluation_notice_key(effort, overdue=overdue),
                subject=render_to_string(f"{EVALUATION_EMAIL}_subject.txt", context).strip(),
                body=f"Evalueres senest {date_da(effort.evaluation_date)}.",
                url=reverse("handleplan:plan_detail", args=[child.pk]), child=child,
                email_template=EVALUATION_EMAIL, context=context)
            # Marked only after every recipient was notified: a failed email raises, and the next run
            # finds the effort again (the notice keys keep it from being sent twice).
            Effort.objects.filter(pk=effort.pk).update(reminded_for=effort.evaluation_date, reminded_overdue=overdue)
    return notified


EVALUATION_EMAIL = "handleplan/email/evaluation_reminder"
EVALUATION_KEY_PREFIX = "evaluering:"


def evaluation_notice_key(effort: Effort, *, overdue: bool) -> str:
    """One message per effort, due date and kind ("snart" before the date, "forfalden" after) and
    recipient (the Notice's user): a new evaluation date makes a new message."""
    kind = "forfalden" if overdue else "snart"
    return f"{EVALUATION_KEY_PREFIX}{effort.pk}:{effort.evaluation_date.isoformat()}:{kind}"
