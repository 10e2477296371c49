"""District council: deadlines (DST included), rollover, preconditions, agenda job, decisions."""

import datetime
import subprocess
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.defaults import seed_case_configuration
from cases.models import Case, CaseEvent, CaseState, ConsentPurpose, MeetingType
from districtcouncil import services
from districtcouncil.defaults import seed_council_configuration
from districtcouncil.models import (
    Council, CouncilMeeting, CouncilMeetingType, Decision, Letter, ResourceType, Submission, SubmissionState,
)
from haandguide.actors import Actor, ActorKind
from haandguide.exceptions import Refused
from tests.refusals import refused
from haandguide.models import AccessLog, Notice
from handleplan import services as plan_services
from tests import factories
from tests.case_fixtures import as_user, guardians, handleplan  # noqa: F401

CPH = zoneinfo.ZoneInfo("Europe/Copenhagen")
UTC = datetime.UTC
F, G, I = CaseState.FOREBYGGENDE, CaseState.FOREGRIBENDE, CaseState.INDGRIBENDE
PDF = factories.pdf_bytes()  # a real PDF: uploads are parsed (haandguide.lib.files)


def local(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=CPH)


@pytest.fixture
def config(municipality, nord, syd):
    seed_case_configuration(municipality)
    seed_council_configuration(municipality)
    return {
        "council": Council.objects.get(district=nord),
        "type": CouncilMeetingType.objects.get(municipality=municipality, name="Distriktsrådsmøde"),
        "resource": {r.name: r for r in ResourceType.objects.filter(municipality=municipality)},
        "meeting_type": {t.name: t for t in MeetingType.objects.filter(municipality=municipality)},
        "purpose": {p.code: p for p in ConsentPurpose.objects.filter(municipality=municipality)},
    }


def meeting_at(config, when) -> CouncilMeeting:
    return CouncilMeeting.objects.create(council=config["council"], type=config["type"], starts_at=when)


@pytest.fixture
def case(alma, lars, birgitte, config, guardians, handleplan):
    """Alma's case at foregribende, with a plan and the parents' agreement to a submission."""
    case = case_services.case_open(actor=as_user(lars), child=alma)
    plan_services.plan_start(actor=as_user(lars), case=case)
    handleplan.ready_levels = {F, G}
    case = case_services.case_escalate(actor=as_user(lars), case_id=case.pk, version=case.version, reason="Ikke nok")
    case_services.meeting_record(actor=as_user(lars), case=case, data={
        "type": config["meeting_type"]["Netværksmøde"], "held_on": datetime.date(2026, 11, 2),
        "participants": "Lars\nForældre", "minutes": "", "follow_up_on": None},
        agreements=[{"kind": "indstilling", "text": "Indstilling til distriktsrådet", "with_parents": True}])
    return case


def draft(lars, case, meeting, kind=Submission.Kind.RESSOURCEVURDERING, track=Submission.Track.WITH_CPR,
          signed=True):
    return services.submission_create(
        actor=as_user(lars), institution=case.child.institution, child=case.child,
        data={"meeting": meeting, "kind": kind, "track": track, "description": "Barnet har brug for mere støtte."},
        signed_form=SimpleUploadedFile("underskrift.pdf", PDF) if signed else None)


def submit(lars, submission, now):
    return services.submission_submit(actor=as_user(lars), submission_id=submission.pk, version=None, now=now)


# --- deadline ---------------------------------------------------------------------------------


def test_deadline_is_deadline_days_before_at_the_same_local_time(config, municipality):
    meeting = meeting_at(config, local(2026, 12, 10, 13, 0))
    assert meeting.deadline == local(2026, 11, 30, 13, 0)
    municipality.submission_deadline_days = 14
    municipality.save()
    meeting.council.district.municipality.refresh_from_db()
    assert CouncilMeeting.objects.get(pk=meeting.pk).deadline == local(2026, 11, 26, 13, 0)


def test_deadline_across_the_change_to_summer_time(config):
    # Summer time begins 29 March 2026: the meeting is at 09:00 CEST (07:00 UTC); ten days before
    # is 23 March at 09:00 CET, which is 08:00 UTC — not 07:00 UTC as naive UTC arithmetic says.
    meeting = meeting_at(config, local(2026, 4, 2, 9, 0))
    assert meeting.deadline == datetime.datetime(2026, 3, 23, 8, 0, tzinfo=UTC)


