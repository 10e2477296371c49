"""The parents' portal (issue 18): signing in, what a parent sees, consent, the signature of a
with-CPR submission, the parents' perspective, letters with read receipts, and indsigt."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.defaults import seed_case_configuration
from cases.models import CaseEvent, Consent, ConsentPurpose, MeetingType
from districtcouncil import services as council_services
from districtcouncil.models import Letter, SubmissionApproval, SubmissionState
from handleplan import services as plan_services
from handleplan.models import Effort, Handleplan, PlanVersion
from haandguide.actors import Actor, ActorKind
from haandguide.models import AccessLog, Guardian
from portal import services
from portal.models import LetterDelivery, LetterReceipt, PortalSettings, SignInLink
from portal.scope import SESSION_KEY
from tests.case_fixtures import as_user, handleplan  # noqa: F401
from tests.portal_fixtures import METTE_CPR, family, link_path, other_family, parent_client, request_link  # noqa: F401
from tests.refusals import refused


def parent(guardian) -> Actor:
    return Actor.parent(guardian)


class FakeSession(dict):
    """A Django session as the citizen login's callback hands it over (cycle_key is all it needs)."""

    def cycle_key(self):
        self.cycled = True


# --- signing in -------------------------------------------------------------------------------------


def test_a_link_is_sent_to_a_custodians_address_and_never_names_the_child(client, family):
    path = request_link(client, "Mette@Example.dk ")
    message = mail.outbox[-1]
    assert message.to == ["mette@example.dk"]
    assert "Alma" not in message.body and "Ida" not in message.body and "15 minutter" in message.body
    assert SignInLink.objects.get().token_hash not in path  # only the hash is stored


def test_an_unknown_address_gets_the_same_page_and_no_mail(client, family):
    known = client.post(reverse("portal:sign_in"), {"email": "mette@example.dk"}).content.decode()
    unknown = client.post(reverse("portal:sign_in"), {"email": "nogen@example.dk"}).content.decode()
    assert len(mail.outbox) == 1
    assert known.replace("mette@example.dk", "X") == unknown.replace("nogen@example.dk", "X")


def test_a_guardian_without_custody_gets_no_link(client, family):
    Guardian.objects.filter(pk=family.jens.pk).update(has_custody=False)
    client.post(reverse("portal:sign_in"), {"email": "jens@example.dk"})
    assert mail.outbox == []


def test_bad_email_input_is_shown_again_with_a_danish_error(client, family):
    response = client.post(reverse("portal:sign_in"), {"email": "ikke en adresse"})
    body = response.content.decode()
    assert response.status_code == 400 and "gyldig e-mailadresse" in body and 'value="ikke en adresse"' in body


def test_the_link_signs_in_once_and_is_refused_when_used_again(client, family):
    path = request_link(client, "mette@example.dk")
    assert client.get(path).status_code == 200  # a confirm page: a mail scanner's GET uses nothing
    assert SignInLink.objects.get().used_at is None
    response = client.post(path)
    assert response.status_code == 302 and client.session[SESSION_KEY]["name"] == "Mette Jensen"
    again = Client().post(path)
    assert again.status_code == 400 and 'data-code="link_used"' in again.content.decode()
    assert AccessLog.objects.filter(action=AccessLog.Action.REFUSED, detail__contains="[link_used]",
                                    actor_kind=ActorKind.PARENT).exists()


def test_an_expired_link_is_refused_with_a_clear_message(client, family):
    path = request_link(client, "mette@example.dk")
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=15, seconds=1)):
        response = client.post(path)
    body = response.content.decode()
    assert response.status_code == 400 and 'data-code="link_expired"' in body and "15 minutter" in body
    assert SESSION_KEY not in client.session and SignInLink.objects.get().used_at is None


def test_an_unknown_link_is_refused(client, family):
    response = client.post(reverse("portal:link", args=["gaet-token"]))
    assert response.status_code == 400 and 'data-code="link_unknown"' in response.content.decode()


