"""Hostile input at the handleplan, district council and statistics forms (the case forms are in
test_bad_input.py): never a 500, a Danish error with the input kept, nothing stored on refusal."""

import datetime

from hypothesis import given
from django.urls import reverse

from districtcouncil.models import Decision, Review, Submission
from handleplan import services as plan_services
from handleplan.models import Effort, Evaluation, PlanVersion
from tests.case_fixtures import as_user, guardians, handleplan  # noqa: F401
from tests.test_bad_input import HOSTILE, SETTINGS, check
from tests.test_districtcouncil import case, config, draft, local, meeting_at, on_agenda  # noqa: F401

DATES = HOSTILE | __import__("hypothesis").strategies.sampled_from(["2026-11-01", "2026-13-01", "01.11.2026", ""])


@SETTINGS
@given(goals=HOSTILE, signs=HOSTILE, voice=HOSTILE, start=DATES)
def test_plan_form_survives_hostile_input(client_for, lars, case, goals, signs, voice, start):
    plan = case.handleplan
    versions = PlanVersion.objects.filter(plan=plan).count()
    response = client_for(lars).post(reverse("handleplan:plan_edit", args=[case.child_id]), {
        "version": plan.version, "goals_child": goals, "signs": signs, "voice_se_mig": voice,
        "period_start": start, "goals_community": "", "parents": ""})
    if not check(response, {"goals_child": goals, "signs": signs, "voice_se_mig": voice}):
        assert PlanVersion.objects.filter(plan=plan).count() == versions
    elif PlanVersion.objects.filter(plan=plan).count() > versions:
        plan.refresh_from_db()
        assert all(line in goals for line in plan.texts["goals_child"])  # stored as typed, one goal per line


@SETTINGS
@given(name=HOSTILE, description=HOSTILE, started=DATES, evaluation=DATES)
def test_effort_form_survives_hostile_input(client_for, lars, case, name, description, started, evaluation):
    efforts = Effort.objects.count()
    response = client_for(lars).post(reverse("handleplan:effort_add", args=[case.child_id]), {
        "other_name": name, "description": description, "carried_out_by": name,
        "started_on": started, "evaluation_date": evaluation})
    if not check(response, {"other_name": name, "description": description}):
        assert Effort.objects.count() == efforts


@SETTINGS
@given(seen=HOSTILE, next_step=HOSTILE, evaluated=DATES, result=HOSTILE)
def test_evaluation_form_survives_hostile_input(client_for, lars, case, seen, next_step, evaluated, result):
    effort = Effort.objects.filter(plan=case.handleplan).first() or plan_services.effort_add(
        actor=as_user(lars), plan=case.handleplan, data={
            "name": "ICDP", "carried_out_by": "Stuen", "started_on": datetime.date(2026, 10, 1),
            "evaluation_date": datetime.date(2026, 11, 1)})
    evaluations = Evaluation.objects.count()
    response = client_for(lars).post(reverse("handleplan:evaluation_add", args=[case.child_id, effort.pk]), {
        "evaluated_on": evaluated, "result": result, "seen": seen, "next_step": next_step})
    if not check(response, {"seen": seen, "next_step": next_step}):
        assert Evaluation.objects.count() == evaluations


@SETTINGS
@given(description=HOSTILE, group=HOSTILE, kind=HOSTILE)
def test_submission_form_survives_hostile_input(client_for, lars, case, config, description, group, kind):
    meeting = meeting_at(config, local(2027, 3, 10, 13, 0))
    submissions = Submission.objects.count()
    response = client_for(lars).post(reverse("districtcouncil:submission_create") + f"?barn={case.child_id}", {
        "meeting": meeting.pk, "child": case.child_id, "kind": kind, "track": "uden_cpr",
        "description": description, "group_description": group})
    if not check(response, {"description": description}):
        assert Submission.objects.count() == submissions


@SETTINGS
@given(notes=HOSTILE, recommendation=HOSTILE)
def test_review_form_survives_hostile_input(client_for, birgitte, on_agenda, notes, recommendation):
    reviews = list(Review.objects.values_list("notes", flat=True))
    response = client_for(birgitte).post(reverse("districtcouncil:review_save", args=[on_agenda.pk]), {
        "notes": notes, "recommendation": recommendation})
    if not check(response, {"notes": notes, "recommendation": recommendation}):
        assert list(Review.objects.values_list("notes", flat=True)) == reviews