def test_submission_exactly_at_the_deadline_reaches_the_meeting(lars, case, config):
    meeting = meeting_at(config, local(2026, 12, 10, 13, 0))
    sent = submit(lars, draft(lars, case, meeting), now=local(2026, 11, 30, 13, 0))
    assert sent.state == SubmissionState.INDSENDT
    assert sent.meeting == meeting and sent.rolled_over_from is None


def test_submission_one_minute_late_goes_to_the_next_meeting_and_the_leader_is_told(client_for, lars, case, config):
    first = meeting_at(config, local(2026, 12, 10, 13, 0))
    second = meeting_at(config, local(2027, 1, 14, 13, 0))
    submission = draft(lars, case, first)
    with time_machine.travel(local(2026, 11, 30, 13, 1), tick=False):
        response = client_for(lars).post(reverse("districtcouncil:submission_submit", args=[submission.pk]),
                                         {"version": submission.version}, follow=True)
    submission.refresh_from_db()
    assert (submission.meeting, submission.rolled_over_from) == (second, first)
    assert "var overskredet" in response.content.decode() and str(second) in response.content.decode()
    assert case.events.filter(action=CaseEvent.Action.SUBMISSION, reason__contains="overskredet").exists()


def test_late_submission_with_no_later_meeting_is_kept_as_a_draft(lars, case, config):
    meeting = meeting_at(config, local(2026, 12, 10, 13, 0))
    submission = draft(lars, case, meeting)
    with refused("deadline_passed"):
        submit(lars, submission, now=local(2026, 11, 30, 13, 1))
    submission.refresh_from_db()
    assert submission.state == SubmissionState.KLADDE


def test_late_across_dst_rolls_over(lars, case, config):
    spring = meeting_at(config, local(2026, 4, 2, 9, 0))
    later = meeting_at(config, local(2026, 5, 7, 9, 0))
    sent = submit(lars, draft(lars, case, spring), now=datetime.datetime(2026, 3, 23, 8, 1, tzinfo=UTC))
    assert sent.meeting == later


# --- preconditions ----------------------------------------------------------------------------


def test_with_cpr_submission_without_signature_is_refused_until_consent_is_recorded(lars, case, config, guardians):
    meeting = meeting_at(config, local(2026, 12, 10, 13, 0))
    submission = draft(lars, case, meeting, signed=False)
    with refused("signature_missing"):
        submit(lars, submission, now=local(2026, 11, 20, 12, 0))
    for guardian in guardians:
        case_services.consent_record(actor=as_user(lars), child=case.child, guardian=guardian,
                                     purpose=config["purpose"]["indstilling_cpr"], given_on=datetime.date(2026, 11, 1))
    assert submit(lars, submission, now=local(2026, 11, 20, 12, 0)).state == SubmissionState.INDSENDT


def test_without_cpr_needs_no_signature(lars, case, config):
    meeting = meeting_at(config, local(2026, 12, 10, 13, 0))
    submission = draft(lars, case, meeting, track=Submission.Track.WITHOUT_CPR, signed=False)
    assert submit(lars, submission, now=local(2026, 11, 20, 12, 0)).state == SubmissionState.INDSENDT


def test_resource_assessment_needs_both_levels_evaluated(lars, case, config, handleplan):
    meeting = meeting_at(config, local(2026, 12, 10, 13, 0))
    submission = draft(lars, case, meeting)
    handleplan.ready_levels = {F}
    with refused("plan_not_ready"):
        submit(lars, submission, now=local(2026, 11, 20, 12, 0))


def test_sparring_does_not_need_evaluated_levels(lars, case, config, handleplan):
    meeting = meeting_at(config, local(2026, 12, 10, 13, 0))
    handleplan.ready_levels = set()
    submission = draft(lars, case, meeting, kind=Submission.Kind.SPARRING)
    assert submit(lars, submission, now=local(2026, 11, 20, 12, 0)).state == SubmissionState.INDSENDT


