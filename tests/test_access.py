"""Deny by default: who sees which child, and the access log that records every look."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from haandguide.actors import Actor
from haandguide.models import AccessLog, Child, CounsellorAssignment

CHILD_VIEWS = ["cases:child_detail", "cases:child_edit", "cases:guardian_add"]


def test_user_of_institution_a_gets_404_for_child_of_b_and_the_attempt_is_logged(client_for, lars, viggo):
    response = client_for(lars).get(reverse("cases:child_detail", args=[viggo.pk]))
    assert response.status_code == 404
    assert "Viggo" not in response.content.decode()
    denial = AccessLog.objects.get(action=AccessLog.Action.DENIED)
    assert denial.user == lars
    assert denial.child_id == viggo.pk
    assert not AccessLog.objects.filter(action=AccessLog.Action.VIEW).exists()


@pytest.mark.parametrize("name", CHILD_VIEWS)
def test_every_child_view_refuses_a_guessed_id_with_404(client_for, bob, alma, name):
    client = client_for(bob)
    assert client.get(reverse(name, args=[alma.pk])).status_code == 404
    assert client.post(reverse(name, args=[alma.pk]), {"first_name": "Hacket"}).status_code == 404
    alma.refresh_from_db()
    assert alma.first_name == "Alma"
    assert AccessLog.objects.filter(action=AccessLog.Action.DENIED, child_id=alma.pk).count() == 2


def test_an_id_that_does_not_exist_looks_the_same_as_a_foreign_one(client_for, lars, viggo):
    client = client_for(lars)
    foreign = client.get(reverse("cases:child_detail", args=[viggo.pk]))
    missing = client.get(reverse("cases:child_detail", args=[viggo.pk + 1000]))
    assert foreign.status_code == missing.status_code == 404
    csrf = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
    assert csrf.sub(b"", foreign.content) == csrf.sub(b"", missing.content)


@pytest.mark.parametrize("name", CHILD_VIEWS)
def test_every_child_view_writes_an_access_log_row(client_for, lars, alma, name):
    response = client_for(lars).get(reverse(name, args=[alma.pk]))
    assert response.status_code == 200
    row = AccessLog.objects.get(child_id=alma.pk, action=AccessLog.Action.VIEW)
    assert (row.user, row.role, row.object_type) == (lars, "leder", "child")


def test_child_list_logs_each_child_shown(client_for, alice, alma, viggo):
    response = client_for(alice).get(reverse("cases:child_list"))
    assert "Alma" in response.content.decode() and "Viggo" not in response.content.decode()
    listed = AccessLog.objects.filter(action=AccessLog.Action.LIST)
    assert list(listed.values_list("child_ids", flat=True)) == [[alma.pk]]


def test_scope_per_role(alice, lars, bob, birgitte, chef, admin_user, raadgiver, alma, viggo):
    visible = lambda user: set(Child.objects.visible_to(user))  # noqa: E731
    assert visible(alice) == {alma}
    assert visible(lars) == {alma}
    assert visible(bob) == {viggo}
    assert visible(birgitte) == {alma}  # consultant for Nord only
    assert visible(chef) == set()
    assert visible(admin_user) == set()
    assert visible(raadgiver) == set()  # not attached to anyone yet


def test_external_counsellor_sees_a_child_only_while_attached(client_for, raadgiver, lars, alma):
    url = reverse("cases:child_detail", args=[alma.pk])
    client = client_for(raadgiver)
    assert client.get(url).status_code == 404
    assignment = CounsellorAssignment.objects.create(child=alma, counsellor=raadgiver, assigned_by=lars)
    assert client.get(url).status_code == 200
    assignment.ended_at = timezone.now()
    assignment.save()
    assert client.get(url).status_code == 404


def test_closing_the_case_ends_the_external_counsellors_access(client_for, raadgiver, lars, alma):
    """The walk closed a case as returned and the praksisvejleder stayed attached, still reading the
    child's page: the attachment is for the work on the case and ends with it, on the timeline."""
    from cases import services as case_services
    from cases.models import Case, CaseEvent
    from tests.case_fixtures import as_user

    case = case_services.case_open(actor=as_user(lars), child=alma, reason="Bekymring")
    case_services.counsellor_attach(actor=as_user(lars), case=case, counsellor=raadgiver)
    url = reverse("cases:child_detail", args=[alma.pk])
    assert client_for(raadgiver).get(url).status_code == 200
    case.refresh_from_db()
    response = client_for(lars).post(reverse("cases:case_transition", args=[alma.pk, "close"]), {
        "version": case.version, "close_reason": "tilbage_i_almen", "reason": "Barnet trives."})
    assert response.status_code == 302 and Case.objects.get(pk=case.pk).state == "lukket"
    assert not CounsellorAssignment.objects.active().filter(child=alma).exists()
    assert client_for(raadgiver).get(url).status_code == 404
    assert CaseEvent.objects.filter(case=case, action=CaseEvent.Action.COUNSELLOR_DETACHED,
                                    reason__endswith="(sagen er lukket)").count() == 1
    assert AccessLog.objects.filter(child_id=alma.pk, detail="Rådgiver afsluttet: sagen er lukket").count() == 1


def test_inactive_user_sees_nothing(alice, alma):
    alice.is_active = False
    assert not Child.objects.visible_to(alice).exists()


