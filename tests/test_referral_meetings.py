"""Issue 13: PPV and VISO only after agreement with the parents at a meeting type that allows the
referral (Haderslev: a netværksmøde, not a forældresamtale); which types allow it is data."""

import datetime

import pytest

from cases import services
from cases.models import CaseEvent, MeetingType, Referral
from haandguide import profiles
from tests.refusals import refused
from tests.case_fixtures import as_user, guardians  # noqa: F401
from tests.test_case_consent import config  # noqa: F401  (fixture)


@pytest.fixture
def case(alma, lars, config, guardians):  # noqa: F811  (fixtures)
    case = services.case_open(actor=as_user(lars), child=alma)
    for code in ("ppv", "viso"):  # consent is there: only the meeting decides
        for guardian in guardians:
            services.consent_record(actor=as_user(lars), child=alma, guardian=guardian,
                                    purpose=config["purpose"][code], given_on=datetime.date(2026, 11, 1))
    return case


def agree_at(case, lars, meeting_type, kind="ppv"):
    return services.meeting_record(actor=as_user(lars), case=case, data={
        "type": meeting_type, "held_on": datetime.date(2026, 11, 2), "participants": "Lars, leder\nMette, mor",
        "minutes": "", "follow_up_on": None}, agreements=[{"kind": kind, "text": "Vi henviser", "with_parents": True}])


def test_the_profile_lets_only_the_netvaerksmoede_allow_ppv_and_viso(config):
    allowing = {name for name, t in config["meeting"].items() if t.allows_ppv_referral or t.allows_viso_referral}
    assert allowing == {"Netværksmøde"}
    assert config["meeting"]["Netværksmøde"].allows_ppv_referral and config["meeting"]["Netværksmøde"].allows_viso_referral
    for slug in profiles.NAMES:  # every profile says where the agreement is made
        assert profiles.get(slug).get("referral_meetings", profiles.get(profiles.DEFAULT)["referral_meetings"])


@pytest.mark.parametrize("kind", ["ppv", "viso"])
def test_an_agreement_at_a_foraeldresamtale_does_not_allow_a_referral_and_nothing_is_stored(case, lars, config, kind):
    agree_at(case, lars, config["meeting"]["Forældresamtale"], kind)
    with refused("agreement_missing"):
        services.referral_create(actor=as_user(lars), case=case, kind=kind)
    assert not Referral.objects.exists()
    assert not case.events.filter(action=CaseEvent.Action.REFERRAL).exists()


@pytest.mark.parametrize("kind", ["ppv", "viso"])
def test_an_agreement_at_a_netvaerksmoede_allows_the_referral(case, lars, config, kind):
    agree_at(case, lars, config["meeting"]["Forældresamtale"], kind)
    agree_at(case, lars, config["meeting"]["Netværksmøde"], kind)
    referral = services.referral_create(actor=as_user(lars), case=case, kind=kind)
    assert referral.agreement.meeting.type.name == "Netværksmøde"


def test_which_meeting_types_allow_a_referral_is_the_municipalitys_data(case, lars, config):
    samtale = config["meeting"]["Forældresamtale"]
    agree_at(case, lars, samtale, "ppv")
    samtale.allows_ppv_referral = True  # as the administrator edits it
    samtale.save()
    assert services.referral_create(actor=as_user(lars), case=case, kind="ppv").agreement.meeting.type == samtale
    agree_at(case, lars, samtale, "viso")
    with refused("agreement_missing"):  # the flag is per referral
        services.referral_create(actor=as_user(lars), case=case, kind="viso")


def test_the_refusal_page_names_the_meeting_and_stores_nothing(case, lars, config, alma, client_for):
    from django.urls import reverse

    agree_at(case, lars, config["meeting"]["Forældresamtale"], "ppv")
    response = client_for(lars).post(reverse("cases:referral_create", args=[alma.pk]), {"kind": "ppv", "note": ""})
    assert response.status_code == 400
    assert "kræver en aftale med forældrene på et netværksmøde" in response.content.decode()
    assert not Referral.objects.exists()