def test_submission_without_agreement_with_the_parents_is_refused(lars, alma, birgitte, config, handleplan):
    case = case_services.case_open(actor=as_user(lars), child=alma)
    plan_services.plan_start(actor=as_user(lars), case=case)
    meeting = meeting_at(config, local(2026, 12, 10, 13, 0))
    submission = draft(lars, case, meeting, kind=Submission.Kind.SPARRING)
    with refused("agreement_missing"):
        submit(lars, submission, now=local(2026, 11, 20, 12, 0))


def test_pedagogue_cannot_prepare_or_send_a_submission(client_for, alice, lars, case, config):
    meeting = meeting_at(config, local(2026, 12, 10, 13, 0))
    with refused("not_leader"):
        draft(alice, case, meeting)
    submission = draft(lars, case, meeting)
    with refused("not_leader"):
        submit(alice, submission, now=local(2026, 11, 20, 12, 0))
    assert client_for(alice).get(reverse("districtcouncil:submission_create")).status_code == 403


def test_group_submission_goes_without_cpr(lars, solsikken, config):
    meeting = meeting_at(config, local(2026, 12, 10, 13, 0))
    with refused("group_without_cpr"):
        services.submission_create(actor=as_user(lars), institution=solsikken, child=None, data={
            "meeting": meeting, "kind": "sparring", "track": "med_cpr", "description": "x",
            "group_description": "Vuggestuegruppen"})
    submission = services.submission_create(actor=as_user(lars), institution=solsikken, child=None, data={
        "meeting": meeting, "kind": "sparring", "track": "uden_cpr", "description": "x",
        "group_description": "Vuggestuegruppen: mål for læringsmiljøet"})
    assert submit(lars, submission, now=local(2026, 11, 20, 12, 0)).snapshot is None


# --- access -----------------------------------------------------------------------------------


def test_leader_of_another_district_gets_404_on_the_agenda_and_it_is_logged(client_for, bob, lars, case, config):
    meeting = meeting_at(config, local(2026, 12, 10, 13, 0))
    submission = submit(lars, draft(lars, case, meeting), now=local(2026, 11, 20, 12, 0))
    client = client_for(bob)
    for url in [reverse("districtcouncil:meeting_detail", args=[meeting.pk]),
                reverse("districtcouncil:agenda_pdf", args=[meeting.pk]),
                reverse("districtcouncil:submission_detail", args=[submission.pk])]:
        response = client.get(url)
        assert response.status_code == 404
        assert "Alma" not in response.content.decode()
    assert AccessLog.objects.filter(user=bob, action=AccessLog.Action.DENIED).count() == 3


def test_council_members_see_the_agenda_drafts_stay_private(client_for, lars, case, config, solsikken, nord, municipality):
    meeting = meeting_at(config, local(2026, 12, 10, 13, 0))
    submission = draft(lars, case, meeting)
    neighbour = factories.user("leder", institutions=[factories.institution(nord)])
    chef = factories.user("chef", municipality_obj=municipality)
    assert client_for(neighbour).get(reverse("districtcouncil:submission_detail", args=[submission.pk])).status_code == 404
    submit(lars, submission, now=local(2026, 11, 20, 12, 0))
    for member in (neighbour, chef):
        body = client_for(member).get(reverse("districtcouncil:meeting_detail", args=[meeting.pk])).content.decode()
        assert "Alma Jensen" in body
    assert AccessLog.objects.for_child(case.child_id).filter(user=chef, action=AccessLog.Action.LIST).exists()


def test_consultant_sees_only_the_councils_they_serve(client_for, lars, case, config, syd):
    meeting = meeting_at(config, local(2026, 12, 10, 13, 0))
    submission = submit(lars, draft(lars, case, meeting), now=local(2026, 11, 20, 12, 0))
    other = factories.user("konsulent", districts=[syd])
    assert client_for(other).get(reverse("districtcouncil:submission_detail", args=[submission.pk])).status_code == 404
    with refused("not_consultant"):
        services.review_save(actor=as_user(other), submission=submission,
                             data={"notes": "x", "recommendation": "y", "recommended_resource": None})


# --- jobs -------------------------------------------------------------------------------------