def test_access_log_is_append_only(client_for, lars, alma):
    client_for(lars).get(reverse("cases:child_detail", args=[alma.pk]))
    row = AccessLog.objects.get(action=AccessLog.Action.VIEW)
    row.detail = "rettet"
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
    with pytest.raises(PermissionError):
        AccessLog.objects.all().update(detail="rettet")
    with pytest.raises(PermissionError):
        AccessLog.objects.all().delete()
    assert AccessLog.objects.get(pk=row.pk).detail != "rettet"


def test_administrator_finds_who_looked_at_a_child_by_cpr(client_for, lars, admin_user, alma, viggo, bob):
    client_for(lars).get(reverse("cases:child_detail", args=[alma.pk]))
    client_for(bob).get(reverse("cases:child_detail", args=[viggo.pk]))
    response = client_for(admin_user).post(reverse("accesslog"), {"child": alma.cpr})
    body = response.content.decode()
    assert response.status_code == 200
    # Compared as table cells: a random CSRF token can spell a three-letter name.
    assert "<td>lars</td>" in body and "<td>bob</td>" not in body
    # The full number stays in the search field the administrator typed it in, and nowhere else.
    assert alma.cpr not in body.replace(f'value="{alma.cpr}"', "")
    assert AccessLog.objects.filter(user=admin_user, action=AccessLog.Action.SEARCH).exists()


def test_administrator_searches_access_log_by_name_user_and_period(client_for, lars, bob, admin_user, alma, viggo):
    client_for(lars).get(reverse("cases:child_detail", args=[alma.pk]))
    client_for(bob).get(reverse("cases:child_detail", args=[viggo.pk]))
    client = client_for(admin_user)
    by_name = client.post(reverse("accesslog"), {"child": "Viggo"}).content.decode()
    assert "<td>bob</td>" in by_name and "<td>lars</td>" not in by_name
    by_user = client.post(reverse("accesslog"), {"username": "lars"}).content.decode()
    assert "Alma Jensen" in by_user and "Viggo Holm" not in by_user
    empty = client.post(reverse("accesslog"), {"date_from": "2000-01-01", "date_to": "2000-01-02"})
    assert "Ingen hændelser" in empty.content.decode()


def test_access_log_search_keeps_input_and_explains_bad_dates(client_for, admin_user):
    response = client_for(admin_user).post(
        reverse("accesslog"), {"child": "Alma", "date_from": "2026-05-01", "date_to": "2026-04-01"}
    )
    body = response.content.decode()
    assert "Til-datoen ligger før fra-datoen." in body
    assert 'value="Alma"' in body


@pytest.mark.parametrize("persona", ["alice", "lars", "birgitte", "chef", "raadgiver"])
def test_only_administrators_search_the_access_log(request, client_for, persona):
    user = request.getfixturevalue(persona)
    assert client_for(user).get(reverse("accesslog")).status_code == 403


@pytest.mark.parametrize("persona", ["alice", "lars", "birgitte", "chef", "raadgiver"])
def test_only_administrators_reach_the_admin(request, client_for, persona):
    user = request.getfixturevalue(persona)
    response = client_for(user).get(reverse("admin:index"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_anonymous_user_is_sent_to_login_everywhere(client, alma):
    for url in [reverse("home"), reverse("cases:child_list"), reverse("cases:child_detail", args=[alma.pk]),
                reverse("accesslog")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_access_log_is_purged_after_the_retention_period_and_the_purge_is_logged(settings, alma, lars, client_for):
    import datetime

    import time_machine

    from haandguide.services import accesslog_purge

    settings.ACCESS_LOG_RETENTION_DAYS = 365
    with time_machine.travel(datetime.datetime(2024, 1, 10, 12, 0, tzinfo=datetime.UTC), tick=False):
        client_for(lars).get(reverse("cases:child_detail", args=[alma.pk]))
    with time_machine.travel(datetime.datetime(2025, 6, 1, 12, 0, tzinfo=datetime.UTC), tick=False):
        client_for(lars).get(reverse("cases:child_detail", args=[alma.pk]))
        assert accesslog_purge(actor=Actor.job("accesslog_purge")) == 1
        assert accesslog_purge(actor=Actor.job("accesslog_purge")) == 0
    remaining = AccessLog.objects.filter(action=AccessLog.Action.VIEW)
    assert [r.at.year for r in remaining] == [2025]
    assert AccessLog.objects.filter(action=AccessLog.Action.DELETE, object_type="accesslog").count() == 1


def test_access_request_export_lists_who_looked_at_one_child(client_for, admin_user, lars, alice, alma, viggo, bob):
    client_for(lars).get(reverse("cases:child_detail", args=[alma.pk]))
    client_for(alice).get(reverse("cases:child_detail", args=[alma.pk]))
    client_for(bob).get(reverse("cases:child_detail", args=[viggo.pk]))
    response = client_for(admin_user).post(reverse("accesslog"), {"child": alma.cpr, "export": "1"})
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # streamed a month at a time
    assert "lars" in text and "alice" in text and "bob" not in text
    assert AccessLog.objects.filter(user=admin_user, action=AccessLog.Action.EXPORT, child_id=alma.pk).exists()


def test_access_request_export_needs_exactly_one_child(client_for, admin_user, alma):
    response = client_for(admin_user).post(reverse("accesslog"), {"child": "", "export": "1"})
    assert "Vælg præcis ét barn" in response.content.decode()
