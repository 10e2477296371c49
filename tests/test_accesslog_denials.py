"""Every refusal leaves a trace (issue 14): 403s, 405s on URLs with ids, tampered form ids,
anonymous requests for URLs with ids, non-administrators at the admin, and a denial aimed at
another municipality's child filed where that municipality's administrators find it."""

import pytest
from django.test import Client
from django.urls import reverse

from haandguide.models import AccessLog, Child, Role
from tests import factories

DENIED = AccessLog.Action.DENIED


def denials(**kwargs):
    return AccessLog.objects.filter(action=DENIED, **kwargs)


@pytest.fixture
def koege(db):
    return factories.municipality(name="Køge Kommune")


@pytest.fixture
def koege_child(koege):
    institution = factories.institution(factories.district(koege, name="Køge Nord"), name="Børnehuset Køge")
    return factories.child(institution, first_name="Karla", last_name="Køgebarn")


@pytest.fixture
def koege_admin(koege):
    return factories.user(Role.ADMINISTRATOR, municipality_obj=koege, username="koege-admin")


@pytest.mark.parametrize(("persona", "name"), [
    ("alice", "accesslog"), ("lars", "retention"), ("alice", "districtcouncil:meeting_series"),
    ("alice", "districtcouncil:overview"),
])
def test_a_role_refusal_403_is_logged(request, client_for, persona, name):
    user = request.getfixturevalue(persona)
    response = client_for(user).get(reverse(name))
    assert response.status_code == 403
    row = denials(user=user).get()
    assert row.municipality_id == user.municipality_id and row.detail.startswith("Afvist (403)")


def test_a_405_on_a_url_with_an_id_is_logged_against_the_child(client_for, lars, alma):
    response = client_for(lars).get(reverse("cases:counsellor_attach", args=[alma.pk]))
    assert response.status_code == 405
    row = denials(user=lars).get()
    assert (row.child_id, row.object_type) == (alma.pk, "child")
    assert "GET" in row.detail


def test_a_tampered_institution_in_the_child_form_is_refused_logged_and_stores_nothing(client_for, lars, alma,
                                                                                      solsikken, regnbuen):
    client = client_for(lars)
    url = reverse("cases:child_edit", args=[alma.pk])
    response = client.post(url, {"first_name": "Hacket", "last_name": "Jensen", "cpr": alma.cpr,
                                 "institution": regnbuen.pk, "started_at": "2024-08-01", "version": alma.version})
    assert response.status_code == 200  # the form again, with "invalid choice"
    alma.refresh_from_db()
    assert (alma.first_name, alma.institution_id) == ("Alma", solsikken.pk)
    row = denials(user=lars).get()
    assert (row.object_type, row.object_id) == ("institution", str(regnbuen.pk))
    assert not AccessLog.objects.filter(user=lars, action=AccessLog.Action.UPDATE).exists()


def test_a_tampered_counsellor_of_another_municipality_is_logged_there(client_for, lars, alma, koege):
    stranger = factories.user(Role.EKSTERN, municipality_obj=koege, username="koege-raadgiver",
                              counsellor_kind="praksisvejleder")
    from cases import services as case_services
    from tests.case_fixtures import as_user

    case_services.case_open(actor=as_user(lars), child=alma, reason="Bekymring")
    response = client_for(lars).post(reverse("cases:counsellor_attach", args=[alma.pk]), {"counsellor": stranger.pk})
    assert response.status_code == 400  # the child page again, with "choose a counsellor"
    assert not alma.counsellor_assignments.exists()
    row = denials(user=lars).get()
    assert (row.object_type, row.object_id, row.municipality_id) == ("user", str(stranger.pk), koege.pk)


def test_an_id_that_exists_nowhere_in_a_form_is_no_denial(client_for, lars, alma):
    client_for(lars).post(reverse("cases:child_edit", args=[alma.pk]), {"institution": 987654321})
    assert not denials().exists()


def test_an_anonymous_request_for_a_url_with_an_id_is_logged_before_the_login_redirect(koege_child):
    response = Client().get(reverse("cases:child_detail", args=[koege_child.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    row = denials().get()
    assert (row.username, row.user, row.child_id) == ("(anonym)", None, koege_child.pk)
    assert row.municipality_id == koege_child.institution.district.municipality_id


def test_an_anonymous_request_without_ids_is_just_sent_to_login(client, db):
    assert client.get(reverse("cases:child_list")).status_code == 302
    assert not denials().exists()


def test_a_non_administrator_logging_in_to_the_admin_is_logged(alice):
    response = Client().post(reverse("admin:login"), {"username": "alice", "password": "korrekt-hest-batteri"})
    assert response.status_code == 200 and "_auth_user_id" not in response.client.session
    row = denials().get()
    assert (row.user, row.object_type, row.municipality_id) == (alice, "admin", alice.municipality_id)


def test_a_wrong_password_at_the_admin_login_is_left_to_axes(alice):
    Client().post(reverse("admin:login"), {"username": "alice", "password": "forkert"})
    assert not denials().exists()


def test_a_logged_in_non_administrator_at_an_admin_url_is_logged(client_for, alice, alma):
    response = client_for(alice).get(reverse("admin:haandguide_child_change", args=[alma.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    row = denials(user=alice).get()
    assert (row.object_type, row.object_id) == ("child", str(alma.pk))


def test_a_denial_aimed_at_another_municipalitys_child_is_filed_there(client_for, lars, admin_user, koege_child,
                                                                     koege_admin, koege):
    assert client_for(lars).get(reverse("cases:child_detail", args=[koege_child.pk])).status_code == 404
    row = denials(user=lars).get()
    assert (row.municipality_id, row.child_id) == (koege.pk, koege_child.pk)

    koege_client = Client()
    koege_client.force_login(koege_admin)
    found = koege_client.post(reverse("accesslog"), {"child": koege_child.cpr}).content.decode()
    assert "lars" in found and "Afvist adgang" in found
    export = koege_client.post(reverse("accesslog"), {"child": koege_child.cpr, "export": "1"})
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "lars" in text and "Afvist adgang" in text

    own_client = Client()
    own_client.force_login(admin_user)
    own = own_client.post(reverse("accesslog"), {"username": "lars", "action": DENIED}).content.decode()
    assert "Ingen hændelser" in own
    assert not denials(municipality_id=lars.municipality_id).exists()


def test_a_guessed_id_that_does_not_exist_stays_with_the_users_municipality(client_for, lars):
    client_for(lars).get(reverse("cases:child_detail", args=[987654321]))
    assert denials(user=lars).get().municipality_id == lars.municipality_id


def test_a_denial_survives_the_rollback_of_the_request(client_for, lars, koege_child):
    client_for(lars).post(reverse("cases:child_edit", args=[koege_child.pk]), {"first_name": "Hacket"})
    assert Child.objects.get(pk=koege_child.pk).first_name == "Karla"
    assert denials(user=lars, child_id=koege_child.pk).count() == 1
