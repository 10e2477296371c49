"""Issue 16: the municipality's configuration that every child page reads (meeting types,
readiness rules) is kept in the cache between requests (haandguide.lib.kept), so the page asks no
SQL for it, and an administrator's edit or deletion is read on the very next page."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import interfaces
from cases.defaults import seed_case_configuration
from cases.models import CaseState, MeetingType
from handleplan.models import ReadinessRule
from tests.test_handleplan import case, plan  # noqa: F401  (fixtures)
from tests.test_plan_readiness import add_effort, evaluate

F = CaseState.FOREBYGGENDE


def sql_of(client, url) -> str:
    with CaptureQueriesContext(connection) as queries:
        body = client.get(url).content.decode()
    return body, " ".join(q["sql"] for q in queries.captured_queries)


def test_the_child_page_reads_the_meeting_types_from_the_cache_until_one_is_edited(client_for, case, alma, lars,
                                                                                   municipality):
    seed_case_configuration(municipality)
    client, url = client_for(lars), reverse("cases:child_detail", args=[alma.pk])
    body, sql = sql_of(client, url)
    assert "Arbejdsmøde kræver forældrenes samtykke" in body
    body, sql = sql_of(client, url)
    assert 'FROM "cases_meetingtype"' not in sql and 'FROM "handleplan_readinessrule"' not in sql
    assert "Arbejdsmøde kræver forældrenes samtykke" in body

    arbejdsmoede = MeetingType.objects.get(municipality=municipality, name="Arbejdsmøde")
    arbejdsmoede.requires_consent = None  # the administrator's edit, saved as the admin saves it
    arbejdsmoede.save()
    body, sql = sql_of(client, url)
    assert 'FROM "cases_meetingtype"' in sql and "kræver forældrenes samtykke" not in body

    arbejdsmoede.delete()
    assert "Arbejdsmøde" not in [t.name for t in interfaces_meeting_types(municipality)]


def interfaces_meeting_types(municipality):
    from cases.services import active_meeting_types

    return active_meeting_types(municipality.pk)


def test_an_edited_readiness_rule_is_read_at_once(plan, alice, case, municipality):
    evaluate(add_effort(plan, alice, description="Video", carried_out_by="Stuen", evaluation_date=case.opened_at.date()),
             alice)
    rule = ReadinessRule.objects.create(municipality=municipality, level=F)
    missing = [m.text for m in interfaces.level_readiness(case, F).missing]
    with CaptureQueriesContext(connection) as queries:
        assert [m.text for m in interfaces.level_readiness(case, F).missing] == missing
    assert not any('FROM "handleplan_readinessrule"' in q["sql"] for q in queries.captured_queries)

    rule.require_signs = rule.require_voice = rule.require_parents = False
    rule.save()
    assert [m.text for m in interfaces.level_readiness(case, F).missing] != missing
    rule.delete()
    assert [m.text for m in interfaces.level_readiness(case, F).missing] == missing  # Haderslev's default again


def test_the_counsellors_a_leader_may_attach_are_kept_until_a_user_of_the_municipality_changes(
        client_for, case, alma, lars, municipality):
    from django.contrib.auth.models import update_last_login

    from haandguide.models import CounsellorKind, Role
    from tests import factories

    pia = factories.user(Role.EKSTERN, municipality_obj=municipality, first_name="Pia",
                         counsellor_kind=CounsellorKind.PRAKSISVEJLEDER)
    client, url = client_for(lars), reverse("cases:child_detail", args=[alma.pk])
    assert f'<option value="{pia.pk}">' in client.get(url).content.decode()
    body, sql = sql_of(client, url)
    assert f'<option value="{pia.pk}">' in body and '"haandguide_user"."role" = ' not in sql

    update_last_login(None, pia)  # what a sign-in saves: last_login only
    body, sql = sql_of(client, url)
    assert '"haandguide_user"."role" = ' not in sql

    ole = factories.user(Role.EKSTERN, municipality_obj=municipality, first_name="Ole",
                         counsellor_kind=CounsellorKind.PRAKSISVEJLEDER)
    assert f'<option value="{ole.pk}">' in client.get(url).content.decode()
    pia.is_active = False  # the administrator deactivates her
    pia.save()
    body = client.get(url).content.decode()
    assert f'<option value="{pia.pk}">' not in body and f'<option value="{ole.pk}">' in body


# --- the signed-in user and their municipality (haandguide/backends.py) --------------------------


def test_a_page_reads_the_signed_in_user_and_municipality_from_the_cache(client_for, lars, alma):
    client, url = client_for(lars), reverse("cases:child_list")
    client.get(url)
    body, sql = sql_of(client, url)
    assert "Alma" in body
    assert 'FROM "haandguide_user" WHERE' not in sql and 'FROM "haandguide_municipality"' not in sql


def test_a_deactivated_user_is_signed_out_on_the_next_request(client_for, lars):
    client = client_for(lars)
    assert client.get(reverse("cases:child_list")).status_code == 200
    lars.is_active = False  # the administrator deactivates him
    lars.save()
    response = client.get(reverse("cases:child_list"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_a_new_password_ends_the_other_sessions_on_their_next_request(client_for, lars):
    client = client_for(lars)
    assert client.get(reverse("cases:child_list")).status_code == 200
    lars.set_password("et helt nyt kodeord 42")
    lars.save()
    response = client.get(reverse("cases:child_list"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_a_changed_role_and_municipality_flag_are_read_on_the_next_request(client_for, lars, municipality):
    from haandguide.models import Role

    client = client_for(lars)
    labels = lambda: [item["label"] for item in client.get(reverse("home")).context["nav_items"]]  # noqa: E731
    assert "Åben rådgivning" not in labels()
    municipality.open_counselling_enabled = True  # the administrator switches Aabenraa's activity on
    municipality.save()
    assert "Åben rådgivning" in labels()
    lars.role = Role.PAEDAGOG
    lars.save()
    assert "Distriktsråd" not in labels()