def test_link_requests_are_capped_per_address_an_hour_and_the_refusal_is_logged(client, family):
    for _ in range(services.LINKS_PER_HOUR):
        assert services.link_request(email="mette@example.dk") == 1
    sent = len(mail.outbox)
    # The form answers the same (no oracle), but no further link is made or mailed.
    response = client.post(reverse("portal:sign_in"), {"email": "Mette@Example.dk"})
    assert response.status_code == 200
    assert len(mail.outbox) == sent and SignInLink.objects.count() == services.LINKS_PER_HOUR
    refusal = AccessLog.objects.get(action=AccessLog.Action.REFUSED, object_type="signinlink")
    assert "link_rate" in refusal.detail and refusal.municipality_id == family.mette.child.municipality_id
    # An hour later the address may ask again.
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=1, seconds=1)):
        assert services.link_request(email="mette@example.dk") == 1


def test_link_sign_in_refuses_expired_used_and_unknown_tokens_and_stores_nothing(family):
    services.link_request(email="mette@example.dk")
    token = mail.outbox[-1].body.split("/link/")[1].split("/")[0]
    with refused("link_unknown"):
        services.link_sign_in(FakeSession(), token="x" + token)
    with refused("link_expired"):
        services.link_sign_in(FakeSession(), token=token, now=timezone.now() + datetime.timedelta(minutes=16))
    services.link_sign_in(FakeSession(), token=token)
    with refused("link_used"):
        services.link_sign_in(FakeSession(), token=token)


def test_the_citizen_login_recognises_a_custodian_by_the_cpr_digest_only(family, municipality):
    session = FakeSession()
    custodian = services.sign_in_custodian(session, municipality=municipality, cpr="010185-1234")
    assert session.cycled and session[SESSION_KEY]["name"] == "Mette Jensen"
    # Her row for Ida has only her e-mail: the same person, so she sees both children.
    assert {g.child_id for g in custodian.rows()} == {family.alma.pk, family.ida.pk}
    log = AccessLog.objects.filter(object_type="portalsession").get()
    assert log.actor_kind == ActorKind.PARENT and log.actor_label == "Mette Jensen"
    assert log.municipality_id == municipality.pk
    assert not any(METTE_CPR[:6] in f"{r.detail}{r.path}{r.object_id}" for r in AccessLog.objects.all())


def test_the_citizen_login_refuses_someone_without_custody(family, municipality):
    with refused("not_custodian"):
        services.sign_in_custodian(FakeSession(), municipality=municipality, cpr="0202851234")
    Guardian.objects.filter(pk__in=[family.mette.pk, family.mette_ida.pk]).update(has_custody=False)
    with refused("not_custodian"):
        services.sign_in_custodian(FakeSession(), municipality=municipality, cpr=METTE_CPR)
    with refused("cpr_invalid"):
        services.sign_in_custodian(FakeSession(), municipality=municipality, cpr="123")


def test_a_staff_session_cannot_start_a_portal_session(family, municipality):
    with refused("staff_session"):
        services.sign_in_custodian(FakeSession({"_auth_user_id": "1"}), municipality=municipality, cpr=METTE_CPR)


def test_another_municipality_does_not_recognise_the_cpr(family):
    from tests import factories

    other = factories.municipality(name="Køge Kommune")
    with refused("not_custodian"):
        services.sign_in_custodian(FakeSession(), municipality=other, cpr=METTE_CPR)


def test_staff_register_a_guardians_cpr_as_its_digest_only(client_for, lars, alma):
    response = client_for(lars).post(reverse("cases:guardian_add", args=[alma.pk]), {
        "name": "Ole Jensen", "relation": "far", "phone": "", "email": "", "has_custody": "on", "cpr": "020285-1234"})
    assert response.status_code == 302
    guardian = Guardian.objects.get(name="Ole Jensen")
    from haandguide.lib import cpr as cprlib

    assert guardian.cpr_digest == cprlib.digest("0202851234")
    bad = client_for(lars).post(reverse("cases:guardian_add", args=[alma.pk]), {
        "name": "Ole Jensen", "relation": "far", "has_custody": "on", "cpr": "999999-9999"})
    assert bad.status_code == 200 and "gyldig dato" in bad.content.decode() and 'value="Ole Jensen"' in bad.content.decode()


# --- what a parent sees ------------------------------------------------------------------------------


def test_the_parent_sees_only_their_own_children_with_custody(family, other_family):
    mette = parent_client("mette@example.dk")
    body = mette.get(reverse("portal:home")).content.decode()
    assert "Alma" in body and str(family.ida) in body and "Viggo" not in body
    jens = parent_client("jens@example.dk")
    body = jens.get(reverse("portal:home")).content.decode()
    # The full name: a random CSRF token can spell "Ida".
    assert "Alma" in body and str(family.ida) not in body
    assert jens.get(reverse("portal:child", args=[family.ida.pk])).status_code == 404


