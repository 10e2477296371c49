"""Decisions, periods and re-assessment on every path (issue 13): the period limit, the basis and
resource type fitting, the least intrusive option confirmed, the leader's step down refused during a
granted period, "afventer revurdering" at the period's end with reminders once per interval, the
review history, follow-up within the period and its reminder, and the re-assessment form."""

import datetime
import subprocess

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from cases import services as case_services
from cases.models import Case, CaseEvent, CaseState
from districtcouncil import services
from districtcouncil.models import Decision, Letter, Review, ResourceType, Submission
from haandguide.actors import Actor
from haandguide.exceptions import Refused
from tests.refusals import refused
from haandguide.lib.formats import date_da
from haandguide.models import AccessLog, Notice
from reports import presentation, selectors
from reports.scope import Period, scope_of
from tests import factories
from tests.case_fixtures import as_user, guardians, handleplan  # noqa: F401
from tests.test_districtcouncil import (  # noqa: F401
    case, config, decide, django_capture_on_commit, draft, local, meeting_at, on_agenda, submit,
)

F, G, I = CaseState.FOREBYGGENDE, CaseState.FOREGRIBENDE, CaseState.INDGRIBENDE
START, END = datetime.date(2026, 12, 10), datetime.date(2027, 6, 10)  # decide()'s period


def visitation_data(resource, **extra):
    data = {"resource_type": resource, "amount_dkk": 25000, "hours": 20, "mellemform": None,
            "period_start": datetime.date(2026, 12, 1), "period_end": datetime.date(2027, 6, 1),
            "goals": "Deltager i ture", "follow_up_on": datetime.date(2027, 3, 1), "notes": "Diabetes",
            "least_intrusive_discussed": True}
    data.update(extra)
    return data


@pytest.fixture
def opened(alma, lars, config, handleplan):  # noqa: F811
    return case_services.case_open(actor=as_user(lars), child=alma)


@pytest.fixture
def granted(birgitte, on_agenda, config):  # noqa: F811
    """The council has granted a praksisvejleder 10.12.2026–10.06.2027; the case is indgribende."""
    return decide(birgitte, on_agenda, config["resource"]["Praksisvejleder"])


def chronic(birgitte, alma, config, **extra):
    return services.visitation_record(
        actor=as_user(birgitte), child=alma, basis=Decision.Basis.CHRONIC_ILLNESS,
        data=visitation_data(config["resource"]["Ekstra ressourcer ved kronisk sygdom"], **extra))


def revisit(birgitte, decision, config, **extra):
    data = visitation_data(config["resource"]["Praksisvejleder"], amount_dkk=None, hours=30,
                           least_intrusive_offer="Praksisvejleder i stedet for ekstra ressourcer.")
    data.update(extra)
    return services.revisitation_record(actor=as_user(birgitte), decision=decision, data=data)


def renew(birgitte, decision, **data):
    return services.decision_reassess(actor=as_user(birgitte), decision=decision, outcome=Decision.Outcome.RENEWED,
                                      notes="Delvist nået", data={"least_intrusive_discussed": True, **data})


# --- 3. the resource period limit, on every path --------------------------------------------------

TOO_LONG = "højst vare 6 måneder"


def test_council_decision_longer_than_the_period_is_refused_and_stores_nothing(birgitte, on_agenda, config):
    with refused("period_too_long"):
        decide(birgitte, on_agenda, config["resource"]["Praksisvejleder"], period_end=datetime.date(2027, 6, 11))
    assert not Decision.objects.exists() and Case.objects.get(child=on_agenda.child).state == G


def test_renewal_longer_than_the_period_is_refused_and_stores_nothing(birgitte, granted):
    with refused("period_too_long"):
        renew(birgitte, granted, period_end=END + datetime.timedelta(days=200))
    granted.refresh_from_db()
    assert granted.reassessed_at is None and not granted.renewals.exists()
    renewal = Decision.objects.get(renews=renew(birgitte, granted, period_end=datetime.date(2027, 12, 10)))
    assert (renewal.period_start, renewal.period_end) == (END, datetime.date(2027, 12, 10))