@SETTINGS
@given(goals=HOSTILE, amount=HOSTILE, start=DATES, end=DATES)
def test_decision_form_survives_hostile_input(client_for, birgitte, on_agenda, config, goals, amount, start, end):
    response = client_for(birgitte).post(reverse("districtcouncil:decision_create", args=[on_agenda.pk]), {
        "resource_type": config["resource"]["Frie midler"].pk, "amount_dkk": amount, "period_start": start,
        "period_end": end, "goals": goals, "follow_up_on": end, "least_intrusive_discussed": "on"})
    if not check(response, {"goals": goals}):
        assert not Decision.objects.exists()


@SETTINGS
@given(start=HOSTILE, end=HOSTILE)
def test_statistics_period_survives_hostile_query_strings(client_for, lars, solsikken, start, end):
    response = client_for(lars).get(reverse("reports:statistics", args=["institution", solsikken.pk]),
                                    {"fra": start, "til": end})
    assert response.status_code in (200, 400)


# --- Aabenraa's activities (åben rådgivning, familiegrupper) ------------------------------------


def _aabenraa(municipality):
    municipality.open_counselling_enabled = municipality.family_groups_enabled = True
    municipality.save()


@SETTINGS
@given(professionals=HOSTILE, starts=HOSTILE, slots=HOSTILE)
def test_counselling_session_form_survives_hostile_input(client_for, lars, solsikken, municipality, professionals,
                                                         starts, slots):
    from cases.models import CounsellingSession

    _aabenraa(municipality)
    before = CounsellingSession.objects.count()
    response = client_for(lars).post(reverse("cases:counselling_create"), {
        "institution": solsikken.pk, "starts_at": starts, "slots": slots, "slot_minutes": "30",
        "professionals": professionals, "location": professionals})
    if not check(response, {"professionals": professionals}):
        assert CounsellingSession.objects.count() == before


@SETTINGS
@given(topic=HOSTILE, slot=HOSTILE, booker=HOSTILE)
def test_counselling_booking_form_survives_hostile_input(client_for, lars, alma, solsikken, municipality, topic,
                                                         slot, booker):
    from django.utils import timezone

    from cases import services as case_services
    from cases.models import CounsellingBooking, CounsellingSession

    _aabenraa(municipality)
    session = CounsellingSession.objects.first() or case_services.counselling_session_create(
        actor=as_user(lars), institution=solsikken,
        data={"starts_at": timezone.now(), "slots": 3, "slot_minutes": 30, "professionals": "PPR"})
    before = CounsellingBooking.objects.count()
    response = client_for(lars).post(reverse("cases:counselling_book", args=[session.pk]), {
        "slot": slot, "booker": booker, "professional": "sundhedspleje", "child": alma.pk, "topic": topic})
    if not check(response, {"topic": topic}):
        assert CounsellingBooking.objects.count() == before


@SETTINGS
@given(name=HOSTILE, purpose=HOSTILE, theme=HOSTILE, held_on=DATES)
def test_family_group_forms_survive_hostile_input(client_for, lars, solsikken, municipality, name, purpose, theme,
                                                  held_on):
    from cases import services as case_services
    from cases.models import FamilyGroup, FamilyGroupSession

    _aabenraa(municipality)
    before = FamilyGroup.objects.count()
    response = client_for(lars).post(reverse("cases:family_group_create"), {
        "institution": solsikken.pk, "name": name, "purpose": purpose, "facilitators": name})
    if not check(response, {"name": name, "purpose": purpose}):
        assert FamilyGroup.objects.count() == before
    group = FamilyGroup.objects.first() or case_services.family_group_create(
        actor=as_user(lars), institution=solsikken, data={"name": "Gruppe", "purpose": "Netværk"})
    sessions = FamilyGroupSession.objects.count()
    response = client_for(lars).post(reverse("cases:family_group_session_add", args=[group.pk]),
                                     {"held_on": held_on, "theme": theme, "activity": purpose})
    if not check(response, {"theme": theme, "activity": purpose}):
        assert FamilyGroupSession.objects.count() == sessions