def test_custody_removed_takes_effect_at_once(family):
    mette = parent_client("mette@example.dk")
    assert mette.get(reverse("portal:child", args=[family.ida.pk])).status_code == 200
    Guardian.objects.filter(pk=family.mette_ida.pk).update(has_custody=False)
    assert mette.get(reverse("portal:child", args=[family.ida.pk])).status_code == 404
    assert AccessLog.objects.filter(action=AccessLog.Action.DENIED, actor_kind=ActorKind.PARENT,
                                    object_id=str(family.ida.pk)).exists()


def test_every_read_by_a_parent_is_logged_as_the_parent(family):
    mette = parent_client("mette@example.dk")
    mette.get(reverse("portal:home"))
    mette.get(reverse("portal:child", args=[family.alma.pk]))
    row = AccessLog.objects.filter(child_id=family.alma.pk, action=AccessLog.Action.VIEW).latest("pk")
    assert (row.actor_kind, row.actor_label, row.user_id, row.role) == (ActorKind.PARENT, "Mette Jensen", None, "")
    from haandguide.access import rows_for_child

    assert rows_for_child(family.ida.pk).filter(action=AccessLog.Action.LIST, actor_kind=ActorKind.PARENT).exists()


@pytest.fixture
def plan(family, lars, handleplan):
    case = case_services.case_open(actor=as_user(lars), child=family.alma)
    plan = plan_services.plan_start(actor=as_user(lars), case=case)
    plan_services.plan_save(actor=as_user(lars), plan=plan, version=plan.version, data={
        "goals_community": "Leg i små grupper", "goals_child": "Alma siger til og fra", "signs": "Alma tager ordet",
        "voice_se_mig": "PERSONALETS NOTE OM STEMMEN", "parents": ""})
    shared = plan_services.effort_add(actor=as_user(lars), plan=plan, data={"name": "Sprogleg", "description": "Dagligt"})
    plan_services.effort_add(actor=as_user(lars), plan=plan, data={"name": "UDELT INDSATS"})
    plan.refresh_from_db()
    plan.shared_effort = shared
    return plan


def test_the_plan_shows_only_what_the_institution_shares(family, plan, lars):
    mette = parent_client("mette@example.dk")
    url = reverse("portal:child", args=[family.alma.pk])
    body = mette.get(url).content.decode()
    assert "Alma siger til og fra" not in body and "Sprogleg" not in body and "ikke delt" in body
    plan_services.plan_share(actor=as_user(lars), plan=plan, goals_and_signs=True, effort_ids=[plan.shared_effort.pk])
    body = mette.get(url).content.decode()
    assert "Alma siger til og fra" in body and "Alma tager ordet" in body and "Sprogleg" in body
    assert "UDELT INDSATS" not in body and "PERSONALETS NOTE" not in body


def test_observations_and_staff_notes_never_show(family, plan, lars, municipality):
    seed_case_configuration(municipality)
    from cases.models import ObservationType

    case_services.observation_add(actor=as_user(lars), child=family.alma, data={
        "type": ObservationType.objects.filter(municipality=municipality, has_topi_position=False).first(),
        "observed_on": timezone.localdate(), "text": "HEMMELIG OBSERVATION"})
    plan_services.plan_share(actor=as_user(lars), plan=plan, goals_and_signs=True, effort_ids=[])
    body = parent_client("mette@example.dk").get(reverse("portal:child", args=[family.alma.pk])).content.decode()
    assert "HEMMELIG OBSERVATION" not in body


def test_sharing_is_for_the_plans_writers_and_refuses_an_effort_of_another_plan(plan, bob, lars, handleplan):
    with refused("not_staff"):
        plan_services.plan_share(actor=as_user(bob), plan=plan, goals_and_signs=True, effort_ids=[])
    with refused("effort_not_in_plan"):
        plan_services.plan_share(actor=as_user(lars), plan=plan, goals_and_signs=True, effort_ids=[999999])


