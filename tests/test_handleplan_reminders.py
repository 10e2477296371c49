"""Evaluation reminders: due soon and overdue efforts found, each notified once (email and a
message in the one inbox, Beskeder), nothing for evaluated or ended efforts; the leader's list of
overdue evaluations."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from haandguide import notify as notify_module
from haandguide.actors import Actor
from haandguide.models import Notice, Role
from handleplan import tasks
from handleplan.models import Effort
from handleplan.reminders import EVALUATION_KEY_PREFIX, evaluation_reminders_send
from tests import factories
from tests.test_handleplan import DAY, TODAY, add_effort, as_user, case, evaluate, plan, save  # noqa: F401


def reminders(**filters) -> set[tuple[str, str, str]]:
    """(effort name, kind, recipient) of every evaluation reminder in the message store."""
    rows = Notice.objects.filter(key__startswith=EVALUATION_KEY_PREFIX, **filters).select_related("user")
    names = dict(Effort.objects.values_list("pk", "name"))
    return {(names[int(n.key.split(":")[1])], n.key.split(":")[3], n.user.username) for n in rows}


def reminder_keys(effort) -> list[str]:
    return list(Notice.objects.filter(key__startswith=f"{EVALUATION_KEY_PREFIX}{effort.pk}:")
                .order_by("pk").values_list("key", flat=True))


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
    assert reminders() == {("ICDP", "snart", "alice"), ("KaMiBe", "forfalden", "lars")}
    assert sorted(m.to[0] for m in mail.outbox) == [alice.email, lars.email]
    overdue_mail = next(m for m in mail.outbox if m.to == [lars.email])
    assert overdue_mail.subject.startswith("Forfalden evaluering: «KaMiBe»")
    assert "Alma" not in overdue_mail.body and "Alma" not in overdue_mail.alternatives[0][0]  # no child data by email
    assert reverse("handleplan:plan_detail", args=[efforts["due"].plan.case.child_id]) in overdue_mail.body
    notice = Notice.objects.get(user=lars)
    assert notice.subject == overdue_mail.subject and "Alma" not in notice.subject + notice.body
    assert notice.url == reverse("handleplan:plan_detail", args=[efforts["due"].plan.case.child_id])
    assert notice.child_id == efforts["due"].plan.case.child_id and notice.emailed_at is not None


def test_there_is_one_message_store():
    """Evaluation reminders are Notices: the handleplan app has no message model of its own, and
    Notice is the only model in the project with a 'seen' field."""
    with pytest.raises(LookupError):
        apps.get_model("handleplan", "Reminder")
    stores = [m for m in apps.get_models() if any(f.name == "seen_at" for f in m._meta.get_fields())]
    assert stores == [Notice]


def test_running_the_job_twice_notifies_once(efforts):
    assert tasks.send_evaluation_reminders.apply().get() == 2
    assert tasks.send_evaluation_reminders.apply().get() == 0
    assert len(mail.outbox) == 2
    assert Notice.objects.count() == 2


def test_a_due_reminder_is_followed_by_an_overdue_one_when_the_date_passes(efforts, alice):
    evaluation_reminders_send(today=TODAY)
    evaluation_reminders_send(today=TODAY + 4 * DAY)
    date = (TODAY + 3 * DAY).isoformat()
    assert reminder_keys(efforts["due"]) == [f"evaluering:{efforts['due'].pk}:{date}:snart",
                                             f"evaluering:{efforts['due'].pk}:{date}:forfalden"]
    assert len(mail.outbox) == 3


def test_an_evaluation_with_a_new_date_makes_a_new_reminder_later_but_not_now(efforts, alice):
    evaluation_reminders_send(today=TODAY)
    evaluate(efforts["overdue"], alice, next_evaluation_date=TODAY + 40 * DAY)
    evaluation_reminders_send(today=TODAY)
    assert len(reminder_keys(efforts["overdue"])) == 1
    evaluation_reminders_send(today=TODAY + 35 * DAY)
    new_date = (TODAY + 40 * DAY).isoformat()
    assert [k for k in reminder_keys(efforts["overdue"]) if f":{new_date}:" in k] == [
        f"evaluering:{efforts['overdue'].pk}:{new_date}:snart"]


def test_the_reminder_window_is_the_municipalitys_setting(efforts, municipality):
    municipality.evaluation_reminder_days = 30
    municipality.save()
    evaluation_reminders_send(today=TODAY)
    assert reminder_keys(efforts["later"])


def test_no_reminders_for_ended_efforts_or_closed_cases(efforts, alice, lars, plan):
    case = plan.case
    case.refresh_from_db()
    case_services.case_close(actor=as_user(lars), case_id=case.pk, version=case.version, close_reason="tilbage_i_almen")
    assert evaluation_reminders_send(today=TODAY) == 0
    assert not Notice.objects.exists()


def test_an_email_that_failed_is_sent_on_the_next_run(efforts, monkeypatch):
    calls = []
    real_send = notify_module.send_templated

    def flaky(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise ConnectionError("SMTP nede")
        real_send(*args, **kwargs)

    monkeypatch.setattr(notify_module, "send_templated", flaky)
    with pytest.raises(ConnectionError):
        evaluation_reminders_send(today=TODAY)
    # The batch's notices are made first; the failed email's and the one not reached are kept, unsent.
    assert Notice.objects.filter(emailed_at__isnull=True).count() == 2
    monkeypatch.undo()
    assert evaluation_reminders_send(today=TODAY) == 2
    assert len(mail.outbox) == 2  # the failed one and the one not reached, each once
    assert not Notice.objects.filter(emailed_at__isnull=True).exists()
    assert evaluation_reminders_send(today=TODAY) == 0 and len(mail.outbox) == 2


def test_reminders_are_in_beskeder_and_marked_read_there(client_for, efforts, alice, lars):
    evaluation_reminders_send(today=TODAY)
    client = client_for(alice)
    html = client.get(reverse("notice_list")).content.decode()
    assert "ICDP" in html and "KaMiBe" not in html  # lars' reminder is not hers
    notice = Notice.objects.get(user=alice)
    response = client.post(reverse("notice_seen", args=[notice.pk]))
    assert response.status_code == 302 and response["Location"] == notice.url
    notice.refresh_from_db()
    assert notice.seen_at is not None
    other = Notice.objects.get(user=lars)
    assert client.post(reverse("notice_seen", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.seen_at is None


def test_the_old_reminder_page_redirects_to_beskeder_and_the_menu_has_one_entry(client_for, efforts, alice):
    client = client_for(alice)
    response = client.get("/boern/paamindelser/")
    assert response.status_code == 301 and response["Location"] == reverse("notice_list")
    labels = [item["label"] for item in client.get(reverse("home")).context["nav_items"]]
    assert "Påmindelser" not in labels
    assert client.post("/boern/paamindelser/1/set/").status_code == 404


def test_the_home_panel_counts_unread_reminders(client_for, efforts, alice):
    evaluation_reminders_send(today=TODAY)
    client = client_for(alice)
    panel = next(p for p in client.get(reverse("home")).context["panels"] if "reminders" in p.context)
    assert panel.context["reminders"] == 1
    Notice.objects.filter(user=alice).update(seen_at=timezone.now())
    panel = next(p for p in client.get(reverse("home")).context["panels"] if "reminders" in p.context)
    assert panel.context["reminders"] == 0


def test_a_reminder_about_a_child_who_left_the_users_scope_is_hidden(client_for, efforts, alice, regnbuen):
    evaluation_reminders_send(today=TODAY)
    notice = Notice.objects.get(user=alice)
    notice.child.institution = regnbuen
    notice.child.save()
    client = client_for(alice)
    assert "ICDP" not in client.get(reverse("notice_list")).content.decode()
    assert client.post(reverse("notice_seen", args=[notice.pk])).status_code == 404


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
    assert {user for name, _, user in reminders() if name == "ICDP"} == {"lars", second_leader.username}


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_existing_reminders_into_the_message_store():
    """handleplan 0003 copies each Reminder row into Notice with the key the job uses now, so the
    job after the upgrade finds them and notifies nobody twice."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("handleplan", "0002_planrules_readiness"), ("haandguide", "0008_inbox_notice_child")]
    after = [("handleplan", "0003_inbox_reminders_to_notices")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    try:
        municipality = old.get_model("haandguide", "Municipality").objects.create(name="Haderslev")
        district = old.get_model("haandguide", "District").objects.create(municipality=municipality, name="Nord")
        institution = old.get_model("haandguide", "Institution").objects.create(district=district, name="Solsikken")
        child = old.get_model("haandguide", "Child").objects.create(
            institution=institution, municipality=municipality, first_name="Alma", last_name="Jensen",
            birth_date=TODAY - 1000 * DAY)
        user = old.get_model("haandguide", "User").objects.create(username="alice", role="paedagog")
        case = old.get_model("cases", "Case").objects.create(child=child, opened_by=user)
        plan = old.get_model("handleplan", "Handleplan").objects.create(case=case, created_by=user)
        effort = old.get_model("handleplan", "Effort").objects.create(
            plan=plan, name="ICDP", level="forebyggende", started_on=TODAY, created_by=user, evaluation_date=TODAY + 3 * DAY)
        old.get_model("handleplan", "Reminder").objects.create(
            recipient=user, effort=effort, kind="snart", evaluation_date=TODAY + 3 * DAY,
            emailed_at=timezone.now())

        executor = MigrationExecutor(connection)
        executor.migrate(after)
        new = executor.loader.project_state(after).apps
        notice = new.get_model("haandguide", "Notice").objects.get()
        assert notice.key == f"evaluering:{effort.pk}:{(TODAY + 3 * DAY).isoformat()}:snart"
        assert (notice.user_id, notice.child_id, notice.url) == (user.pk, child.pk, f"/boern/{child.pk}/handleplan/")
        assert notice.subject == "Evaluering snart: «ICDP» i Solsikken" and notice.emailed_at is not None
        assert "Alma" not in notice.subject + notice.body
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_anonymising_the_child_removes_the_messages_about_it(efforts, alice, lars, bob):
    from haandguide import retention
    from haandguide.notify import notify

    evaluation_reminders_send(today=TODAY)
    notify([bob], key="dagsorden-1", subject="Dagsordenen er klar")  # about no child: stays
    child = efforts["due"].plan.case.child
    child.left_at = TODAY - 400 * DAY
    child.save()
    retention.anonymise(child, actor=Actor.job("retention_run"))
    assert list(Notice.objects.values_list("key", flat=True)) == ["dagsorden-1"]
