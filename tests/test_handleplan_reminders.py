"""Evaluation reminders: due soon and overdue efforts found, each notified once (email and in the
app), nothing for evaluated or ended efforts; the leader's list of overdue evaluations."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from cases import services as case_services
from haandguide.models import AccessLog, Role
from handleplan import tasks
from handleplan.models import Effort, Reminder
from handleplan.services import evaluation_reminders_send
from tests import factories
from tests.test_handleplan import DAY, TODAY, add_effort, as_user, case, evaluate, plan, save  # noqa: F401


@pytest.fixture
def efforts(plan, alice, lars):
    """Due in 3 days (Alice responsible), overdue by 5 days (no one responsible: the leader),
    due in 30 days (outside the 7-day window), and one evaluated with no next date."""
    save(plan, alice)
    due = add_effort(plan, alice, "ICDP", responsible=alice, evaluation_date=TODAY + 3 * DAY)
    overdue = add_effort(plan, alice, "KaMiBe", evaluation_date=TODAY - 5 * DAY, started_on=TODAY - 60 * DAY)
    later = add_effort(plan, alice, "Relationsarbejde", responsible=alice, evaluation_date=TODAY + 30 * DAY)
    done = add_effort(plan, alice, "Struktur i grupperummet", responsible=alice, evaluation_date=TODAY - 2 * DAY)
    evaluate(done, alice)
    return {"due": due, "overdue": overdue, "later": later, "done": done}


def test_due_soon_and_overdue_are_both_found_and_evaluated_efforts_are_not(efforts, alice, lars):
    evaluation_reminders_send(today=TODAY)
    reminders = {(r.effort.name, r.kind, r.recipient.username) for r in Reminder.objects.select_related("effort", "recipient")}
    assert reminders == {("ICDP", Reminder.Kind.DUE, "alice"), ("KaMiBe", Reminder.Kind.OVERDUE, "lars")}
    assert sorted(m.to[0] for m in mail.outbox) == [alice.email, lars.email]
    overdue_mail = next(m for m in mail.outbox if m.to == [lars.email])
    assert overdue_mail.subject.startswith("Forfalden evaluering: «KaMiBe»")
    assert "Alma" not in overdue_mail.body and "Alma" not in overdue_mail.alternatives[0][0]  # no child data by email
    assert reverse("handleplan:plan_detail", args=[efforts["due"].plan.case.child_id]) in overdue_mail.body


def test_running_the_job_twice_notifies_once(efforts):
    assert tasks.send_evaluation_reminders.apply().get() == 2
    assert tasks.send_evaluation_reminders.apply().get() == 0
    assert len(mail.outbox) == 2
    assert Reminder.objects.count() == 2


def test_a_due_reminder_is_followed_by_an_overdue_one_when_the_date_passes(efforts, alice):
    evaluation_reminders_send(today=TODAY)
    evaluation_reminders_send(today=TODAY + 4 * DAY)
    kinds = list(Reminder.objects.filter(effort=efforts["due"]).values_list("kind", flat=True).order_by("pk"))
    assert kinds == [Reminder.Kind.DUE, Reminder.Kind.OVERDUE]
    assert len(mail.outbox) == 3


def test_an_evaluation_with_a_new_date_makes_a_new_reminder_later_but_not_now(efforts, alice):
    evaluation_reminders_send(today=TODAY)
    evaluate(efforts["overdue"], alice, next_evaluation_date=TODAY + 40 * DAY)
    evaluation_reminders_send(today=TODAY)
    assert Reminder.objects.filter(effort=efforts["overdue"]).count() == 1
    evaluation_reminders_send(today=TODAY + 35 * DAY)
    assert Reminder.objects.filter(effort=efforts["overdue"], evaluation_date=TODAY + 40 * DAY).count() == 1


def test_the_reminder_window_is_the_municipalitys_setting(efforts, municipality):
    municipality.evaluation_reminder_days = 30
    municipality.save()
    evaluation_reminders_send(today=TODAY)
    assert Reminder.objects.filter(effort=efforts["later"]).exists()


def test_no_reminders_for_ended_efforts_or_closed_cases(efforts, alice, lars, plan):
    case = plan.case
    case.refresh_from_db()
    case_services.case_close(actor=as_user(lars), case_id=case.pk, version=case.version, close_reason="tilbage_i_almen")
    assert evaluation_reminders_send(today=TODAY) == 0
    assert not Reminder.objects.exists()


def test_an_email_that_failed_is_sent_on_the_next_run(efforts, monkeypatch):
    from handleplan import services

    calls = []

    def flaky(reminder):
        calls.append(reminder.pk)
        if len(calls) == 1:
            raise ConnectionError("SMTP nede")
        mail.EmailMessage("x", "y", to=[reminder.recipient.email]).send()

    monkeypatch.setattr(services, "reminder_email_send", flaky)
    with pytest.raises(ConnectionError):
        evaluation_reminders_send(today=TODAY)
    monkeypatch.undo()
    evaluation_reminders_send(today=TODAY)
    assert len(mail.outbox) == 2  # the failed one and the one not reached, each once
    assert not Reminder.objects.filter(emailed_at__isnull=True).exists()


def test_a_user_sees_their_own_reminders_and_marks_them_seen(client_for, efforts, alice, lars):
    evaluation_reminders_send(today=TODAY)
    client = client_for(alice)
    html = client.get(reverse("handleplan:reminder_list")).content.decode()
    assert "ICDP" in html and "KaMiBe" not in html  # lars' reminder is not hers
    reminder = Reminder.objects.get(recipient=alice)
    assert client.post(reverse("handleplan:reminder_seen", args=[reminder.pk])).status_code == 302
    reminder.refresh_from_db()
    assert reminder.seen_at is not None
    other = Reminder.objects.get(recipient=lars)
    assert client.post(reverse("handleplan:reminder_seen", args=[other.pk])).status_code == 404
    assert AccessLog.objects.filter(user=alice, action=AccessLog.Action.LIST).exists()


def test_a_leader_sees_the_overdue_evaluations_of_their_own_institution_only(client_for, efforts, lars, bob, viggo):
    foreign_case = case_services.case_open(actor=as_user(bob), child=viggo)
    from handleplan import services

    foreign_plan = services.plan_start(actor=as_user(bob), case=foreign_case)
    add_effort(foreign_plan, bob, "Viggos indsats", evaluation_date=TODAY - 3 * DAY, started_on=TODAY - 30 * DAY)
    html = client_for(lars).get(reverse("handleplan:overdue_list")).content.decode()
    assert "KaMiBe" in html and "Alma" in html
    assert "ICDP" not in html and "Struktur i grupperummet" not in html and "Viggo" not in html
    html = client_for(bob).get(reverse("handleplan:overdue_list")).content.decode()
    assert "Viggos indsats" in html and "Alma" not in html


def test_the_overdue_list_is_for_leaders(client_for, alice):
    assert client_for(alice).get(reverse("handleplan:overdue_list")).status_code == 403


def test_the_overdue_list_is_paginated(client_for, plan, alice, lars):
    save(plan, alice)
    for n in range(30):
        Effort.objects.create(plan=plan, name=f"Indsats {n}", level="forebyggende", created_by=alice,
                              started_on=TODAY - 60 * DAY, evaluation_date=TODAY - DAY)
    response = client_for(lars).get(reverse("handleplan:overdue_list"))
    assert len(response.context["page"].object_list) == 25
    assert "1 / 2" in response.content.decode()


def test_a_responsible_member_of_staff_who_left_is_replaced_by_the_leaders(efforts, alice, lars, solsikken):
    alice.is_active = False
    alice.save()
    second_leader = factories.user(Role.LEDER, institutions=[solsikken], username="lise")
    evaluation_reminders_send(today=TODAY)
    recipients = set(Reminder.objects.filter(effort=efforts["due"]).values_list("recipient__username", flat=True))
    assert recipients == {"lars", second_leader.username}
