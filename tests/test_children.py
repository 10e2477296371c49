"""The child list and the child's master data, as pedagogues and leaders use them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from haandguide.models import AccessLog, Child, Guardian
from tests import factories


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_child_list_query_count_does_not_grow_with_the_number_of_children(client_for, alice, solsikken):
    client = client_for(alice)
    url = reverse("cases:child_list")
    for _ in range(3):
        factories.child(solsikken)
    few = count_queries(client, url)
    for _ in range(40):
        factories.child(solsikken)
    many = count_queries(client, url)
    assert many == few


def test_child_list_is_paginated_and_searchable(client_for, alice, solsikken):
    for n in range(30):
        factories.child(solsikken, first_name=f"Barn{n:02d}")
    factories.child(solsikken, first_name="Karla", last_name="Friis")
    client = client_for(alice)
    first = client.get(reverse("cases:child_list")).content.decode()
    assert "side 1 af 2" in first
    second = client.get(reverse("cases:child_list") + "?side=2").content.decode()
    assert "side 2 af 2" in second
    found = client.post(reverse("cases:child_list"), {"q": "karla fri"}, follow=True).content.decode()
    assert "Karla Friis" in found and "Barn01" not in found
    none = client.post(reverse("cases:child_list"), {"q": "Zyxw"}, follow=True).content.decode()
    assert "Ingen børn matcher søgningen" in none


def test_child_list_page_numbers_past_the_end_or_not_numbers_give_the_last_or_first_page(client_for, alice, solsikken):
    """A number past the end finds the last page, for as many queries as any page (the benchmark's
    deep page lies past the end of a small data set: tests/test_pages_scale.py)."""
    for n in range(30):
        factories.child(solsikken, first_name=f"Barn{n:02d}")
    client = client_for(alice)
    last = client.get(reverse("cases:child_list") + "?side=99").content.decode()
    assert "30 børn · side 2 af 2" in last and "Barn29" in last and "Barn00" not in last
    first = client.get(reverse("cases:child_list") + "?side=x").content.decode()
    assert "30 børn · side 1 af 2" in first and "Barn00" in first
    with CaptureQueriesContext(connection) as past_the_end:
        client.get(reverse("cases:child_list") + "?side=99")
    assert len(past_the_end) == count_queries(client, reverse("cases:child_list"))


def test_child_list_shows_masked_cpr_only(client_for, alice, alma):
    body = client_for(alice).get(reverse("cases:child_list")).content.decode()
    assert alma.masked_cpr in body
    assert alma.cpr not in body and alma.cpr[6:] not in body


def test_empty_child_list_says_so(client_for, alice):
    body = client_for(alice).get(reverse("cases:child_list")).content.decode()
    assert "Der er ingen børn, du har adgang til." in body


def test_child_page_never_shows_the_full_cpr(client_for, alice, alma):
    body = client_for(alice).get(reverse("cases:child_detail", args=[alma.pk])).content.decode()
    assert alma.masked_cpr in body and alma.cpr[6:] not in body


def test_leader_registers_a_child_and_it_is_logged(client_for, lars, solsikken):
    response = client_for(lars).post(reverse("cases:child_create"), {
        "first_name": "Storm", "last_name": "Lund", "cpr": "120522-4117", "institution": solsikken.pk,
        "started_at": "2023-08-01",
    })
    child = Child.objects.get(first_name="Storm")
    assert response.status_code == 302
    assert child.cpr == "1205224117"
    assert AccessLog.objects.filter(child_id=child.pk, action=AccessLog.Action.CREATE, user=lars).exists()


@pytest.mark.parametrize("bad_cpr, message", [
    ("320522-4117", "ikke en gyldig dato"),
    ("12052-4117", "10 cifre"),
    ("12O522-4117", "kun indeholde tal"),
])
def test_invalid_cpr_keeps_everything_typed_with_a_danish_error(client_for, lars, solsikken, bad_cpr, message):
    response = client_for(lars).post(reverse("cases:child_create"), {
        "first_name": "Storm æøå", "last_name": "Lund", "cpr": bad_cpr, "institution": solsikken.pk,
        "started_at": "2023-08-01",
    })
    body = response.content.decode()
    assert response.status_code == 200
    assert message in body
    assert 'value="Storm æøå"' in body and f'value="{bad_cpr}"' in body
    assert not Child.objects.filter(last_name="Lund").exists()


def test_duplicate_cpr_is_refused(client_for, lars, solsikken, alma):
    response = client_for(lars).post(reverse("cases:child_create"), {
        "first_name": "Kopi", "last_name": "Barn", "cpr": alma.cpr, "institution": solsikken.pk,
        "started_at": "2023-08-01",
    })
    assert "Der findes allerede et barn med dette CPR-nummer i din institution." in response.content.decode()
    assert not Child.objects.filter(first_name="Kopi").exists()


def test_pedagogue_cannot_register_or_edit_children(client_for, alice, solsikken, alma):
    client = client_for(alice)
    response = client.post(reverse("cases:child_create"), {
        "first_name": "Storm", "last_name": "Lund", "cpr": "120522-4117", "institution": solsikken.pk,
        "started_at": "2023-08-01",
    })
    assert response.status_code == 200 and not Child.objects.filter(first_name="Storm").exists()
    assert client.get(reverse("cases:child_edit", args=[alma.pk])).status_code == 403


def test_leader_cannot_move_a_child_to_an_institution_they_do_not_lead(client_for, lars, alma, regnbuen):
    response = client_for(lars).post(reverse("cases:child_edit", args=[alma.pk]), {
        "first_name": "Alma", "last_name": "Jensen", "cpr": alma.cpr, "institution": regnbuen.pk,
        "started_at": "2023-08-01", "version": alma.version,
    })
    assert response.status_code == 200
    alma.refresh_from_db()
    assert alma.institution.name == "Børnehuset Solsikken"


def test_concurrent_edit_is_refused_and_keeps_what_was_typed(client_for, lars, alma):
    client = client_for(lars)
    opened_version = alma.version
    url = reverse("cases:child_edit", args=[alma.pk])
    common = {"cpr": alma.cpr, "institution": alma.institution_id, "started_at": "2023-08-01"}
    first = client.post(url, {**common, "first_name": "Alma Marie", "last_name": "Jensen", "version": opened_version})
    assert first.status_code == 302
    second = client.post(url, {**common, "first_name": "Alma", "last_name": "Jensen-Holm", "version": opened_version})
    body = second.content.decode()
    assert second.status_code == 200
    assert "En anden har gemt ændringer" in body
    assert 'value="Jensen-Holm"' in body
    alma.refresh_from_db()
    assert (alma.first_name, alma.last_name) == ("Alma Marie", "Jensen")


def test_leader_adds_a_guardian_and_bad_email_is_explained(client_for, lars, alma):
    client = client_for(lars)
    url = reverse("cases:guardian_add", args=[alma.pk])
    bad = client.post(url, {"name": "Mette Jensen", "relation": "mor", "email": "ikke-en-adresse"})
    assert "Indtast en gyldig e-mail-adresse." in bad.content.decode()
    assert 'value="Mette Jensen"' in bad.content.decode()
    good = client.post(url, {"name": "Mette Jensen", "relation": "mor", "email": "mette@example.dk",
                             "has_custody": "on"})
    assert good.status_code == 302
    assert Guardian.objects.get(child=alma).name == "Mette Jensen"
