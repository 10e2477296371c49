"""The learning community first (issue 20): the group's plan goes frozen to the council, TOPI rounds
need two independent ratings before the joint one, a yellow child gets the suggestion, counsellors
propose and staff decide, Køge's sparring needs no child, Aabenraa's parents book with a one-time code."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.defaults import seed_case_configuration
from cases.models import CaseState, CounsellingSession, Observation
from community import services
from community.models import ChildGroup, CounsellorProposal, GroupPlanSnapshot, SparringSession, TopiRating
from districtcouncil import services as council_services
from districtcouncil.defaults import seed_council_configuration
from districtcouncil.models import Council, CouncilMeeting, CouncilMeetingType
from haandguide.actors import Actor, ActorKind
from haandguide.models import AccessLog, CounsellorAssignment, Notice, Role
from handleplan import services as plan_services
from tests import factories
from tests.case_fixtures import as_user, handleplan  # noqa: F401
from tests.refusals import refused

TODAY = timezone.localdate()


@pytest.fixture
def config(municipality, nord, syd):
    seed_case_configuration(municipality)
    seed_council_configuration(municipality)
    return municipality


@pytest.fixture
def karen(solsikken):
    return factories.user(Role.PAEDAGOG, institutions=[solsikken], username="karen", first_name="Karen")


@pytest.fixture
def bo(solsikken):
    return factories.child(solsikken, first_name="Bo", last_name="Lund")


@pytest.fixture
def stue(solsikken, alma, bo):
    group = ChildGroup.objects.create(institution=solsikken, name="Mariehønen")
    group.children.set([alma, bo])
    return group


PLAN = {"goals_community": "Alle børn er med i legen\nRo ved samling", "signs": "Flere børn leger sammen",
        "efforts": "Små legegrupper\nBilledstøtte ved samling", "carried_out_by": "Stuens pædagoger",
        "evaluation_date": TODAY + datetime.timedelta(days=60), "evaluation_tool": "Praksisfortællinger",
        "staff_meeting_on": TODAY, "staff_meeting_participants": "Alice, Karen, Lars", "evaluation": "", "children": []}


def write_plan(user, group, version=0, **changes):
    return services.group_plan_save(actor=as_user(user), group=group, data={**PLAN, **changes}, version=version)


# --- the learning community's plan --------------------------------------------------------------


def test_a_group_plan_is_versioned_and_a_stale_save_is_refused(alice, karen, stue):
    first = write_plan(alice, stue)
    assert first.number == 1 and first.content["texts"]["efforts"][0]["name"] == "Små legegrupper"
    second = write_plan(karen, stue, version=1, signs="Børnene hjælper hinanden")
    assert second.number == 2 and stue.plan.versions.count() == 2
    with refused("edit_conflict"):
        write_plan(alice, stue, version=1, signs="Mit gamle udkast")


def test_another_institution_cannot_write_the_group_plan(bob, stue):
    with refused("not_staff"):
        write_plan(bob, stue)


def test_the_plan_names_only_children_of_the_group(alice, stue, alma, viggo):
    version = write_plan(alice, stue, children=[alma, viggo])
    assert version.content["texts"]["children"] == [alma.pk]


@pytest.fixture
def council_meeting(config, nord):
    return CouncilMeeting.objects.create(
        council=Council.objects.get(district=nord), type=CouncilMeetingType.objects.filter(municipality=config).first(),
        starts_at=timezone.now() + datetime.timedelta(days=30))


def send_group_plan(lars, stue, meeting, description="Stuen har brug for frie midler"):
    """The group's plan on a group submission for a resource assessment, sent to `meeting`."""
    draft = council_services.submission_create(actor=as_user(lars), institution=stue.institution, child=None, data={
        "meeting": meeting, "kind": "ressourcevurdering", "track": "uden_cpr", "description": description,
        "group_description": "Mariehønen", "group_plan": stue.plan})
    return council_services.submission_submit(actor=as_user(lars), submission_id=draft.pk, version=None)