@pytest.mark.parametrize("basis, resource", [
    (Decision.Basis.VISITATION_32, "§ 32-tilbud"),
    (Decision.Basis.CHRONIC_ILLNESS, "Ekstra ressourcer ved kronisk sygdom"),
])
def test_visitation_longer_than_the_period_is_refused_and_stores_nothing(birgitte, alma, config, opened, basis,
                                                                          resource):
    # The issue: a visitation accepted three and a half years.
    with refused("period_too_long"):
        services.visitation_record(actor=as_user(birgitte), child=alma, basis=basis, data=visitation_data(
            config["resource"][resource], period_end=datetime.date(2030, 6, 1)))
    assert not Decision.objects.exists() and Case.objects.get(child=alma).state == F


def test_revisitation_longer_than_the_period_is_refused_and_stores_nothing(birgitte, alma, config, opened):
    earlier = chronic(birgitte, alma, config)
    # The issue: a re-visitation accepted two years.
    with refused("period_too_long"):
        revisit(birgitte, earlier, config, period_end=datetime.date(2028, 12, 1))
    earlier.refresh_from_db()
    assert earlier.reassessed_at is None and Decision.objects.count() == 1


# --- 4. basis and resource type fit; the least intrusive option confirmed on every path -----------


def test_profile_seeds_the_bases_each_resource_type_is_granted_under(config):
    bases = {name: r.bases for name, r in config["resource"].items()}
    assert bases["§ 32-tilbud"] == [Decision.Basis.VISITATION_32]
    assert bases["Ekstra ressourcer ved kronisk sygdom"] == [Decision.Basis.CHRONIC_ILLNESS]
    assert bases["Praksisvejleder"] == [Decision.Basis.COUNCIL]


@pytest.mark.parametrize("basis, resource", [
    (Decision.Basis.VISITATION_32, "Ekstra ressourcer ved kronisk sygdom"),
    (Decision.Basis.CHRONIC_ILLNESS, "§ 32-tilbud"),
])
def test_visitation_basis_and_resource_type_must_fit(birgitte, alma, config, opened, basis, resource):
    with refused("basis_not_allowed"):
        services.visitation_record(actor=as_user(birgitte), child=alma, basis=basis,
                                   data=visitation_data(config["resource"][resource]))
    assert not Decision.objects.exists()


def test_the_bases_are_data_an_administrator_edits(birgitte, on_agenda, config):
    resource = config["resource"]["Praksisvejleder"]
    ResourceType.objects.filter(pk=resource.pk).update(bases=[Decision.Basis.CHRONIC_ILLNESS])
    resource.refresh_from_db()
    with refused("basis_not_allowed"):
        decide(birgitte, on_agenda, resource)
    assert not Decision.objects.exists()


def test_an_administrator_edits_the_bases_in_the_admin(client_for, admin_user, config):
    resource = config["resource"]["§ 32-tilbud"]
    response = client_for(admin_user).post(reverse("admin:districtcouncil_resourcetype_change", args=[resource.pk]), {
        "municipality": resource.municipality_id, "name": resource.name, "description": resource.description,
        "grants_resource": "on", "has_hours": "on", "consultant_only": "on", "order": resource.order, "active": "on",
        "bases": [Decision.Basis.VISITATION_32, Decision.Basis.CHRONIC_ILLNESS]})
    assert response.status_code == 302
    resource.refresh_from_db()
    assert resource.bases == [Decision.Basis.VISITATION_32, Decision.Basis.CHRONIC_ILLNESS]


def test_visitation_without_the_least_intrusive_confirmation_is_refused(birgitte, alma, config, opened):
    with refused("least_intrusive_unconfirmed"):
        chronic(birgitte, alma, config, least_intrusive_discussed=False)
    with refused("least_intrusive_unconfirmed"):
        services.visitation_record(actor=as_user(birgitte), child=alma, basis=Decision.Basis.VISITATION_32,
                                   data=visitation_data(config["resource"]["§ 32-tilbud"], least_intrusive_discussed=False))
    assert not Decision.objects.exists() and Case.objects.get(child=alma).state == F
    assert chronic(birgitte, alma, config).least_intrusive_discussed


