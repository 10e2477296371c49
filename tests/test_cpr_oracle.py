"""Issue 14: the child form is no oracle for CPR numbers.

Another municipality's CPR number answers exactly as a free one (status, page, query count): a
CPR number is unique within the municipality only, and the form never asks outside it. Inside the
municipality a number another institution holds becomes a logged request to the administrator,
who moves the child (case and history stay with it); the leader learns nothing of the other
institution, and nothing is saved.
"""

import re

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import services as case_services
from cases.models import CaseEvent
from haandguide.models import AccessLog, Child, ChildTransferRequest, Notice, Role
from haandguide.services import DUPLICATE_IN_SCOPE
from tests import factories
from tests.case_fixtures import as_user

FREE_CPR = "120522-4117"


@pytest.fixture
def koege(db):
    municipality = factories.municipality(name="Køge Kommune")
    institution = factories.institution(factories.district(municipality, name="Køge Nord"), name="Børnehuset Ved Åen")
    return factories.child(institution, first_name="Freja", last_name="Thomsen", cpr="0103214123")


def _form(cpr, institution, **overrides):
    data = {"first_name": "Storm", "last_name": "Lund", "cpr": cpr, "institution": institution.pk,
            "started_at": "2023-08-01"}
    data.update(overrides)
    return data


def _normalised(response) -> str:
    """The page without what legitimately differs between two requests (the CSRF token, the CPR
    typed back into the field)."""
    body = response.content.decode()
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)
    return re.sub(r'name="cpr" value="[^"]*"', "", body)


def test_an_invalid_form_answers_the_same_for_another_municipalitys_cpr_as_for_a_free_one(
        client_for, lars, solsikken, koege):
    client = client_for(lars)
    before = Child.objects.count()
    foreign = client.post(reverse("cases:child_create"), _form(koege.cpr, solsikken, last_name=""))
    free = client.post(reverse("cases:child_create"), _form(FREE_CPR, solsikken, last_name=""))
    assert foreign.status_code == free.status_code == 200
    assert _normalised(foreign) == _normalised(free)
    assert "findes allerede" not in foreign.content.decode()
    assert Child.objects.count() == before


def test_another_municipalitys_cpr_registers_the_child_like_a_free_one(client_for, lars, solsikken, koege):
    client = client_for(lars)
    with CaptureQueriesContext(connection) as foreign_queries:
        foreign = client.post(reverse("cases:child_create"), _form(koege.cpr, solsikken, first_name="Ny"))
    with CaptureQueriesContext(connection) as free_queries:
        free = client.post(reverse("cases:child_create"), _form(FREE_CPR, solsikken, first_name="Fri"))
    assert foreign.status_code == free.status_code == 302
    assert len(foreign_queries) == len(free_queries)  # the same work: nothing is looked up elsewhere
    registered = Child.objects.get(first_name="Ny")
    assert registered.institution == solsikken and registered.cpr == koege.cpr
    koege.refresh_from_db()
    assert koege.first_name == "Freja" and koege.institution.name == "Børnehuset Ved Åen"
    assert not ChildTransferRequest.objects.exists()
    # Logged like any registration, in the leader's municipality; nothing about Køge's child.
    assert AccessLog.objects.filter(user=lars, action=AccessLog.Action.CREATE, child_id=registered.pk).exists()
    assert not AccessLog.objects.filter(child_id=koege.pk).exists()


def test_changing_a_cpr_to_another_municipalitys_answers_like_a_free_one(client_for, lars, solsikken, alma, koege):
    client = client_for(lars)
    response = client.post(reverse("cases:child_edit", args=[alma.pk]),
                           _form(koege.cpr, solsikken, first_name="Alma", last_name="Jensen", version=alma.version))
    assert response.status_code == 302
    alma.refresh_from_db()
    assert alma.cpr == koege.cpr


def test_the_database_allows_a_cpr_once_per_municipality(solsikken, regnbuen, alma, koege):
    factories.child(koege.institution, cpr=alma.cpr)  # another municipality: allowed
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.child(regnbuen, cpr=alma.cpr)  # the same municipality: never


def test_a_cpr_held_by_another_institution_of_the_municipality_becomes_a_request_to_the_administrator(
        client_for, lars, solsikken, viggo, admin_user):
    client = client_for(lars)
    before = Child.objects.count()
    response = client.post(reverse("cases:child_create"), _form(viggo.cpr, solsikken), follow=True)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Der er sendt en anmodning til administratoren om at flytte barnet til Børnehuset Solsikken" in body
    for secret in ("Viggo", "Holm", "Regnbuen"):
        assert secret not in body
    assert Child.objects.count() == before
    transfer = ChildTransferRequest.objects.get()
    assert (transfer.child, transfer.to_institution, transfer.requested_by) == (viggo, solsikken, lars)
    assert transfer.status == ChildTransferRequest.Status.PENDING
    assert AccessLog.objects.filter(user=lars, action=AccessLog.Action.CREATE, object_type="childtransferrequest",
                                    child_id=viggo.pk).exists()
    assert Notice.objects.filter(user=admin_user, subject="Anmodning om at flytte et barn").exists()
    # Asking again sends no second request, but the attempt is logged again.
    client.post(reverse("cases:child_create"), _form(viggo.cpr, solsikken))
    assert ChildTransferRequest.objects.count() == 1
    assert AccessLog.objects.filter(user=lars, object_type="childtransferrequest").count() == 2