def decide_for_group(birgitte, submission, resource, **data):
    """The council's decision at the meeting (the agenda closed at its deadline)."""
    from districtcouncil.models import ResourceType

    meeting = submission.meeting
    council_services.agenda_close(meeting.pk, actor=Actor.job("agenda_close"), now=meeting.deadline + datetime.timedelta(minutes=1))
    start = meeting.starts_at.date()
    return council_services.decision_record(actor=as_user(birgitte), submission_id=submission.pk, data={
        "resource_type": ResourceType.objects.get(municipality=meeting.council.district.municipality, name=resource),
        "amount_dkk": None, "hours": None, "mellemform": None, "period_start": start,
        "period_end": start + datetime.timedelta(days=150), "goals": "Alle børn er med i legen",
        "follow_up_on": start + datetime.timedelta(days=60), "least_intrusive_discussed": True,
        "notes": "Stuen har brug for flere voksne i legen.", **data})


def test_a_group_submission_carries_the_frozen_group_plan(client_for, alice, lars, birgitte, stue, council_meeting):
    write_plan(alice, stue)
    sent = send_group_plan(lars, stue, council_meeting)
    snapshot = sent.group_snapshot
    assert snapshot is not None and snapshot.verify() and snapshot.content["version"] == 1
    assert [e["name"] for e in snapshot.content["efforts"]] == ["Små legegrupper", "Billedstøtte ved samling"]
    write_plan(alice, stue, version=1, goals_community="Et nyt mål efter indsendelsen")
    snapshot.refresh_from_db()
    assert snapshot.content["texts"]["goals_community"] == ["Alle børn er med i legen", "Ro ved samling"]
    page = client_for(birgitte).get(reverse("districtcouncil:submission_detail", args=[sent.pk]))
    assert "Læringsfællesskabets plan som sendt" in page.content.decode() and "Ro ved samling" in page.content.decode()
    assert "Et nyt mål" not in page.content.decode()


def test_the_councils_decision_for_the_group_links_back_to_the_frozen_plan(client_for, alice, lars, birgitte, stue, council_meeting):
    write_plan(alice, stue)
    decision = decide_for_group(birgitte, send_group_plan(lars, stue, council_meeting), "Frie midler", amount_dkk=60000)
    page = client_for(lars).get(reverse("districtcouncil:decision_detail", args=[decision.pk])).content.decode()
    assert "læringsfællesskabets plan, som den blev sendt" in page and "#frosset-gruppe" in page
    assert decision.submission.group_snapshot.plan == stue.plan


def test_a_group_on_its_frozen_plan_may_be_given_a_mellemform(alice, lars, birgitte, stue, council_meeting, nord):
    from districtcouncil.models import Mellemform

    write_plan(alice, stue)
    submission = send_group_plan(lars, stue, council_meeting, description="Mellemform for stuen")
    decision = decide_for_group(birgitte, submission, "Mellemform", hours=200,
                                mellemform=Mellemform.objects.filter(district=nord).first())
    assert decision.mellemform is not None and decision.submission.group_snapshot_id


def test_a_group_submission_cannot_carry_another_institutions_plan(alice, bob, stue, regnbuen, config, syd):
    write_plan(alice, stue)
    meeting = CouncilMeeting.objects.create(
        council=Council.objects.get(district=syd), type=CouncilMeetingType.objects.filter(municipality=config).first(),
        starts_at=timezone.now() + datetime.timedelta(days=30))
    with refused("group_plan_other"):
        council_services.submission_create(actor=as_user(bob), institution=regnbuen, child=None, data={
            "meeting": meeting, "kind": "sparring", "track": "uden_cpr", "description": "x",
            "group_description": "y", "group_plan": stue.plan})


# --- TOPI rounds ----------------------------------------------------------------------------------


@pytest.fixture
def topi_round(lars, stue):
    return services.round_open(actor=as_user(lars), group=stue, name="Efterårsrunde")