def test_coming_meetings_with_the_parents_show_but_not_their_minutes(family, lars, municipality, handleplan):
    seed_case_configuration(municipality)
    case = case_services.case_open(actor=as_user(lars), child=family.alma)
    case_services.meeting_record(actor=as_user(lars), case=case, data={
        "type": MeetingType.objects.get(municipality=municipality, name="Forældresamtale"),
        "held_on": timezone.localdate() + datetime.timedelta(days=7), "participants": "Lars",
        "minutes": "REFERAT FRA PERSONALET", "follow_up_on": None}, agreements=[])
    body = parent_client("mette@example.dk").get(reverse("portal:child", args=[family.alma.pk])).content.decode()
    assert "Forældresamtale" in body and "REFERAT" not in body


def test_each_portal_page_asks_a_fixed_number_of_queries(family, plan, lars, solsikken, municipality):
    """Measured with one sibling, effort, consent and visit, then with four: no page asks more."""
    from tests import factories

    seed_case_configuration(municipality)
    purposes = list(ConsentPurpose.objects.filter(municipality=municipality))
    mette = None
    pages = {"home": reverse("portal:home"), "child": reverse("portal:child", args=[family.alma.pk]),
             "consents": reverse("portal:consents", args=[family.alma.pk]),
             "perspective": reverse("portal:perspective", args=[family.alma.pk]),
             "access": reverse("portal:access", args=[family.alma.pk])}
    counts: dict[str, list[int]] = {name: [] for name in pages}
    for n in range(4):
        extra = factories.child(solsikken, first_name=f"Søskende{n}", last_name="Jensen")
        Guardian.objects.create(child=extra, name="Mette Jensen", relation="mor", email="mette@example.dk")
        plan_services.effort_add(actor=as_user(lars), plan=plan, data={"name": f"Indsats {n}"})
        services.consent_give(actor=parent(family.mette), child=family.alma, guardian=family.mette,
                              purpose=purposes[n])
        plan_services.plan_share(actor=as_user(lars), plan=plan, goals_and_signs=True,
                                 effort_ids=list(Effort.objects.filter(plan=plan).values_list("pk", flat=True)))
        mette = mette or parent_client("mette@example.dk")
        mette.get(reverse("portal:child", args=[family.alma.pk]))
        if n in (0, 3):
            for name, url in pages.items():
                with CaptureQueriesContext(connection) as queries:
                    assert mette.get(url).status_code == 200
                counts[name].append(len(queries))
    # Indsigt reads the log back in growing windows (access.NewestFirst): more rows fill its page in
    # fewer windows, so its count may only fall.
    assert not {name: pair for name, pair in counts.items() if pair[1] > pair[0]}
    assert not {name: pair for name, pair in counts.items() if name != "access" and pair[1] != pair[0]}



# --- consent ---------------------------------------------------------------------------------------


@pytest.fixture
def purposes(municipality):
    seed_case_configuration(municipality)
    return {p.code: p for p in ConsentPurpose.objects.filter(municipality=municipality)}


def test_consent_given_online_unblocks_the_working_meeting_and_withdrawal_blocks_it_at_once(family, purposes):
    arbejdsmoede = purposes["arbejdsmoede"]
    assert case_services.refusal_consent(family.alma, purpose=arbejdsmoede).code == "consent_missing"
    services.consent_give(actor=parent(family.mette), child=family.alma, guardian=family.mette, purpose=arbejdsmoede)
    assert case_services.refusal_consent(family.alma, purpose=arbejdsmoede).code == "consent_missing"  # both
    jens = services.consent_give(actor=parent(family.jens), child=family.alma, guardian=family.jens, purpose=arbejdsmoede)
    assert case_services.refusal_consent(family.alma, purpose=arbejdsmoede) is None
    assert (jens.channel, jens.recorded_by) == (Consent.Channel.PORTAL, None)
    services.consent_withdraw(actor=parent(family.jens), consent=jens, guardian=family.jens)
    assert case_services.refusal_consent(family.alma, purpose=arbejdsmoede).code == "consent_missing"
    jens.refresh_from_db()
    assert jens.withdrawn_channel == Consent.Channel.PORTAL
    row = AccessLog.objects.filter(object_type="consent", object_id=str(jens.pk)).latest("pk")
    assert row.actor_kind == ActorKind.PARENT and row.actor_label == "Jens Jensen"