def test_deadline_job_run_twice_closes_once_and_notifies_once(lars, birgitte, case, config):
    meeting = meeting_at(config, local(2026, 12, 10, 13, 0))
    submit(lars, draft(lars, case, meeting), now=local(2026, 11, 20, 12, 0))
    assert services.agendas_close_due(actor=Actor.job("agendas_close_due"), now=local(2026, 11, 30, 12, 59)) == 0
    with django_capture_on_commit():
        assert services.agendas_close_due(actor=Actor.job("agendas_close_due"), now=local(2026, 11, 30, 13, 0)) == 1
    with django_capture_on_commit():
        assert services.agendas_close_due(actor=Actor.job("agendas_close_due"), now=local(2026, 11, 30, 14, 0)) == 0
    meeting.refresh_from_db()
    assert meeting.agenda_closed_at == local(2026, 11, 30, 13, 0)
    members = {lars.pk, birgitte.pk}
    notices = Notice.objects.filter(key=f"dagsorden-klar-{meeting.pk}")
    assert set(notices.values_list("user_id", flat=True)) == members
    assert len([m for m in mail.outbox if "dagsordenen" in m.subject]) == len(members)
    assert "Alma" not in mail.outbox[0].body  # no child's name travels by email
    # The close is a change, logged once as the job (no user), under the meeting's municipality.
    closed = AccessLog.objects.get(object_type="councilmeeting", action=AccessLog.Action.UPDATE)
    assert (closed.user, closed.actor_kind, closed.actor_label, closed.municipality_id) == (
        None, ActorKind.JOB, "agendas_close_due", meeting.council.district.municipality_id)


def django_capture_on_commit():
    """Run on_commit callbacks at once (the test runs inside one transaction)."""
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


def test_draft_reminder_is_sent_once_before_the_deadline(lars, case, config):
    meeting = meeting_at(config, local(2026, 12, 10, 13, 0))
    draft(lars, case, meeting)
    assert services.draft_reminders_send(now=local(2026, 11, 20, 12, 0)) == 0  # deadline 10 days away
    assert services.draft_reminders_send(now=local(2026, 11, 28, 12, 0)) == 1
    assert services.draft_reminders_send(now=local(2026, 11, 29, 12, 0)) == 0
    assert Notice.objects.filter(user=lars).count() == 1


# --- decisions --------------------------------------------------------------------------------


def decide(birgitte, submission, resource, **extra):
    data = {"resource_type": resource, "amount_dkk": None, "hours": 40, "mellemform": None,
            "period_start": datetime.date(2026, 12, 10), "period_end": datetime.date(2027, 6, 10),
            "goals": "Deltager i samling med støtte", "follow_up_on": datetime.date(2027, 3, 1),
            "least_intrusive_discussed": True, "notes": "Praksisvejleder alene er ikke nok."}
    data.update(extra)
    return services.decision_record(actor=as_user(birgitte), submission_id=submission.pk, data=data)


@pytest.fixture
def on_agenda(lars, case, config):
    meeting = meeting_at(config, local(2026, 12, 10, 13, 0))
    submission = submit(lars, draft(lars, case, meeting), now=local(2026, 11, 20, 12, 0))
    services.agenda_close(meeting.pk, actor=Actor.job("agenda_close"), now=local(2026, 11, 30, 13, 0))
    return submission


def test_decision_moves_the_case_to_indgribende_and_stores_the_letter(birgitte, on_agenda, config):
    decision = decide(birgitte, on_agenda, config["resource"]["Praksisvejleder"])
    case = Case.objects.get(child=on_agenda.child)
    assert case.state == I
    event = case.events.filter(action=CaseEvent.Action.INTERVENTION).get()
    assert "Distriktsrådets afgørelse" in event.reason and event.actor == birgitte
    assert Submission.objects.get(pk=on_agenda.pk).state == SubmissionState.AFGJORT
    letter = Letter.objects.get(decision=decision)
    assert letter.kind == Letter.Kind.ANSWER and bytes(letter.pdf).startswith(b"%PDF")
    import hashlib

    assert hashlib.sha256(bytes(letter.pdf)).hexdigest() == letter.sha256


def test_decision_requires_the_least_intrusive_option_discussed(birgitte, on_agenda, config):
    with refused("least_intrusive_unconfirmed"):
        decide(birgitte, on_agenda, config["resource"]["Praksisvejleder"], least_intrusive_discussed=False)
    assert Case.objects.get(child=on_agenda.child).state == G


def test_only_the_consultant_records_the_decision(lars, on_agenda, config):
    with refused("not_consultant"):
        decide(lars, on_agenda, config["resource"]["Praksisvejleder"])