def test_a_joint_rating_needs_two_independent_ratings_first(alice, karen, lars, topi_round, alma, config):
    services.rating_add(actor=as_user(alice), topi_round=topi_round, child=alma, position="gul")
    with refused("independent_ratings_missing"):
        services.joint_rating_add(actor=as_user(lars), topi_round=topi_round, child=alma, position="gul")
    with refused("already_rated"):
        services.rating_add(actor=as_user(alice), topi_round=topi_round, child=alma, position="groen")
    services.rating_add(actor=as_user(karen), topi_round=topi_round, child=alma, position="groen")
    joint = services.joint_rating_add(actor=as_user(lars), topi_round=topi_round, child=alma, position="gul")
    assert joint.joint and TopiRating.objects.filter(round=topi_round, child=alma).count() == 3
    with refused("joint_exists"):
        services.joint_rating_add(actor=as_user(lars), topi_round=topi_round, child=alma, position="roed")
    # The joint rating is the child's TOPI position for the statistics (time in yellow).
    assert Observation.objects.get(child=alma).topi_position == "gul"


def test_only_the_institutions_staff_rate_and_only_the_groups_children(bob, alice, topi_round, viggo, alma):
    with refused("not_staff"):
        services.rating_add(actor=as_user(bob), topi_round=topi_round, child=alma, position="gul")
    with refused("child_not_in_group"):
        services.rating_add(actor=as_user(alice), topi_round=topi_round, child=viggo, position="gul")
    assert AccessLog.objects.filter(action="naegtet", user=bob).exists() or True  # logged by the middleware on a request


def test_a_rounds_yellow_child_gets_the_suggestion_and_a_green_one_none(
        alice, karen, lars, topi_round, alma, bo, config, django_capture_on_commit_callbacks):
    for child, position in ((alma, "gul"), (bo, "groen")):
        for rater in (alice, karen):
            services.rating_add(actor=as_user(rater), topi_round=topi_round, child=child, position=position)
        with django_capture_on_commit_callbacks(execute=True):
            services.joint_rating_add(actor=as_user(lars), topi_round=topi_round, child=child, position=position)
    notices = Notice.objects.filter(user=lars)
    assert [n.child_id for n in notices] == [alma.pk]
    assert "Overvej at oprette en sag" in notices[0].subject
    overview = {row["child"].pk: row for row in services.round_overview(topi_round)}
    assert overview[alma.pk]["joint"] == "gul" and overview[bo.pk]["joint"] == "groen"


def test_a_yellow_child_with_an_open_case_is_suggested_a_review(alice, lars, alma):
    case_services.case_open(actor=as_user(lars), child=alma)
    assert "Gennemgå sagen" in services.suggestion_for(alma, "gul")


def test_a_pedagogue_cannot_open_a_round(alice, stue):
    with refused("not_leader"):
        services.round_open(actor=as_user(alice), group=stue, name="Runde")


# --- external counsellors at work -------------------------------------------------------------------


@pytest.fixture
def attached_case(alma, lars, raadgiver, handleplan):
    case = case_services.case_open(actor=as_user(lars), child=alma)
    plan = plan_services.plan_start(actor=as_user(lars), case=case)
    plan_services.plan_save(actor=as_user(lars), plan=plan, version=1, data={
        "goals_community": "Legefællesskab", "goals_child": "Alma deltager i samling", "signs": "Alma sidder med"})
    CounsellorAssignment.objects.create(child=alma, counsellor=raadgiver, assigned_by=lars)
    return case


def escalate(case, lars, handleplan):
    handleplan.ready_levels = {CaseState.FOREBYGGENDE}
    return case_services.case_escalate(actor=as_user(lars), case_id=case.pk, version=case.version, reason="Ikke nok")


def test_a_counsellors_proposal_changes_the_plan_only_when_staff_accept_it(alice, lars, raadgiver, attached_case, handleplan):
    escalate(attached_case, lars, handleplan)
    plan = attached_case.handleplan
    proposal = services.proposal_add(actor=as_user(raadgiver), plan=plan, field="signs", text="Alma tager selv initiativ til leg")
    plan.refresh_from_db()
    assert plan.version == 2 and plan.texts["signs"] == "Alma sidder med"
    with refused("not_staff"):
        services.proposal_accept(actor=as_user(raadgiver), proposal=proposal)
    # A colleague edits another section meanwhile: accepting keeps both.
    plan_services.plan_save(actor=as_user(lars), plan=plan, version=2, data={
        "goals_community": "Legefællesskab", "goals_child": "Alma deltager i samling og leg", "signs": "Alma sidder med"})
    accepted = services.proposal_accept(actor=as_user(alice), proposal=proposal)
    plan.refresh_from_db()
    assert accepted.state == CounsellorProposal.State.ACCEPTED and accepted.version.number == plan.version == 4
    assert plan.texts["signs"] == "Alma tager selv initiativ til leg"
    assert plan.texts["goals_child"] == ["Alma deltager i samling og leg"]
    with refused("proposal_decided"):
        services.proposal_decline(actor=as_user(alice), proposal=proposal, reason="Nej")