def test_consent_refusals_store_nothing(family, purposes, other_family, lars):
    arbejdsmoede = purposes["arbejdsmoede"]
    with refused("not_custodian"):  # another family's guardian for Alma
        services.consent_give(actor=parent(other_family.karen), child=family.alma, guardian=other_family.karen,
                              purpose=arbejdsmoede)
    with refused("not_custodian"):  # staff do not act through the parents' service
        services.consent_give(actor=as_user(lars), child=family.alma, guardian=family.mette, purpose=arbejdsmoede)
    given = services.consent_give(actor=parent(family.mette), child=family.alma, guardian=family.mette,
                                  purpose=arbejdsmoede)
    with refused("consent_exists"):
        services.consent_give(actor=parent(family.mette), child=family.alma, guardian=family.mette,
                              purpose=arbejdsmoede)
    with refused("not_own_consent"):
        services.consent_withdraw(actor=parent(family.jens), consent=given, guardian=family.jens)
    Guardian.objects.filter(pk=family.mette.pk).update(has_custody=False)
    family.mette.refresh_from_db()
    with refused("not_custodian"):
        services.consent_withdraw(actor=parent(family.mette), consent=given, guardian=family.mette)


def test_staff_see_who_gave_consent_when_and_through_which_channel(family, purposes, client_for, lars):
    services.consent_give(actor=parent(family.mette), child=family.alma, guardian=family.mette,
                          purpose=purposes["arbejdsmoede"])
    body = client_for(lars).get(reverse("cases:consents", args=[family.alma.pk])).content.decode()
    assert "Mette Jensen · af forælderen i forældreportalen" in body


def test_consent_through_the_portal_pages(family, purposes):
    mette = parent_client("mette@example.dk")
    purpose = purposes["arbejdsmoede"]
    response = mette.post(reverse("portal:consent_give", args=[family.alma.pk, purpose.pk]), follow=True)
    assert "Det gælder fra nu" in response.content.decode()
    consent = Consent.objects.active().get(guardian=family.mette, purpose=purpose)
    assert mette.post(reverse("portal:consent_give", args=[family.alma.pk, purpose.pk])).status_code == 400
    mette.post(reverse("portal:consent_withdraw", args=[family.alma.pk, consent.pk]))
    assert not Consent.objects.active().filter(guardian=family.mette, purpose=purpose).exists()
    # Jens's consent cannot be withdrawn through Mette's session: a logged 404.
    jens_consent = services.consent_give(actor=parent(family.jens), child=family.alma, guardian=family.jens,
                                         purpose=purpose)
    assert mette.post(reverse("portal:consent_withdraw", args=[family.alma.pk, jens_consent.pk])).status_code == 404
    assert Consent.objects.get(pk=jens_consent.pk).withdrawn_at is None


# --- the with-CPR submission's signature --------------------------------------------------------------


@pytest.fixture
def cpr_draft(family, lars, birgitte, handleplan, municipality, nord, syd):
    from districtcouncil.defaults import seed_council_configuration
    from tests.test_districtcouncil import draft, meeting_at

    seed_case_configuration(municipality)
    seed_council_configuration(municipality)
    from districtcouncil.models import Council, CouncilMeetingType

    config = {"council": Council.objects.get(district=nord),
              "type": CouncilMeetingType.objects.get(municipality=municipality, name="Distriktsrådsmøde")}
    case = case_services.case_open(actor=as_user(lars), child=family.alma)
    plan_services.plan_start(actor=as_user(lars), case=case)
    handleplan.ready_levels = {"forebyggende", "foregribende"}
    case = case_services.case_escalate(actor=as_user(lars), case_id=case.pk, version=case.version, reason="Ikke nok")
    case_services.meeting_record(actor=as_user(lars), case=case, data={
        "type": MeetingType.objects.get(municipality=municipality, name="Netværksmøde"),
        "held_on": datetime.date(2026, 11, 2), "participants": "Lars\nForældre", "minutes": "", "follow_up_on": None},
        agreements=[{"kind": "indstilling", "text": "Indstilling til distriktsrådet", "with_parents": True}])
    # Far enough ahead that a browser test submitting "now" is before the deadline.
    meeting = meeting_at(config, timezone.now() + datetime.timedelta(days=40))
    return draft(lars, case, meeting, signed=False)


