"""Consent per purpose and guardian; the actions that need it, and underretning that does not."""

import datetime

import pytest

from cases import services
from cases.defaults import seed_case_configuration
from cases.models import CaseEvent, ConsentPurpose, Meeting, MeetingType, Underretning, Referral
from tests.refusals import refused
from haandguide.models import CounsellorKind
from tests import factories
from tests.case_fixtures import as_user, guardians, handleplan  # noqa: F401


@pytest.fixture
def config(municipality):
    seed_case_configuration(municipality)
    return {
        "meeting": {t.name: t for t in MeetingType.objects.filter(municipality=municipality)},
        "purpose": {p.code: p for p in ConsentPurpose.objects.filter(municipality=municipality)},
    }


@pytest.fixture
def case(alma, lars):
    return services.case_open(actor=as_user(lars), child=alma)


def meeting(case, user, meeting_type, agreements=()):
    return services.meeting_record(actor=as_user(user), case=case, data={
        "type": meeting_type, "held_on": datetime.date(2026, 11, 2), "participants": "Lars, leder",
        "minutes": "", "follow_up_on": None}, agreements=list(agreements))


def consent_all(child, lars, purpose, guardians):
    return [services.consent_record(actor=as_user(lars), child=child, guardian=g, purpose=purpose,
                                    given_on=datetime.date(2026, 11, 1)) for g in guardians]


def test_working_meeting_without_consent_is_refused_then_allowed_then_refused_after_withdrawal(
        case, lars, config, guardians):
    arbejdsmoede = config["meeting"]["Arbejdsmøde"]
    with refused("consent_missing"):
        meeting(case, lars, arbejdsmoede)
    consents = consent_all(case.child, lars, config["purpose"]["arbejdsmoede"], guardians[:1])
    with refused("consent_missing"):  # both custodians must consent
        meeting(case, lars, arbejdsmoede)
    consents += consent_all(case.child, lars, config["purpose"]["arbejdsmoede"], guardians[1:])
    assert meeting(case, lars, arbejdsmoede).type == arbejdsmoede
    services.consent_withdraw(actor=as_user(lars), consent=consents[1])
    with refused("consent_missing"):
        meeting(case, lars, arbejdsmoede)
    assert Meeting.objects.filter(type=arbejdsmoede).count() == 1
    assert case.events.filter(action=CaseEvent.Action.CONSENT_WITHDRAWN).exists()


def test_meeting_needing_consent_is_refused_when_no_custodian_is_registered(case, lars, config):
    with refused("no_custodians"):
        meeting(case, lars, config["meeting"]["Arbejdsmøde"])


def test_consent_from_a_guardian_without_custody_does_not_count(case, lars, config, guardians):
    guardians[1].has_custody = False
    guardians[1].save()
    consent_all(case.child, lars, config["purpose"]["arbejdsmoede"], guardians[:1])
    assert meeting(case, lars, config["meeting"]["Arbejdsmøde"])


def test_consent_is_recorded_only_by_the_leader_and_not_twice(case, alice, lars, config, guardians):
    purpose = config["purpose"]["arbejdsmoede"]
    with refused("not_leader"):
        services.consent_record(actor=as_user(alice), child=case.child, guardian=guardians[0], purpose=purpose,
                                given_on=datetime.date(2026, 11, 1))
    consent_all(case.child, lars, purpose, guardians[:1])
    with refused("consent_exists"):
        consent_all(case.child, lars, purpose, guardians[:1])


def test_consent_cannot_be_dated_in_the_future(case, lars, config, guardians):
    with refused("date_in_future"):
        services.consent_record(actor=as_user(lars), child=case.child, guardian=guardians[0],
                                purpose=config["purpose"]["ppv"], given_on=datetime.date(2099, 1, 1))


def test_underretning_needs_no_consent_and_records_its_legal_basis(case, alice):
    underretning = services.underretning_record(actor=as_user(alice), case=case, text="Barnet fortæller om slag.")
    assert Underretning.objects.get(pk=underretning.pk).legal_basis.startswith("Barnets lov § 133")
    event = case.events.get(action=CaseEvent.Action.UNDERRETNING)
    assert "§ 133" in event.reason


def test_ppv_referral_needs_agreement_with_parents_at_a_network_meeting_and_consent(case, lars, config, guardians):
    with refused("agreement_missing"):
        services.referral_create(actor=as_user(lars), case=case, kind="ppv")
    # An agreement "with the parents" at a meeting they do not attend is refused outright.
    consent_all(case.child, lars, config["purpose"]["arbejdsmoede"], guardians)
    with refused("parents_absent"):
        meeting(case, lars, config["meeting"]["Arbejdsmøde"],
                [{"kind": "ppv", "text": "PPV", "with_parents": True}])
    meeting(case, lars, config["meeting"]["Netværksmøde"], [{"kind": "ppv", "text": "Vi henviser", "with_parents": True}])
    with refused("consent_missing"):
        services.referral_create(actor=as_user(lars), case=case, kind="ppv")
    consent_all(case.child, lars, config["purpose"]["ppv"], guardians)
    referral = services.referral_create(actor=as_user(lars), case=case, kind="ppv")
    assert referral.agreement.meeting.type.name == "Netværksmøde"
    with refused("agreement_missing"):  # the PPV agreement does not cover VISO
        services.referral_create(actor=as_user(lars), case=case, kind="viso")
    assert Referral.objects.count() == 1


def test_familieraadgiver_is_attached_only_with_consent_to_share(case, lars, config, guardians, municipality):
    familie = factories.user("ekstern", municipality_obj=municipality, counsellor_kind=CounsellorKind.FAMILIERAADGIVER)
    with refused("consent_missing"):
        services.counsellor_attach(actor=as_user(lars), case=case, counsellor=familie)
    consent_all(case.child, lars, config["purpose"]["familieraadgivning"], guardians)
    assignment = services.counsellor_attach(actor=as_user(lars), case=case, counsellor=familie)
    assert assignment.ended_at is None


def test_counsellor_from_another_municipality_cannot_be_attached(case, lars):
    stranger = factories.user("ekstern", municipality_obj=factories.municipality(), counsellor_kind="psykolog")
    with refused("counsellor_unknown"):
        services.counsellor_attach(actor=as_user(lars), case=case, counsellor=stranger)


def test_family_council_is_held_with_the_family_and_needs_no_separate_consent(case, lars, config, guardians):
    """Familierådslagning (DOMAIN: another escalation) is a meeting the parents take part in."""
    familieraad = config["meeting"]["Familierådslagning"]
    assert familieraad.parents_take_part and familieraad.requires_consent is None
    assert meeting(case, lars, familieraad).type == familieraad
    assert case.events.filter(action=CaseEvent.Action.MEETING).exists()