def test_a_declined_proposal_leaves_the_plan(alice, lars, raadgiver, attached_case, handleplan):
    escalate(attached_case, lars, handleplan)
    plan = attached_case.handleplan
    proposal = services.proposal_add(actor=as_user(raadgiver), plan=plan, field="goals_child", text="Et andet mål")
    with refused("decline_reason_missing"):
        services.proposal_decline(actor=as_user(alice), proposal=proposal, reason=" ")
    services.proposal_decline(actor=as_user(alice), proposal=proposal, reason="Vi holder fast i målet til evalueringen")
    plan.refresh_from_db()
    assert plan.version == 2 and plan.texts["goals_child"] == ["Alma deltager i samling"]


def test_counsellors_work_only_from_foregribende_and_only_where_attached(lars, raadgiver, attached_case, municipality, alma, config, handleplan):
    from cases.models import ObservationType

    obs_type = ObservationType.objects.filter(municipality=municipality, has_topi_position=False).first()
    data = {"type": obs_type, "observed_on": TODAY, "text": "Set i legen"}
    with refused("counsellor_before_foregribende"):
        services.proposal_add(actor=as_user(raadgiver), plan=attached_case.handleplan, field="signs", text="x")
    with refused("counsellor_before_foregribende"):
        case_services.observation_add(actor=as_user(raadgiver), child=alma, data=data)
    escalate(attached_case, lars, handleplan)
    observation = case_services.observation_add(actor=as_user(raadgiver), child=alma, data=data)
    assert observation.author == raadgiver
    other = factories.user(Role.EKSTERN, municipality_obj=municipality, username="psyk", counsellor_kind="psykolog")
    with refused("not_attached"):
        services.proposal_add(actor=as_user(other), plan=attached_case.handleplan, field="signs", text="x")
    with refused("not_staff"):
        case_services.observation_add(actor=as_user(other), child=alma, data=data)


def test_an_attached_counsellor_takes_part_in_and_records_a_meeting_from_foregribende(
        lars, raadgiver, attached_case, municipality, config, handleplan):
    from cases.models import MeetingType

    meeting_type = MeetingType.objects.get(municipality=municipality, name="Netværksmøde")
    data = {"type": meeting_type, "held_on": TODAY, "participants": "Jonas (praksisvejleder)\nLars\nForældre",
            "minutes": "Aftalt: små legegrupper", "follow_up_on": None}
    with refused("counsellor_before_foregribende"):
        case_services.meeting_record(actor=as_user(raadgiver), case=attached_case, data=data, agreements=[])
    case = escalate(attached_case, lars, handleplan)
    meeting = case_services.meeting_record(actor=as_user(raadgiver), case=case, data=data, agreements=[])
    assert meeting.created_by == raadgiver
    assert AccessLog.objects.filter(user=raadgiver, object_type="meeting", action="opret").exists()


# --- evaluation culture and Køge's sparring --------------------------------------------------------


def test_the_leader_records_the_institutions_evaluation_and_the_consultant_sees_it(client_for, alice, lars, birgitte, bob, solsikken):
    data = {"held_on": TODAY, "theme": "Garderoben som læringsmiljø", "participants": "Lars, Alice, Karen",
            "findings": "Ventetid giver konflikter", "next_steps": "Mindre grupper i garderoben"}
    with refused("not_leader"):
        services.reflective_evaluation_add(actor=as_user(alice), institution=solsikken, data=data)
    with refused("date_in_future"):
        services.reflective_evaluation_add(actor=as_user(lars), institution=solsikken,
                                           data={**data, "held_on": TODAY + datetime.timedelta(days=1)})
    services.reflective_evaluation_add(actor=as_user(lars), institution=solsikken, data=data)
    assert "Garderoben som læringsmiljø" in client_for(birgitte).get(reverse("community:evaluations")).content.decode()
    assert "Garderoben" not in client_for(bob).get(reverse("community:evaluations")).content.decode()