def test_frie_midler_needs_an_amount_or_hours(birgitte, on_agenda, config):
    with refused("amount_or_hours_missing"):
        decide(birgitte, on_agenda, config["resource"]["Frie midler"], hours=None)


def test_sparring_only_decision_keeps_the_level(birgitte, on_agenda, config):
    decide(birgitte, on_agenda, config["resource"]["Kun sparring/vejledning"])
    assert Case.objects.get(child=on_agenda.child).state == G


def test_the_snapshot_the_council_saw_is_what_was_sent(client_for, lars, birgitte, on_agenda):
    snapshot = on_agenda.snapshot
    sent_hash, sent_content = snapshot.content_hash, snapshot.content
    plan = on_agenda.child.case.handleplan
    plan_services.plan_save(actor=as_user(lars), plan=plan, version=plan.version,
                            data={"goals_child": "Nyt mål efter indsendelse", "goals_community": "", "signs": "",
                                  "parents": ""})
    snapshot.refresh_from_db()
    assert (snapshot.content_hash, snapshot.content) == (sent_hash, sent_content)
    assert snapshot.verify()
    body = client_for(birgitte).get(reverse("districtcouncil:submission_detail", args=[on_agenda.pk])).content.decode()
    assert "Nyt mål efter indsendelse" not in body


def test_reassessment_task_notifies_leader_and_consultant_once(lars, birgitte, on_agenda, config):
    decision = decide(birgitte, on_agenda, config["resource"]["Praksisvejleder"])
    assert services.reassessments_notify_due(today=datetime.date(2027, 4, 1)) == 0
    assert services.reassessments_notify_due(today=datetime.date(2027, 5, 15)) == 2
    assert services.reassessments_notify_due(today=datetime.date(2027, 5, 16)) == 0
    assert set(Notice.objects.filter(key=f"revurdering-{decision.pk}").values_list("user_id", flat=True)) == {
        lars.pk, birgitte.pk}


def test_reassessment_steps_the_case_down(birgitte, on_agenda, config):
    decision = decide(birgitte, on_agenda, config["resource"]["Praksisvejleder"])
    services.decision_reassess(actor=as_user(birgitte), decision=decision, outcome=Decision.Outcome.STEPPED_DOWN,
                               notes="Målene er nået; barnet deltager i samling.")
    assert Case.objects.get(child=on_agenda.child).state == G


def test_reassessment_can_renew_for_a_new_period(birgitte, on_agenda, config):
    decision = decide(birgitte, on_agenda, config["resource"]["Praksisvejleder"])
    services.decision_reassess(actor=as_user(birgitte), decision=decision, outcome=Decision.Outcome.RENEWED,
                               notes="Delvist nået", data={"least_intrusive_discussed": True})
    renewal = Decision.objects.get(renews=decision)
    assert renewal.period_start == decision.period_end
    assert renewal.period_end == datetime.date(2027, 12, 10)


def test_consultant_visitation_for_chronic_illness_skips_the_council(birgitte, alma, lars, config, handleplan):
    case_services.case_open(actor=as_user(lars), child=alma)
    decision = services.visitation_record(actor=as_user(birgitte), child=alma, basis=Decision.Basis.CHRONIC_ILLNESS,
                                          data={"resource_type": config["resource"]["Ekstra ressourcer ved kronisk sygdom"],
                                                "amount_dkk": 25000, "hours": None, "mellemform": None,
                                                "period_start": datetime.date(2026, 12, 1),
                                                "period_end": datetime.date(2027, 6, 1), "goals": "Deltager i ture",
                                                "follow_up_on": datetime.date(2027, 3, 1), "notes": "Diabetes",
                                                "least_intrusive_discussed": True})
    assert Case.objects.get(child=alma).state == I
    assert decision.letters.count() == 1