def test_revisitation_without_the_least_intrusive_confirmation_is_refused(birgitte, alma, config, opened):
    earlier = chronic(birgitte, alma, config)
    with refused("least_intrusive_unconfirmed"):
        revisit(birgitte, earlier, config, least_intrusive_discussed=False)
    assert Decision.objects.count() == 1


def test_renewal_without_the_least_intrusive_confirmation_is_refused(birgitte, granted):
    with refused("least_intrusive_unconfirmed"):
        renew(birgitte, granted, least_intrusive_discussed=False)
    granted.refresh_from_db()
    assert granted.reassessed_at is None and not granted.renewals.exists()


def test_the_visitation_form_asks_for_the_confirmation(client_for, birgitte, alma, config, opened):
    url = reverse("districtcouncil:visitation", args=[alma.pk]) + "?grundlag=kronisk_sygdom"
    page = client_for(birgitte).get(url).content.decode()
    assert 'name="least_intrusive_discussed"' in page
    response = client_for(birgitte).post(url, {
        "basis": "kronisk_sygdom", "resource_type": config["resource"]["Ekstra ressourcer ved kronisk sygdom"].pk,
        "amount_dkk": "25000", "period_start": "2026-12-01", "period_end": "2027-06-01", "follow_up_on": "2027-03-01",
        "goals": "Deltager i ture"})
    assert "Den mindst indgribende indsats skal altid være drøftet" in response.content.decode()
    assert not Decision.objects.exists()


# --- 2. no step down past the council; afventer revurdering at the period's end -------------------


def test_leader_cannot_step_down_from_indgribende_during_a_granted_period(client_for, lars, granted):
    case = Case.objects.get(child=granted.child)
    with refused("grant_running"):
        case_services.case_de_escalate(actor=as_user(lars), case_id=case.pk, version=case.version, reason="Bedre")
    response = client_for(lars).post(reverse("cases:case_transition", args=[case.child_id, "de_escalate"]),
                                     {"version": case.version, "reason": "Bedre"})
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.state == I and not case.events.filter(action=CaseEvent.Action.DE_ESCALATED).exists()
    page = client_for(lars).get(reverse("cases:child_detail", args=[case.child_id])).content.decode()
    assert "Ressourcen er bevilget til 10. juni 2027" in page and "sker ved afgørelsens revurdering" in page


def test_stepping_down_goes_through_the_decisions_reassessment(birgitte, lars, granted):
    services.decision_reassess(actor=as_user(birgitte), decision=granted, outcome=Decision.Outcome.STEPPED_DOWN,
                               notes="Målene er nået")
    assert Case.objects.get(child=granted.child).state == G


def test_a_period_that_ends_awaits_reassessment_by_date_and_by_the_job(client_for, lars, birgitte, granted):
    assert not granted.is_awaiting_reassessment(END - datetime.timedelta(days=1))
    assert granted.is_awaiting_reassessment(END)  # by date, before any job ran
    assert list(Decision.objects.awaiting_reassessment(END)) == [granted]
    with django_capture_on_commit():
        assert services.reassessments_remind_overdue(today=END) == 2
    granted.refresh_from_db()
    assert granted.awaiting_reassessment_since == END
    with time_machine.travel(local(2027, 6, 11, 9, 0), tick=False):
        for user in (lars, birgitte):
            home = client_for(user).get(reverse("home")).content.decode()
            assert "Afventer revurdering" in home
        child_page = client_for(lars).get(reverse("cases:child_detail", args=[granted.child_id])).content.decode()
        assert "Afventer revurdering" in child_page
        assert reverse("districtcouncil:decision_detail", args=[granted.pk]) in child_page
        decision_page = client_for(birgitte).get(reverse("districtcouncil:decision_detail", args=[granted.pk]))
        assert "Afventer revurdering" in decision_page.content.decode()


