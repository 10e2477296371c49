"""The learning community's pages: each renders for the roles that use it, each page's query count
does not grow with the data, bad input is re-shown with a Danish error, and a stale save is refused."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from community import services
from community.models import ChildGroup, GroupPlan
from haandguide.models import CounsellorAssignment, Role
from handleplan import services as plan_services
from tests import factories
from tests.case_fixtures import as_user

TODAY = timezone.localdate()


@pytest.fixture
def stue(solsikken, alma):
    group = ChildGroup.objects.create(institution=solsikken, name="Mariehønen")
    group.children.set([alma])
    return group


def grow(group, n):
    group.children.add(*[factories.child(group.institution, first_name=f"Ekstra{i}", last_name="Barn") for i in range(n)])


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_group_and_round_pages_cost_the_same_queries_at_two_sizes(client_for, lars, alice, stue):
    topi_round = services.round_open(actor=as_user(lars), group=stue, name="Runde")
    client = client_for(lars)
    urls = [reverse("community:home"), reverse("community:group_detail", args=[stue.pk]),
            reverse("community:round_detail", args=[topi_round.pk]), reverse("community:group_plan_edit", args=[stue.pk])]
    small = [queries(client, url) for url in urls]
    grow(stue, 6)
    for child in stue.children.all()[:3]:
        services.rating_add(actor=as_user(alice), topi_round=topi_round, child=child, position="gul")
    assert [queries(client, url) for url in urls] == small


def test_bad_input_in_the_plan_is_shown_again_with_a_danish_error(client_for, alice, stue):
    url = reverse("community:group_plan_edit", args=[stue.pk])
    response = client_for(alice).post(url, {"goals_community": "Et mål", "efforts": "", "signs": "Mine tegn",
                                            "evaluation_date": "ikke en dato", "version": "0"})
    body = response.content.decode()
    assert response.status_code == 400 and "Mine tegn" in body and "Et mål" in body
    assert not GroupPlan.objects.exists()


def test_a_stale_plan_save_keeps_the_typed_text_and_says_why(client_for, alice, stue):
    url = reverse("community:group_plan_edit", args=[stue.pk])
    data = {"goals_community": "Et mål", "efforts": "Små grupper", "signs": "", "version": "0"}
    assert client_for(alice).post(url, data).status_code == 302
    response = client_for(alice).post(url, {**data, "signs": "Mit udkast"})
    body = response.content.decode()
    assert response.status_code == 400 and "Mit udkast" in body and "gemt af en anden" in body
    assert "Den udgave, der nu er gemt (version 1" in body and 'name="version" value="1"' in body
    assert GroupPlan.objects.get().versions.count() == 1


def test_another_institution_gets_a_logged_404(client_for, bob, stue):
    assert client_for(bob).get(reverse("community:group_detail", args=[stue.pk])).status_code == 404


def test_the_consultant_reads_the_group_and_the_evaluations(client_for, birgitte, lars, stue, solsikken):
    services.reflective_evaluation_add(actor=as_user(lars), institution=solsikken, data={
        "held_on": TODAY, "theme": "Legepladsen", "participants": "Lars", "findings": "Godt", "next_steps": ""})
    client = client_for(birgitte)
    assert client.get(reverse("community:group_detail", args=[stue.pk])).status_code == 200
    assert "Legepladsen" in client.get(reverse("community:evaluations")).content.decode()
    assert client.post(reverse("community:evaluations"), {"theme": "x"}).status_code == 403


def test_the_child_page_shows_the_counsellors_proposals_and_the_counsellor_proposes(client_for, lars, alma, raadgiver, municipality):
    from tests.case_fixtures import FakeHandleplan
    from cases import interfaces

    case = case_services.case_open(actor=as_user(lars), child=alma)
    plan = plan_services.plan_start(actor=as_user(lars), case=case)
    plan_services.plan_save(actor=as_user(lars), plan=plan, version=1, data={"goals_child": "Leg"})
    fake = FakeHandleplan()
    fake.ready_levels = {"forebyggende"}
    saved, interfaces._port = interfaces._port, fake
    try:
        case_services.case_escalate(actor=as_user(lars), case_id=case.pk, version=case.version, reason="Ikke nok")
    finally:
        interfaces._port = saved
    CounsellorAssignment.objects.create(child=alma, counsellor=raadgiver, assigned_by=lars)
    counsellor = client_for(raadgiver)
    response = counsellor.post(reverse("community:proposals", args=[alma.pk]),
                               {"field": "signs", "text": "Alma leger med to andre", "reason": ""})
    assert response.status_code == 302
    page = client_for(lars).get(reverse("cases:child_detail", args=[alma.pk])).content.decode()
    assert "1 forslag afventer personalet" in page
    proposal = plan.proposals.get()
    client_for(lars).post(reverse("community:proposal_decide", args=[alma.pk, proposal.pk]), {"accept": "1"})
    proposal.refresh_from_db()
    assert proposal.state == "accepteret" and proposal.plan.current.content["texts"]["signs"] == "Alma leger med to andre"


def test_a_pedagogue_from_koege_records_sparring_on_the_page(client_for, alice, municipality, solsikken):
    fck = factories.user(Role.EKSTERN, municipality_obj=municipality, username="fck", counsellor_kind="familiecenter")
    response = client_for(alice).post(reverse("community:sparring"), {
        "institution": solsikken.pk, "counsellor": fck.pk, "held_on": TODAY.isoformat(), "topic": "Uro ved frokost",
        "advice": "Faste pladser"})
    assert response.status_code == 302
    assert "Uro ved frokost" in client_for(alice).get(reverse("community:sparring")).content.decode()


def test_staff_make_a_one_time_booking_link_from_the_community_page(client_for, lars, solsikken, municipality):
    from cases.models import CounsellingSession

    municipality.open_counselling_enabled = True
    municipality.save()
    session = CounsellingSession.objects.create(institution=solsikken, starts_at=timezone.now() + timezone.timedelta(days=2),
                                                slots=3, professionals="PPR", created_by=lars)
    client = client_for(lars)
    assert "Lav bookinglink" in client.get(reverse("community:home")).content.decode()
    response = client.post(reverse("community:invitation_create", args=[session.pk]))
    assert response.status_code == 200 and "/faellesskab/book/?kode=" in response.content.decode()