def test_each_custodians_online_approval_completes_the_cpr_track(cpr_draft, family, lars):
    from tests.test_districtcouncil import local, submit

    services.submission_approve(actor=parent(family.mette), submission=cpr_draft, guardian=family.mette)
    with refused("signature_missing"):  # one of two custodians
        submit(lars, cpr_draft, now=local(2026, 11, 20, 12, 0))
    services.submission_approve(actor=parent(family.jens), submission=cpr_draft, guardian=family.jens)
    sent = submit(lars, cpr_draft, now=local(2026, 11, 20, 12, 0))
    assert sent.state == SubmissionState.INDSENDT and not sent.signed_form
    assert SubmissionApproval.objects.filter(submission=cpr_draft).count() == 2
    with refused("submission_sent"):
        services.submission_approve(actor=parent(family.mette), submission=sent, guardian=family.mette)


def test_approval_refusals(cpr_draft, family, other_family):
    services.submission_approve(actor=parent(family.mette), submission=cpr_draft, guardian=family.mette)
    with refused("already_approved"):
        services.submission_approve(actor=parent(family.mette), submission=cpr_draft, guardian=family.mette)
    with refused("not_custodian"):
        services.submission_approve(actor=parent(other_family.karen), submission=cpr_draft, guardian=other_family.karen)


def test_approval_through_the_portal_page(cpr_draft, family, client_for, lars):
    mette = parent_client("mette@example.dk")
    body = mette.get(reverse("portal:child", args=[family.alma.pk])).content.decode()
    assert "Godkend indstillingen" in body
    response = mette.post(reverse("portal:submission_approve", args=[family.alma.pk, cpr_draft.pk]), follow=True)
    assert "Du har godkendt indstillingen" in response.content.decode()
    leader_page = client_for(lars).get(reverse("districtcouncil:submission_detail", args=[cpr_draft.pk]))
    assert "Godkendt af forældrene i forældreportalen: Mette Jensen" in leader_page.content.decode()
    # Ida's page does not answer for Alma's submission.
    assert mette.post(reverse("portal:submission_approve", args=[family.ida.pk, cpr_draft.pk])).status_code == 404


# --- the parents' perspective -------------------------------------------------------------------------


def test_the_perspective_is_a_version_attributed_to_the_custodian_and_staff_see_it_as_theirs(
        family, plan, client_for, alice):
    updated = services.perspective_write(actor=parent(family.mette), child=family.alma, guardian=family.mette,
                                         text="Alma sover dårligt, når der er mange skift.", version=plan.version)
    version = PlanVersion.objects.get(pk=updated.current_id)
    assert (version.author, version.author_guardian) == (None, family.mette)
    assert version.content["texts"]["parents"] == "Alma sover dårligt, når der er mange skift."
    assert version.content["texts"]["signs"] == "Alma tager ordet"  # the rest of the plan kept
    body = client_for(alice).get(reverse("handleplan:plan_detail", args=[family.alma.pk])).content.decode()
    assert "Skrevet af Mette Jensen i forældreportalen" in body
    versions = client_for(alice).get(reverse("handleplan:version_list", args=[family.alma.pk])).content.decode()
    assert "Mette Jensen (mor) via forældreportalen" in versions
    assert CaseEvent.objects.filter(reason__contains="Forældrenes perspektiv skrevet af Mette Jensen").exists()


def test_a_perspective_changed_meanwhile_is_not_overwritten(family, plan, lars):
    base = plan.version
    services.perspective_write(actor=parent(family.jens), child=family.alma, guardian=family.jens,
                               text="Jens' tekst", version=base)
    with refused("perspective_conflict"):
        services.perspective_write(actor=parent(family.mette), child=family.alma, guardian=family.mette,
                                   text="Mettes tekst", version=base)
    # A staff save of another field in between is no conflict.
    current = Handleplan.objects.get(pk=plan.pk).version
    plan_services.effort_add(actor=as_user(lars), plan=plan, data={"name": "Ny indsats"})
    services.perspective_write(actor=parent(family.mette), child=family.alma, guardian=family.mette,
                               text="Mettes tekst", version=current)


def test_perspective_refusals(family, plan):
    with refused("perspective_empty"):
        services.perspective_write(actor=parent(family.mette), child=family.alma, guardian=family.mette,
                                   text="   ", version=plan.version)
    with refused("no_plan"):
        services.perspective_write(actor=parent(family.mette), child=family.ida, guardian=family.mette_ida,
                                   text="Tekst", version=0)