def test_overdue_reminders_repeat_once_per_interval(lars, birgitte, granted, municipality):
    assert municipality.reassessment_reminder_days == 14
    assert services.reassessments_remind_overdue(today=END - datetime.timedelta(days=1)) == 0
    assert services.reassessments_remind_overdue(today=END) == 2
    assert services.reassessments_remind_overdue(today=END) == 0  # the job ran twice: once
    assert services.reassessments_remind_overdue(today=END + datetime.timedelta(days=13)) == 0
    assert services.reassessments_remind_overdue(today=END + datetime.timedelta(days=14)) == 2
    assert services.reassessments_remind_overdue(today=END + datetime.timedelta(days=20)) == 0
    municipality.reassessment_reminder_days = 7
    municipality.save()
    assert services.reassessments_remind_overdue(today=END + datetime.timedelta(days=21)) == 2
    notice = Notice.objects.filter(user=lars).order_by("pk").first()
    assert "Alma Jensen" in notice.subject  # the app names the child …
    assert notice.url == reverse("districtcouncil:decision_detail", args=[granted.pk])
    overdue_mail = [m for m in mail.outbox if "afventer revurdering" in m.subject]
    assert overdue_mail and all("Alma" not in m.subject + m.body for m in overdue_mail)  # … the email never
    services.decision_reassess(actor=as_user(birgitte), decision=granted, outcome=Decision.Outcome.STEPPED_DOWN,
                               notes="Målene er nået")
    assert services.reassessments_remind_overdue(today=END + datetime.timedelta(days=60)) == 0


def test_the_notice_before_the_period_ends_names_the_child_in_the_app_only(lars, granted):
    assert services.reassessments_notify_due(today=END - datetime.timedelta(days=10)) == 2
    notice = Notice.objects.get(user=lars, key=f"revurdering-{granted.pk}")
    assert "Alma Jensen" in notice.subject and notice.url.endswith(f"/afgoerelser/{granted.pk}/")
    assert all("Alma" not in m.subject + m.body for m in mail.outbox)


def test_statistics_count_overdue_reassessments(birgitte, granted, municipality):
    scope = scope_of(municipality)
    period = Period(datetime.date(2027, 1, 1), datetime.date(2027, 12, 31))
    assert selectors.overdue_reassessments(scope, period, today=END - datetime.timedelta(days=1))["overdue"] == 0
    assert selectors.overdue_reassessments(scope, period, today=END)["overdue"] == 1
    section = presentation.deadlines_section(
        {"rows": [], "on_time": 0, "rolled_over": 0},
        {"on_time": 0, "late": 0, "unplanned": 0, "overdue": 0, "as_of": END},
        selectors.overdue_reassessments(scope, period, today=END))
    assert ["Forfaldne revurderinger (afventer revurdering)", "< 5", ""] in section["rows"]
    with time_machine.travel(local(2027, 7, 1, 9, 0), tick=False):
        services.decision_reassess(actor=as_user(birgitte), decision=granted, outcome=Decision.Outcome.STEPPED_DOWN,
                                   notes="Målene er nået")
    assert selectors.overdue_reassessments(scope, period, today=datetime.date(2027, 8, 1))["overdue"] == 0


# --- 1. the re-assessment form posts to its handler and keeps the input --------------------------


def test_the_reassessment_form_posts_to_its_handler_with_no_outcome_chosen(client_for, birgitte, granted):
    page = client_for(birgitte).get(reverse("districtcouncil:decision_detail", args=[granted.pk])).content.decode()
    assert f'action="{reverse("districtcouncil:decision_reassess", args=[granted.pk])}"' in page
    assert 'value="forlaenget" selected' not in page and 'value="" selected' in page