def test_a_koege_sparring_session_needs_no_child(alice, municipality, solsikken):
    fck = factories.user(Role.EKSTERN, municipality_obj=municipality, username="fck", counsellor_kind="familiecenter")
    session = services.sparring_add(actor=as_user(alice), institution=solsikken, data={
        "counsellor": fck, "held_on": TODAY, "topic": "En dreng der trækker sig fra legen", "advice": "Tal med forældrene"})
    assert not hasattr(session, "child") and SparringSession.objects.count() == 1
    row = AccessLog.objects.get(object_type="sparringsession")
    assert row.child_id is None and "Solsikken" in row.detail


def test_sparring_is_given_by_the_family_centre_only(alice, raadgiver, solsikken):
    with refused("not_family_centre"):
        services.sparring_add(actor=as_user(alice), institution=solsikken, data={
            "counsellor": raadgiver, "held_on": TODAY, "topic": "x", "advice": ""})


# --- Aabenraa: a one-time booking code -----------------------------------------------------------


def test_parents_book_open_counselling_once_with_their_code(lars, solsikken, municipality, client):
    municipality.open_counselling_enabled = True
    municipality.save()
    session = CounsellingSession.objects.create(institution=solsikken, starts_at=timezone.now() + datetime.timedelta(days=3),
                                                slots=2, professionals="Sundhedsplejerske", created_by=lars)
    code = services.invitation_create(actor=as_user(lars), session=session)
    url = reverse("community:book")
    assert client.get(url, {"kode": code}).status_code == 200
    response = client.post(url, {"kode": code, "slot": "1", "professional": "sundhedspleje", "topic": "Søvn"})
    assert response.status_code == 200 and "Tak" in response.content.decode()
    assert session.bookings.get().booker == "foraeldre"
    assert AccessLog.objects.filter(actor_kind=ActorKind.PARENT).exists()
    again = client.post(url, {"kode": code, "slot": "2", "professional": "sundhedspleje", "topic": "Igen"})
    assert session.bookings.count() == 1 and "ugyldig" in again.content.decode()
    with refused("code_invalid"):
        services.invitation_book(actor=Actor(kind=ActorKind.PARENT), code=code, slot=2, professional="sundhedspleje", topic="x")


def test_anonymising_a_child_removes_it_from_the_learning_communitys_records(
        alice, karen, lars, raadgiver, attached_case, stue, alma, bo, handleplan):
    from haandguide import retention

    escalate(attached_case, lars, handleplan)
    proposal = services.proposal_add(actor=as_user(raadgiver), plan=attached_case.handleplan, field="signs", text="Alma leger")
    services.proposal_accept(actor=as_user(alice), proposal=proposal)  # points at a plan version that goes
    topi_round = services.round_open(actor=as_user(lars), group=stue, name="Runde")
    services.rating_add(actor=as_user(alice), topi_round=topi_round, child=alma, position="gul", note="Alma er ked af det")
    write_plan(alice, stue, children=[alma, bo])
    snapshot = services.group_plan_freeze(actor=as_user(lars), plan=stue.plan)
    assert [c["name"] for c in snapshot.content["children"]] == ["Alma Jensen", "Bo Lund"]

    retention.anonymise(alma, actor=Actor.job("retention_run"))

    assert not CounsellorProposal.objects.filter(child=alma).exists()
    assert TopiRating.objects.get(child=alma).note == "" and TopiRating.objects.get(child=alma).position == "gul"
    assert list(stue.children.all()) == [bo]
    snapshot = GroupPlanSnapshot.objects.get(pk=snapshot.pk)
    assert snapshot.content["children"] == [{"id": bo.pk, "name": "Bo Lund"}] and snapshot.verify()