def test_the_perspective_page_keeps_the_typed_text_on_a_conflict(family, plan):
    mette = parent_client("mette@example.dk")
    url = reverse("portal:perspective", args=[family.alma.pk])
    base = plan.version
    services.perspective_write(actor=parent(family.jens), child=family.alma, guardian=family.jens,
                               text="Jens skrev først", version=base)
    response = mette.post(url, {"text": "Mette skrev også", "version": base})
    body = response.content.decode()
    assert response.status_code == 400 and "Mette skrev også" in body and "Jens skrev først" in body
    assert mette.post(url, {"text": "", "version": base}).status_code == 400


# --- letters -------------------------------------------------------------------------------------------


@pytest.fixture
def letter(cpr_draft, family, lars, birgitte):
    from tests.test_districtcouncil import decide, local, submit
    from districtcouncil.models import ResourceType

    for guardian in (family.mette, family.jens):
        services.submission_approve(actor=parent(guardian), submission=cpr_draft, guardian=guardian)
    submission = submit(lars, cpr_draft, now=local(2026, 11, 20, 12, 0))
    council_services.agenda_close(submission.meeting_id, actor=Actor.job("agenda_close"),
                                  now=submission.meeting.deadline)
    resource = ResourceType.objects.get(municipality=family.alma.municipality, name="Praksisvejleder")
    decision = decide(birgitte, submission, resource)
    return Letter.objects.get(decision=decision)