def test_editing_a_cpr_to_one_another_institution_holds_saves_nothing_and_asks_the_administrator(
        client_for, lars, solsikken, alma, viggo):
    response = client_for(lars).post(reverse("cases:child_edit", args=[alma.pk]), _form(
        viggo.cpr, solsikken, first_name="Alma", last_name="Ændret", version=alma.version))
    assert response.status_code == 302
    alma.refresh_from_db()
    assert alma.last_name == "Jensen" and alma.cpr != viggo.cpr
    assert ChildTransferRequest.objects.filter(child=viggo, to_institution=solsikken).exists()


def test_a_cpr_of_a_child_the_leader_sees_is_named_a_duplicate_and_logged(client_for, lars, solsikken, alma):
    response = client_for(lars).post(reverse("cases:child_create"), _form(alma.cpr, solsikken))
    assert response.status_code == 200 and DUPLICATE_IN_SCOPE in response.content.decode()
    assert not Child.objects.filter(first_name="Storm").exists()
    assert not ChildTransferRequest.objects.exists()
    assert AccessLog.objects.filter(user=lars, action=AccessLog.Action.DENIED, child_id=alma.pk).exists()


def test_the_administrator_moves_the_child_and_its_case_goes_with_it(client_for, lars, bob, solsikken, viggo,
                                                                     admin_user):
    case = case_services.case_open(actor=as_user(bob), child=viggo, reason="Bekymring")
    client_for(lars).post(reverse("cases:child_create"), _form(viggo.cpr, solsikken))
    transfer = ChildTransferRequest.objects.get()
    admin = client_for(admin_user)
    listing = admin.get(reverse("admin:haandguide_childtransferrequest_changelist"))
    assert listing.status_code == 200 and "Viggo" in listing.content.decode()
    assert admin.get(reverse("admin:haandguide_childtransferrequest_change", args=[transfer.pk])).status_code == 200
    assert AccessLog.objects.filter(user=admin_user, action=AccessLog.Action.VIEW,
                                    object_type="childtransferrequest").exists()
    response = admin.post(reverse("admin:haandguide_childtransferrequest_changelist"),
                          {"action": "apply", "_selected_action": [transfer.pk]})
    assert response.status_code == 302
    viggo.refresh_from_db()
    transfer.refresh_from_db()
    assert viggo.institution == solsikken and transfer.status == ChildTransferRequest.Status.MOVED
    assert viggo.case.pk == case.pk and CaseEvent.objects.filter(case=case).exists()
    assert AccessLog.objects.filter(user=admin_user, action=AccessLog.Action.UPDATE, child_id=viggo.pk).exists()
    assert Notice.objects.filter(user=lars, subject__contains="er flyttet").exists()
    # Now the leader sees the child, and bob no longer does.
    assert client_for(lars).get(reverse("cases:child_detail", args=[viggo.pk])).status_code == 200
    assert client_for(bob).get(reverse("cases:child_detail", args=[viggo.pk])).status_code == 404


def test_the_administrator_may_decline_and_a_handled_request_is_not_applied_twice(client_for, lars, solsikken,
                                                                                  viggo, regnbuen, admin_user):
    client_for(lars).post(reverse("cases:child_create"), _form(viggo.cpr, solsikken))
    transfer = ChildTransferRequest.objects.get()
    admin = client_for(admin_user)
    url = reverse("admin:haandguide_childtransferrequest_changelist")
    admin.post(url, {"action": "decline", "_selected_action": [transfer.pk]})
    admin.post(url, {"action": "apply", "_selected_action": [transfer.pk]})
    viggo.refresh_from_db()
    transfer.refresh_from_db()
    assert transfer.status == ChildTransferRequest.Status.DECLINED and viggo.institution == regnbuen
    assert Notice.objects.filter(user=lars, subject__contains="afvist").exists()


def test_another_municipalitys_administrator_does_not_see_the_request(client_for, lars, solsikken, viggo, koege):
    client_for(lars).post(reverse("cases:child_create"), _form(viggo.cpr, solsikken))
    transfer = ChildTransferRequest.objects.get()
    other_admin = factories.user(Role.ADMINISTRATOR, municipality_obj=koege.institution.district.municipality)
    client = client_for(other_admin)
    assert "Viggo" not in client.get(reverse("admin:haandguide_childtransferrequest_changelist")).content.decode()
    response = client.get(reverse("admin:haandguide_childtransferrequest_change", args=[transfer.pk]))
    assert response.status_code == 404
    assert AccessLog.objects.filter(user=other_admin, action=AccessLog.Action.DENIED,
                                    object_id=str(transfer.pk)).exists()


def test_the_admin_child_form_refuses_a_cpr_taken_in_the_municipality_only(client_for, admin_user, regnbuen,
                                                                          alma, koege):
    client = client_for(admin_user)
    url = reverse("admin:haandguide_child_add")
    form = {"institution": regnbuen.pk, "first_name": "Kopi", "last_name": "Barn", "started_at": "2023-08-01",
            "guardians-TOTAL_FORMS": 0, "guardians-INITIAL_FORMS": 0}
    taken = client.post(url, {**form, "cpr": alma.cpr})
    assert taken.status_code == 200 and "i kommunen" in taken.content.decode()
    assert client.post(url, {**form, "cpr": koege.cpr}).status_code == 302
    assert Child.objects.filter(first_name="Kopi", cpr=koege.cpr, institution=regnbuen).exists()