def test_a_refused_reassessment_keeps_the_input_and_says_why(client_for, birgitte, granted):
    url = reverse("districtcouncil:decision_reassess", args=[granted.pk])
    response = client_for(birgitte).post(url, {"outcome": "forlaenget", "notes": "Evaluering der ikke må gå tabt",
                                               "goals": "Nye mål"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "Evaluering der ikke må gå tabt" in body and "Nye mål" in body
    assert "Den mindst indgribende indsats skal altid være drøftet" in body
    assert "Revurderingen er ikke registreret" in body
    assert 'value="forlaenget" selected' in body
    granted.refresh_from_db()
    assert granted.reassessed_at is None
    assert AccessLog.objects.filter(action=AccessLog.Action.REFUSED, object_type="decision",
                                    object_id=str(granted.pk), child_id=granted.child_id,
                                    detail__contains="mindst indgribende").exists()


def test_a_reassessment_through_the_page_steps_down_and_says_so(client_for, birgitte, granted):
    url = reverse("districtcouncil:decision_reassess", args=[granted.pk])
    response = client_for(birgitte).post(url, {"outcome": "ned", "notes": "Målene er nået"}, follow=True)
    assert "Revurderingen er registreret" in response.content.decode()
    assert Case.objects.get(child=granted.child).state == G


def letter_text(letter) -> str:
    return " ".join(subprocess.run(["pdftotext", "-", "-"], input=bytes(letter.pdf), capture_output=True,
                                   check=True).stdout.decode().split())


def test_a_reassessment_that_ends_the_resource_answers_the_parents_in_writing(birgitte, granted):
    """The walk stepped a child down at the period's end and the parents heard nothing: ending a
    granted resource is a decision, with begrundelse and klagevejledning like the grant."""
    services.decision_reassess(actor=as_user(birgitte), decision=granted, outcome="ned",
                               notes="Målene er nået; barnet deltager i samling uden støtte.")
    letter = granted.letters.get(kind=Letter.Kind.REASSESSMENT)
    text = letter_text(letter)
    assert "Afgørelse: revurdering ved periodens udløb" in text and "indsatsen ophører" in text
    assert "Begrundelse Målene er nået; barnet deltager i samling uden støtte." in text
    assert "Klagevejledning" in text and granted.child.cpr not in text
    page = Client()
    page.force_login(birgitte)
    html = page.get(reverse("districtcouncil:decision_detail", args=[granted.pk])).content.decode()
    assert "Skriftligt svar på revurderingen" in html and "Registrér som sendt" in html


def test_a_renewal_answers_the_parents_with_the_new_period(birgitte, granted):
    renew(birgitte, granted)
    renewal = granted.renewals.get()
    text = letter_text(renewal.letters.get(kind=Letter.Kind.ANSWER))
    assert f"Periode {date_da(renewal.period_start)} – {date_da(renewal.period_end)}" in text
    assert "Klagevejledning" in text
    assert not granted.letters.filter(kind=Letter.Kind.REASSESSMENT).exists()


def test_a_refused_reassessment_writes_no_letter(birgitte, granted):
    with refused("evaluation_missing"):
        services.decision_reassess(actor=as_user(birgitte), decision=granted, outcome="ned", notes=" ")
    assert list(granted.letters.values_list("kind", flat=True)) == [Letter.Kind.ANSWER]


# --- 7. the consultant's review history --------------------------------------------------------------


def test_each_review_is_kept_and_shown_as_history(client_for, birgitte, on_agenda, config):
    client = client_for(birgitte)
    url = reverse("districtcouncil:review_save", args=[on_agenda.pk])
    client.post(url, {"notes": "Første vurdering", "recommendation": "Praksisvejleder"})
    client.post(url, {"notes": "Anden vurdering efter samtale", "recommendation": "Frie midler"})
    assert list(Review.objects.filter(submission=on_agenda).values_list("notes", flat=True)) == [
        "Anden vurdering efter samtale", "Første vurdering"]
    page = client.get(reverse("districtcouncil:submission_detail", args=[on_agenda.pk])).content.decode()
    assert "Anden vurdering efter samtale" in page and "Første vurdering" in page
    assert "Tidligere vurderinger (1)" in page and "Birgitte" in page


def test_the_recommended_resource_and_the_recommendation_read_apart(client_for, birgitte, on_agenda, config):
    """The walk's review read "Anbefaling: Frie midler Frie midler i et halvt år …" (run together)."""
    client = client_for(birgitte)
    frie_midler = config["resource"]["Frie midler"]
    url = reverse("districtcouncil:review_save", args=[on_agenda.pk])
    client.post(url, {"notes": "Første", "recommended_resource": frie_midler.pk, "recommendation": "Et halvt år."})
    client.post(url, {"notes": "Anden", "recommended_resource": "", "recommendation": "Kun sparring."})
    page = client.get(reverse("districtcouncil:submission_detail", args=[on_agenda.pk])).content.decode()
    assert "<strong>Anbefaling:</strong> Kun sparring.</p>" in page
    assert "<strong>Anbefaling:</strong> Frie midler – Et halvt år.</div>" in page


# --- 9. follow-up within the period, a sensible default and its reminder --------------------------


@pytest.mark.parametrize("follow_up", [datetime.date(2026, 12, 1), datetime.date(2027, 6, 11)])
def test_follow_up_outside_the_period_is_refused(birgitte, on_agenda, config, follow_up):
    with refused("follow_up_outside_period"):
        decide(birgitte, on_agenda, config["resource"]["Praksisvejleder"], follow_up_on=follow_up)
    assert not Decision.objects.exists()


def test_visitation_follow_up_outside_the_period_is_refused(birgitte, alma, config, opened):
    with refused("follow_up_outside_period"):
        chronic(birgitte, alma, config, follow_up_on=datetime.date(2026, 11, 1))
    assert not Decision.objects.exists()


def test_default_follow_up_is_weeks_after_the_start_and_never_before_the_decision(client_for, birgitte, on_agenda,
                                                                                   municipality):
    assert services.default_follow_up(municipality, START, END, decided_on=datetime.date(2026, 12, 10)) == \
        START + datetime.timedelta(weeks=12)
    late = services.default_follow_up(municipality, START, END, decided_on=datetime.date(2027, 1, 20))
    assert late == datetime.date(2027, 1, 20) + datetime.timedelta(weeks=12)
    assert services.default_follow_up(municipality, START, END, decided_on=datetime.date(2027, 5, 1)) == END
    municipality.follow_up_weeks = 4
    municipality.save()
    with time_machine.travel(local(2026, 12, 10, 15, 0), tick=False):
        page = client_for(birgitte).get(reverse("districtcouncil:decision_create", args=[on_agenda.pk]))
    assert 'name="follow_up_on" value="2027-01-07"' in page.content.decode()


def test_follow_up_reminds_the_consultant_once(birgitte, lars, granted):
    follow_up = granted.follow_up_on
    assert services.follow_ups_remind_due(today=follow_up - datetime.timedelta(days=1)) == 0
    assert services.follow_ups_remind_due(today=follow_up) == 1
    assert services.follow_ups_remind_due(today=follow_up) == 0
    assert services.follow_ups_remind_due(today=follow_up + datetime.timedelta(days=1)) == 0
    notice = Notice.objects.get(key=f"opfoelgning-{granted.pk}")
    assert notice.user == birgitte and notice.url.endswith(f"/afgoerelser/{granted.pk}/")
    assert all("Alma" not in m.subject + m.body for m in mail.outbox)
    assert settings.CELERY_BEAT_SCHEDULE["send-follow-up-reminders"]["task"] == \
        "districtcouncil.tasks.send_follow_up_reminders"


# --- 12. the consultant's work lists, the decision button, the leader told -----------------------


def test_decision_button_shows_the_reason_before_the_agenda_closes(client_for, lars, birgitte, case, config):
    meeting = meeting_at(config, local(2026, 12, 10, 13, 0))
    submission = submit(lars, draft(lars, case, meeting), now=local(2026, 11, 20, 12, 0))
    client = client_for(birgitte)
    with time_machine.travel(local(2026, 11, 25, 12, 0), tick=False):
        page = client.get(reverse("districtcouncil:submission_detail", args=[submission.pk])).content.decode()
        assert "Dagsordenen lukker 30. november 2026 kl. 13.00" in page
        assert reverse("districtcouncil:decision_create", args=[submission.pk]) not in page
        form = client.get(reverse("districtcouncil:decision_create", args=[submission.pk]), follow=True)
        assert "Dagsordenen lukker" in form.content.decode() and 'name="resource_type"' not in form.content.decode()
    assert AccessLog.objects.filter(action=AccessLog.Action.REFUSED, object_type="submission",
                                    object_id=str(submission.pk), child_id=submission.child_id,
                                    detail__startswith="Nægtet [", detail__contains="Dagsordenen lukker").exists()
    services.agenda_close(meeting.pk, actor=Actor.job("agenda_close"), now=local(2026, 11, 30, 13, 0))
    client = client_for(birgitte)  # a fresh session: the travelled one has idled out
    page = client.get(reverse("districtcouncil:submission_detail", args=[submission.pk])).content.decode()
    assert reverse("districtcouncil:decision_create", args=[submission.pk]) in page


def test_work_lists_awaiting_review_decision_and_reassessment(client_for, birgitte, on_agenda, config):
    client = client_for(birgitte)
    url = reverse("districtcouncil:submission_list")
    assert "Alma Jensen" in client.get(url, {"liste": "vurdering"}).content.decode()
    assert "Alma Jensen" not in client.get(url, {"liste": "afgoerelse"}).content.decode()
    services.review_save(actor=as_user(birgitte), submission=on_agenda,
                         data={"notes": "Set", "recommendation": "Praksisvejleder", "recommended_resource": None})
    assert "Alma Jensen" not in client.get(url, {"liste": "vurdering"}).content.decode()
    assert "Alma Jensen" in client.get(url, {"liste": "afgoerelse"}).content.decode()
    decision = decide(birgitte, on_agenda, config["resource"]["Praksisvejleder"])
    assert "Alma Jensen" not in client.get(url, {"liste": "revurdering"}).content.decode()
    with time_machine.travel(local(2027, 6, 12, 9, 0), tick=False):
        listed = client_for(birgitte).get(url, {"liste": "revurdering"}).content.decode()
    assert "Alma Jensen" in listed and reverse("districtcouncil:decision_detail", args=[decision.pk]) in listed


def test_reassessment_list_query_count_does_not_grow(client_for, birgitte, lars, solsikken, config,
                                                     django_assert_max_num_queries):
    resource = config["resource"]["Praksisvejleder"]

    def add(n):
        for _ in range(n):
            child = factories.child(solsikken)
            Decision.objects.create(basis=Decision.Basis.COUNCIL, institution=solsikken, child=child,
                                    resource_type=resource, hours=10, period_start=datetime.date(2026, 1, 1),
                                    period_end=datetime.date(2026, 7, 1), follow_up_on=datetime.date(2026, 3, 1),
                                    least_intrusive_discussed=True, decided_by=birgitte)

    client = client_for(birgitte)
    url = reverse("districtcouncil:submission_list")
    add(2)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url, {"liste": "revurdering"}).status_code == 200
    add(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert "22 afgørelser afventer revurdering" in client.get(url, {"liste": "revurdering"}).content.decode()


def test_the_leader_is_told_when_the_council_has_decided(lars, birgitte, on_agenda, config):
    with django_capture_on_commit():
        decision = decide(birgitte, on_agenda, config["resource"]["Praksisvejleder"])
    notice = Notice.objects.get(user=lars, key=f"afgoerelse-{decision.pk}")
    assert "Alma Jensen" in notice.subject
    assert notice.url == reverse("districtcouncil:decision_detail", args=[decision.pk])
    decided_mail = [m for m in mail.outbox if "truffet en afgørelse" in m.subject]
    assert len(decided_mail) == 1 and "Alma" not in decided_mail[0].subject + decided_mail[0].body


def test_the_council_papers_link_to_the_child_only_for_those_who_may_open_it(client_for, lars, chef, granted):
    """The head of daycare reads the submission and the decision but no child records: a link to
    the child's page would answer them 404 (found walking the pages as each role)."""
    child_page = reverse("cases:child_detail", args=[granted.child_id])
    pages = [reverse("districtcouncil:decision_detail", args=[granted.pk]),
             reverse("districtcouncil:submission_detail", args=[granted.submission_id])]
    for page in pages:
        seen_by_chef = client_for(chef).get(page)
        assert seen_by_chef.status_code == 200 and child_page not in seen_by_chef.content.decode()
        assert child_page in client_for(lars).get(page).content.decode()
    assert client_for(chef).get(child_page).status_code == 404