def test_agenda_page_and_pdf(client_for, birgitte, on_agenda):
    client = client_for(birgitte)
    meeting = on_agenda.meeting
    assert "Alma Jensen" in client.get(reverse("districtcouncil:meeting_detail", args=[meeting.pk])).content.decode()
    pdf = client.get(reverse("districtcouncil:agenda_pdf", args=[meeting.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_the_agenda_shows_each_submissions_current_recommendation(client_for, birgitte, on_agenda, config):
    """A consultant may revise a review (a new row each time): the agenda shows the newest."""
    resources = list(config["resource"].values())
    url = reverse("districtcouncil:meeting_detail", args=[on_agenda.meeting.pk])
    client = client_for(birgitte)
    assert "Konsulentens anbefaling" not in client.get(url).content.decode()
    for resource in resources[:2]:
        services.review_save(actor=as_user(birgitte), submission=on_agenda,
                             data={"notes": "Vurderet", "recommendation": "Se noter", "recommended_resource": resource})
    with CaptureQueriesContext(connection) as queries:
        body = client.get(url).content.decode()
    assert f"Konsulentens anbefaling: {resources[1]}" in body and f"anbefaling: {resources[0]}<" not in body
    assert sum('"districtcouncil_review"' in q["sql"] for q in queries.captured_queries) == 1
    pdf = client.get(reverse("districtcouncil:agenda_pdf", args=[on_agenda.meeting.pk])).content
    text = " ".join(subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode().split())
    assert "Konsulentens anbefaling" in text and str(resources[1]) in text


def test_decision_form_keeps_input_on_error(client_for, birgitte, on_agenda, config):
    response = client_for(birgitte).post(reverse("districtcouncil:decision_create", args=[on_agenda.pk]), {
        "resource_type": config["resource"]["Praksisvejleder"].pk, "hours": "40", "period_start": "2026-12-10",
        "period_end": "2026-12-01", "follow_up_on": "2027-03-01", "goals": "Mål der ikke må gå tabt"})
    body = response.content.decode()
    assert "Perioden skal slutte efter den starter." in body and "Mål der ikke må gå tabt" in body


def test_meeting_series_is_created_by_the_administrator(client_for, admin_user, config):
    response = client_for(admin_user).post(reverse("districtcouncil:meeting_series"), {
        "council": config["council"].pk, "meeting_type": config["type"].pk, "first_date": "2027-01-14",
        "time": "13:00", "every_weeks": 4, "count": 6, "location": "Rådhuset"})
    assert response.status_code == 302
    starts = [timezone.localtime(m.starts_at) for m in CouncilMeeting.objects.order_by("starts_at")]
    assert len(starts) == 6 and all(s.hour == 13 for s in starts)  # 13:00 local, also after summer time


def test_retention_removes_council_and_plan_texts_but_keeps_the_counts(birgitte, on_agenda, config, municipality):
    """GDPR: after the retention period the submission, decision, letter and handleplan lose every
    text about the child; the grant and the evaluation rows stay for the statistics."""
    from haandguide import retention
    from handleplan.models import Effort, Evaluation, Handleplan, PlanSnapshot, PlanVersion

    plan = Handleplan.objects.get(case__child=on_agenda.child)
    effort = plan_services.effort_add(actor=as_user(birgitte), plan=plan, data={
        "name": "ICDP", "carried_out_by": "Stuens pædagoger", "description": "Alma i lille gruppe",
        "started_on": datetime.date(2026, 10, 1), "evaluation_date": datetime.date(2026, 11, 1)})
    plan_services.evaluation_add(actor=as_user(birgitte), effort=effort, data={
        "evaluated_on": datetime.date(2026, 11, 1), "result": Evaluation.Result.PARTLY,
        "seen": "Alma deltager i den lille gruppe.", "next_step": "Fortsæt",
        "next_evaluation_date": datetime.date(2026, 12, 1)})
    decision = decide(birgitte, on_agenda, config["resource"]["Praksisvejleder"])
    assert PlanSnapshot.objects.filter(plan=plan).exists() and Letter.objects.filter(decision=decision).exists()
    child = on_agenda.child
    child.left_at = datetime.date(2027, 1, 31)
    child.save()
    with time_machine.travel(datetime.date(2027, 1, 31) + datetime.timedelta(days=31 * municipality.retention_months),
                             tick=False):
        assert retention.run(actor=Actor.job("retention_run")) == 1

    submission = Submission.objects.get(pk=on_agenda.pk)
    assert submission.description == "" and submission.snapshot_id is None and not submission.signed_form
    decision.refresh_from_db()
    assert decision.goals == "" and decision.resource_type.name == "Praksisvejleder" and decision.child_id == child.pk
    assert not Letter.objects.filter(decision=decision).exists()
    assert not PlanVersion.objects.filter(plan=plan).exists() and not PlanSnapshot.objects.filter(plan=plan).exists()
    assert list(Evaluation.objects.filter(effort__plan=plan).values_list("seen", "result")) == [
        ("", Evaluation.Result.PARTLY)]
    assert list(Effort.objects.filter(plan=plan).values_list("description", flat=True)) == [""]
    assert Case.objects.get(child=child).state == I


def test_submission_list_is_paginated_filtered_and_logs_each_child(client_for, lars, on_agenda, bob):
    response = client_for(lars).get(reverse("districtcouncil:submission_list"), {"status": "indsendt"})
    body = response.content.decode()
    assert response.status_code == 200 and "Alma" in body
    assert AccessLog.objects.for_child(on_agenda.child_id).filter(user=lars, action=AccessLog.Action.LIST,
                                    detail="Indstillinger").exists()
    assert "Alma" not in client_for(lars).get(reverse("districtcouncil:submission_list"),
                                             {"status": "trukket"}).content.decode()
    # A leader of the other district sees neither the submission nor the child.
    assert "Alma" not in client_for(bob).get(reverse("districtcouncil:submission_list")).content.decode()


def test_submission_list_query_count_does_not_grow(client_for, lars, case, config, django_assert_max_num_queries):
    meeting = meeting_at(config, local(2027, 3, 10, 13, 0))
    for _ in range(3):
        draft(lars, case, meeting, kind=Submission.Kind.SPARRING, track=Submission.Track.WITHOUT_CPR)
    client = client_for(lars)
    # 14: two of them chain the page's access-log rows to the municipality's log (issue 14)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("districtcouncil:submission_list")).status_code == 200
    for _ in range(10):
        draft(lars, case, meeting, kind=Submission.Kind.SPARRING, track=Submission.Track.WITHOUT_CPR)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("districtcouncil:submission_list")).status_code == 200


def test_meeting_archive_lists_every_meeting_of_own_councils_only(client_for, lars, config, alice):
    for months in range(1, 9):
        meeting_at(config, local(2026, months, 10, 13, 0))
    body = client_for(lars).get(reverse("districtcouncil:meeting_archive")).content.decode()
    assert "8 møder" in body
    assert client_for(alice).get(reverse("districtcouncil:meeting_archive")).status_code == 403


def test_a_grant_is_for_the_municipalitys_resource_period_at_most(birgitte, on_agenda, config, municipality):
    assert municipality.resource_period_months == 6
    with refused("period_too_long"):
        decide(birgitte, on_agenda, config["resource"]["Praksisvejleder"], period_end=datetime.date(2027, 6, 11))
    assert decide(birgitte, on_agenda, config["resource"]["Praksisvejleder"],
                  period_end=datetime.date(2027, 6, 10)).period_end == datetime.date(2027, 6, 10)


def test_a_mellemform_placement_is_for_one_child_with_a_handleplan(birgitte, lars, solsikken, config, nord):
    from districtcouncil.models import Mellemform

    meeting = meeting_at(config, local(2026, 12, 10, 13, 0))
    group = services.submission_create(actor=as_user(lars), institution=solsikken, child=None, data={
        "meeting": meeting, "kind": "ressourcevurdering", "track": "uden_cpr", "description": "x",
        "group_description": "Vuggestuegruppen: mål for læringsmiljøet"})
    submit(lars, group, now=local(2026, 11, 20, 12, 0))
    services.agenda_close(meeting.pk, actor=Actor.job("agenda_close"), now=local(2026, 11, 30, 13, 0))
    with refused("mellemform_needs_child_plan"):
        decide(birgitte, group, config["resource"]["Mellemform"], mellemform=Mellemform.objects.filter(
            district=nord).first(), hours=None, amount_dkk=None)


def test_the_answer_to_the_parents_reads_as_a_letter(birgitte, on_agenda, config):
    import subprocess

    decision = decide(birgitte, on_agenda, config["resource"]["Praksisvejleder"])
    pdf = bytes(Letter.objects.get(decision=decision).pdf)
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "Distriktsrådet har på mødet 10. december 2026 behandlet indstillingen om jeres barn" in " ".join(
        text.split())
    assert on_agenda.child.cpr not in text and "Praksisvejleder" in text


# --- query counts at two data sizes (issue 16): the pages must not grow with the data ------------


def queries_for(client, url, params=None) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx)


def test_meeting_archive_query_count_is_the_same_for_3_and_30_meetings(client_for, lars, config):
    client = client_for(lars)
    url = reverse("districtcouncil:meeting_archive")
    for day in range(1, 4):
        meeting_at(config, local(2026, 1, day, 13, 0))
    few = queries_for(client, url)
    for day in range(4, 31):
        meeting_at(config, local(2026, 1, day, 13, 0))
    body = client.get(url).content.decode()
    assert "30 møder" in body
    assert queries_for(client, url) == few


def grant(institution, resource, by, period_start=datetime.date(2026, 1, 1)) -> Decision:
    from cases.models import Basis
    return Decision.objects.create(basis=Basis.COUNCIL, institution=institution, resource_type=resource,
                                   hours=10, period_start=period_start, period_end=datetime.date(2026, 6, 30),
                                   follow_up_on=datetime.date(2026, 3, 1), decided_by=by)


def test_overview_is_paginated_keeps_the_period_and_its_query_count_is_constant(client_for, chef, config, nord):
    resource = next(r for r in config["resource"].values() if r.grants_resource)
    client = client_for(chef)
    url = reverse("districtcouncil:overview")
    period = {"date_from": "2026-01-01", "date_to": "2026-12-31"}
    for n in range(3):
        grant(factories.institution(nord, name=f"Institution {n:02}"), resource, chef)
    few = queries_for(client, url, period)
    for n in range(3, 30):
        grant(factories.institution(nord, name=f"Institution {n:02}"), resource, chef)
    assert queries_for(client, url, period) == few
    body = client.get(url, period).content.decode()
    # 30 rows, one page of settings.PAGE_SIZE: the next page's link keeps the period.
    assert "Institution 00" in body and "Institution 29" not in body and "30 afgørelser" in body
    assert "?date_from=2026-01-01&amp;date_to=2026-12-31&amp;side=2" in body
    second = client.get(url, {**period, "side": 2}).content.decode()
    assert "Institution 29" in second and "Institution 00" not in second
    assert "Side 2" in second and "side=1" in second and "side=3" not in second


def test_overview_pages_without_counting_the_groups(client_for, chef, config, nord):
    """Issue 16: at national size the COUNT over the grouped rows cost more than the page itself."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    resource = next(r for r in config["resource"].values() if r.grants_resource)
    grant(factories.institution(nord, name="Institution 00"), resource, chef)
    client = client_for(chef)
    with CaptureQueriesContext(connection) as queries:
        body = client.get(reverse("districtcouncil:overview")).content.decode()
    assert "Institution 00" in body and "1 afgørelse" in body
    assert not [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT(*) FROM (SELECT")]


def test_overview_empty_states(client_for, chef, config):
    client = client_for(chef)
    url = reverse("districtcouncil:overview")
    assert "Der er endnu ikke tildelt ressourcer" in client.get(url).content.decode()
    body = client.get(url, {"date_from": "2030-01-01"}).content.decode()
    assert "Ingen tildelte ressourcer i perioden" in body


def test_submission_list_query_count_is_the_same_for_3_and_30_submissions(client_for, lars, case, config):
    meeting = meeting_at(config, local(2027, 3, 10, 13, 0))
    client = client_for(lars)
    url = reverse("districtcouncil:submission_list")
    for _ in range(3):
        draft(lars, case, meeting)
    few = queries_for(client, url)
    for _ in range(27):
        draft(lars, case, meeting)
    assert queries_for(client, url) == few


def test_agenda_query_count_is_the_same_for_3_and_30_submissions(client_for, lars, birgitte, case, config):
    meeting = meeting_at(config, local(2026, 12, 10, 13, 0))
    client = client_for(birgitte)
    url = reverse("districtcouncil:meeting_detail", args=[meeting.pk])
    for _ in range(3):
        submit(lars, draft(lars, case, meeting), now=local(2026, 11, 20, 12, 0))
    few = queries_for(client, url)
    for _ in range(27):
        submit(lars, draft(lars, case, meeting), now=local(2026, 11, 20, 12, 0))
    assert meeting.submissions.filter(state=SubmissionState.INDSENDT).count() == 30
    assert queries_for(client, url) == few