def test_publishing_a_letter_tells_the_custodians_by_email_without_its_content(letter, lars, family,
                                                                              django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_letter(letter, actor=as_user(lars))
    assert sorted(m.to for m in mail.outbox) == [["jens@example.dk"], ["mette@example.dk"]]  # one each
    message = mail.outbox[0]
    assert "Alma" not in message.body and "Praksisvejleder" not in message.body
    with refused("letter_published"):
        services.publish_letter(letter, actor=as_user(lars))


def test_only_the_leader_publishes(letter, alice, bob):
    with refused("not_leader"):
        services.publish_letter(letter, actor=as_user(alice))
    with refused("not_leader"):
        services.publish_letter(letter, actor=as_user(bob))


def test_a_letter_read_gives_the_leader_a_receipt(letter, lars, family, client_for):
    leader = client_for(lars)
    decision_url = reverse("districtcouncil:decision_detail", args=[letter.decision_id])
    assert "Send til forældreportalen" in leader.get(decision_url).content.decode()
    leader.post(reverse("portal:letter_publish", args=[letter.decision_id, letter.pk]))
    assert LetterDelivery.objects.filter(letter=letter).exists()
    body = leader.get(decision_url).content.decode()
    assert "Mette Jensen: ikke læst endnu" in body
    mette = parent_client("mette@example.dk")
    response = mette.get(reverse("portal:letter", args=[family.alma.pk, letter.pk]))
    assert response["Content-Type"] == "application/pdf" and bytes(response.content).startswith(b"%PDF")
    receipt = LetterReceipt.objects.get()
    assert receipt.guardian == family.mette
    mette.get(reverse("portal:letter", args=[family.alma.pk, letter.pk]))
    assert LetterReceipt.objects.get().read_at == receipt.read_at  # the first opening counts
    body = leader.get(decision_url).content.decode()
    assert "Mette Jensen: <strong>læst" in body and "Jens Jensen: ikke læst endnu" in body


def test_an_unpublished_letter_is_not_in_the_portal(letter, family):
    mette = parent_client("mette@example.dk")
    assert mette.get(reverse("portal:letter", args=[family.alma.pk, letter.pk])).status_code == 404
    assert LetterReceipt.objects.count() == 0


# --- indsigt ---------------------------------------------------------------------------------------------


def test_the_access_overview_shows_who_by_role_or_by_name_as_the_municipality_decides(
        family, client_for, alice, municipality):
    client_for(alice).get(reverse("cases:child_detail", args=[family.alma.pk]))
    mette = parent_client("mette@example.dk")
    url = reverse("portal:access", args=[family.alma.pk])
    body = mette.get(url).content.decode()
    assert "Pædagog" in body and "alice" not in body
    PortalSettings.objects.create(municipality=municipality, show_staff_names=True)
    body = mette.get(url).content.decode()
    assert "alice (Pædagog)" in body
    assert "Forælder (Mette Jensen)" in body


def test_the_access_overview_reads_through_one_function(family, monkeypatch):
    calls = []
    original = services.access_rows
    monkeypatch.setattr(services, "access_rows", lambda child: calls.append(child.pk) or original(child))
    parent_client("mette@example.dk").get(reverse("portal:access", args=[family.alma.pk]))
    assert calls == [family.alma.pk]


def test_the_access_overview_paginates(family, settings):
    settings.PAGE_SIZE = 3
    mette = parent_client("mette@example.dk")
    for _ in range(5):
        mette.get(reverse("portal:child", args=[family.alma.pk]))
    body = mette.get(reverse("portal:access", args=[family.alma.pk])).content.decode()
    assert "Næste side" in body


# --- sessions apart --------------------------------------------------------------------------------------


def test_a_staff_session_does_not_open_the_portal(client_for, lars, family):
    response = client_for(lars).get(reverse("portal:home"))
    assert response.status_code == 403 and "medarbejder" in response.content.decode()


def test_signing_out_ends_the_portal_session(family):
    mette = parent_client("mette@example.dk")
    mette.post(reverse("portal:sign_out"))
    assert mette.get(reverse("portal:home"))["Location"] == reverse("portal:sign_in")


def test_the_accessibility_statement_is_linked_from_both_footers(client_for, lars, family):
    statement = reverse("accessibility")
    assert Client().get(statement).status_code == 200
    assert statement in client_for(lars).get(reverse("home")).content.decode()
    assert statement in parent_client("mette@example.dk").get(reverse("portal:home")).content.decode()


def test_the_accessibility_statement_leads_staff_back_to_the_staff_app_not_the_portal(client_for, lars):
    """Staff reach the statement from their footer; a link to the portal would answer them 403."""
    statement = client_for(lars).get(reverse("accessibility")).content.decode()
    assert f'href="{reverse("portal:home")}"' not in statement and f'href="{reverse("home")}"' in statement
    anonymous = Client().get(reverse("accessibility")).content.decode()
    assert f'href="{reverse("portal:home")}"' in anonymous


def test_staff_mark_what_is_shared_on_the_plan_page(family, plan, client_for, alice):
    staff = client_for(alice)
    page = staff.get(reverse("handleplan:plan_detail", args=[family.alma.pk])).content.decode()
    assert "Delt med forældre" in page and "Gem deling" in page
    response = staff.post(reverse("handleplan:plan_share", args=[family.alma.pk]),
                          {"goals_and_signs": "1", "efforts": [str(plan.shared_effort.pk), "ikke-et-id"]})
    assert response.status_code == 302
    assert Handleplan.objects.get(pk=plan.pk).shared_with_parents
    assert list(Effort.objects.filter(plan=plan, shared_with_parents=True)) == [plan.shared_effort]
    row = AccessLog.objects.filter(detail__startswith="Delt med forældre").latest("pk")
    assert row.user == alice and "Sprogleg" in row.detail


def test_the_citizen_login_signs_a_custodian_into_the_portal_through_the_relying_party(
        client, family, municipality, op_a, monkeypatch):
    """End to end against the test provider: the CPR claim reaches `sign_in_custodian` through the
    handler the portal registers for the citizens' audience; someone without custody is refused."""
    from sso.models import Audience
    from tests.oidc import sign_in
    from tests.test_sso import make_provider

    provider = make_provider(municipality, op_a, "mitid", monkeypatch, audience=Audience.CITIZEN, cpr_claim="cpr",
                             mfa_claim="acr", mfa_values="https://data.gov.dk/concept/core/nsis/loa/Substantial")
    assert provider.name in client.get(reverse("portal:sign_in")).content.decode()
    op_a.user("mette", cpr=METTE_CPR, given_name="Mette")
    response = sign_in(client, "mitid", "mette")
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    assert client.session[SESSION_KEY]["via"] == "oidc"
    assert "Ida" in client.get(reverse("portal:home")).content.decode()
    stranger = Client()
    op_a.user("fremmed", cpr="0202851234", given_name="Fremmed")
    response = sign_in(stranger, "mitid", "fremmed")
    assert SESSION_KEY not in stranger.session
    assert AccessLog.objects.filter(detail__contains="not_custodian").exists()
