"""Letters to the parents: begrundelse and klagevejledning from the municipality's data
(forvaltningsloven §§ 22–25), Danish amounts and dates, the without-CPR letter for one child or a
group, and the recorded dispatch (how, when, by whom) shown to the leader."""

import datetime
import subprocess

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseEvent, CaseState
from districtcouncil import services
from districtcouncil.defaults import LETTER_TEXTS
from districtcouncil.models import Decision, Letter, LetterWording, Submission
from haandguide.actors import Actor
from haandguide.exceptions import Refused
from tests.refusals import refused
from haandguide.lib.formats import date_da
from haandguide.models import AccessLog
from tests.case_fixtures import as_user, guardians, handleplan  # noqa: F401
from tests.test_districtcouncil import case, config, decide, draft, local, meeting_at, on_agenda, submit  # noqa: F401


def pdf_text(letter: Letter) -> str:
    out = subprocess.run(["pdftotext", "-", "-"], input=bytes(letter.pdf), capture_output=True, check=True).stdout
    return " ".join(out.decode().split())


def on_agenda_as(lars, config, case, *, track, kind=Submission.Kind.RESSOURCEVURDERING, child=True):
    meeting = meeting_at(config, local(2026, 12, 10, 13, 0))
    if child:
        submission = draft(lars, case, meeting, kind=kind, track=track, signed=track == Submission.Track.WITH_CPR)
    else:
        submission = services.submission_create(actor=as_user(lars), institution=case.child.institution, child=None,
                                                 data={"meeting": meeting, "kind": kind, "track": track,
                                                       "description": "Gruppen har svært ved samling.",
                                                       "group_description": "Vuggestuegruppen Myren"})
    submit(lars, submission, now=local(2026, 11, 20, 12, 0))
    services.agenda_close(meeting.pk, actor=Actor.job("agenda_close"), now=local(2026, 11, 30, 13, 0))
    return submission


# --- the letter's content ---------------------------------------------------------------------


def test_the_letter_carries_the_councils_begrundelse_and_the_municipalitys_wording(birgitte, on_agenda, config,
                                                                                    municipality):
    wording = LetterWording.objects.get(municipality=municipality)
    wording.legal_basis = "Afgørelsen bygger på dagtilbudslovens § 4 og kommunens regel R-17."
    wording.appeal_guidance = "Klag til Kommune X, Dagtilbud, senest fire uger efter modtagelsen."
    wording.save()
    decision = decide(birgitte, on_agenda, config["resource"]["Praksisvejleder"],
                      notes="Rådet vurderer, at sparring alene ikke har været nok for Alma.")
    text = pdf_text(decision.letters.get())
    assert "Begrundelse Rådet vurderer, at sparring alene ikke har været nok for Alma." in text
    assert "kommunens regel R-17" in text
    assert "Klagevejledning Klag til Kommune X, Dagtilbud, senest fire uger efter modtagelsen." in text


def test_the_wording_is_seeded_from_haderslevs_profile(municipality, config):
    wording = LetterWording.objects.get(municipality=municipality)
    assert wording.appeal_guidance == LETTER_TEXTS["appeal_guidance"] and "klage" in wording.appeal_guidance
    assert "dagtilbudslovens § 4" in wording.legal_basis


def test_the_administrator_edits_the_wording_in_the_admin(client_for, admin_user, municipality, config):
    wording = LetterWording.objects.get(municipality=municipality)
    client = client_for(admin_user)
    response = client.post(reverse("admin:districtcouncil_letterwording_change", args=[wording.pk]), {
        "municipality": municipality.pk, "legal_basis": "Ny regel.", "appeal_guidance": "Ny klagevejledning."})
    assert response.status_code == 302
    wording.refresh_from_db()
    assert wording.appeal_guidance == "Ny klagevejledning."


def test_begrundelse_is_required_for_a_grant_and_nothing_is_stored_without_it(birgitte, on_agenda, config):
    with refused("reasoning_missing"):
        decide(birgitte, on_agenda, config["resource"]["Praksisvejleder"], notes="  ")
    assert not Decision.objects.exists() and not Letter.objects.exists()
    assert Case.objects.get(child=on_agenda.child).state == CaseState.FOREGRIBENDE


def test_begrundelse_is_required_for_a_refusal_of_a_resource(birgitte, on_agenda, config):
    with refused("reasoning_missing"):
        decide(birgitte, on_agenda, config["resource"]["Ingen ressource"], notes="")
    assert not Decision.objects.exists()


def test_sparring_advice_needs_no_begrundelse(birgitte, lars, case, config):
    submission = on_agenda_as(lars, config, case, track=Submission.Track.WITH_CPR, kind=Submission.Kind.SPARRING)
    assert decide(birgitte, submission, config["resource"]["Kun sparring/vejledning"], notes="").pk


def test_the_decision_form_asks_for_the_begrundelse_and_keeps_the_input(client_for, birgitte, on_agenda, config):
    response = client_for(birgitte).post(reverse("districtcouncil:decision_create", args=[on_agenda.pk]), {
        "resource_type": config["resource"]["Praksisvejleder"].pk, "hours": "40",
        "period_start": "2026-12-10", "period_end": "2027-06-10", "follow_up_on": "2027-03-01",
        "goals": "Deltager i samling", "least_intrusive_discussed": "on", "notes": ""})
    assert "Skriv begrundelsen" in response.content.decode() and "Deltager i samling" in response.content.decode()
    assert not Decision.objects.exists()


def test_amounts_and_dates_are_danish_in_the_letter_and_on_the_page(client_for, birgitte, on_agenda, config):
    decision = decide(birgitte, on_agenda, config["resource"]["Frie midler"], amount_dkk=60000, hours=None)
    text = pdf_text(decision.letters.get())
    assert "60.000 kr." in text and "60000" not in text
    assert "10. december 2026 – 10. juni 2027" in text and "Dec 2026" not in text
    page = client_for(birgitte).get(reverse("districtcouncil:decision_detail", args=[decision.pk])).content.decode()
    assert "60.000 kr." in page and "10. december 2026 – 10. juni 2027" in page


# --- the without-CPR information letter fits its subject ---------------------------------------


def test_the_without_cpr_letter_about_one_child_speaks_of_that_child(birgitte, lars, case, config):
    submission = on_agenda_as(lars, config, case, track=Submission.Track.WITHOUT_CPR)
    letter = decide(birgitte, submission, config["resource"]["Praksisvejleder"], notes="Begrundet.").letters.get()
    assert letter.kind == Letter.Kind.INFORMATION
    text = pdf_text(letter)
    assert "behandlet en indstilling om jeres barn" in text and "uden CPR-nummer" in text
    assert "børnegruppen" not in text.lower() and case.child.cpr not in text and case.child.last_name not in text


def test_the_without_cpr_letter_about_a_group_speaks_of_the_group(birgitte, lars, case, config):
    submission = on_agenda_as(lars, config, case, track=Submission.Track.WITHOUT_CPR, child=False)
    letter = decide(birgitte, submission, config["resource"]["Praksisvejleder"], notes="Begrundet.").letters.get()
    text = pdf_text(letter)
    assert letter.kind == Letter.Kind.INFORMATION
    assert "behandlet en indstilling om børnegruppen" in text and "ikke om det enkelte barn" in text
    assert "Klagevejledning" in text


# --- dispatch ---------------------------------------------------------------------------------


@pytest.fixture
def letter(birgitte, on_agenda, config):
    return decide(birgitte, on_agenda, config["resource"]["Praksisvejleder"]).letters.get()


def dispatch_url(letter):
    return reverse("districtcouncil:letter_dispatch", args=[letter.decision_id, letter.pk])


def test_the_leader_records_the_letter_as_sent_and_sees_it_on_the_decision_and_child_page(client_for, lars,
                                                                                        letter):
    today = timezone.localdate()
    client = client_for(lars)
    decision_page = client.get(reverse("districtcouncil:decision_detail", args=[letter.decision_id])).content.decode()
    assert "Ikke registreret som sendt" in decision_page and "Registrér som sendt" in decision_page
    response = client.post(dispatch_url(letter), {f"brev{letter.pk}-method": Letter.Method.DIGITAL_POST,
                                                  f"brev{letter.pk}-sent_on": today.isoformat()})
    assert response.status_code == 302
    letter.refresh_from_db()
    assert (letter.dispatch_method, letter.dispatched_on, letter.dispatched_by) == (
        Letter.Method.DIGITAL_POST, today, lars)
    assert AccessLog.objects.filter(user=lars, object_type="letter", object_id=str(letter.pk), action=AccessLog.Action.UPDATE,
                                    detail__startswith="Brev sendt").exists()
    assert CaseEvent.objects.filter(case__child=letter.decision.child, reason__contains="Digital Post").exists()
    shown = f"Sendt med Digital Post {date_da(today)} af {lars.get_full_name() or lars}"
    assert shown in client.get(reverse("districtcouncil:decision_detail", args=[letter.decision_id])).content.decode()
    child_page = client.get(reverse("cases:child_detail", args=[letter.decision.child_id])).content.decode()
    assert shown in child_page
    assert reverse("districtcouncil:letter", args=[letter.decision_id, letter.pk]) in child_page


def test_a_letter_is_recorded_as_sent_once(lars, birgitte, letter):
    services.letter_dispatch(actor=as_user(lars), letter_id=letter.pk, method=Letter.Method.MEETING,
                             sent_on=timezone.localdate())
    with refused("letter_dispatched"):
        services.letter_dispatch(actor=as_user(birgitte), letter_id=letter.pk, method=Letter.Method.POST,
                                 sent_on=timezone.localdate())
    letter.refresh_from_db()
    assert letter.dispatch_method == Letter.Method.MEETING and letter.dispatched_by == lars


def test_a_dispatch_in_the_future_is_refused_and_the_input_kept(client_for, lars, letter):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client_for(lars).post(dispatch_url(letter), {f"brev{letter.pk}-method": Letter.Method.POST,
                                                            f"brev{letter.pk}-sent_on": tomorrow.isoformat()})
    assert response.status_code == 400
    page = response.content.decode()
    assert "fremtiden" in page and tomorrow.isoformat() in page
    letter.refresh_from_db()
    assert letter.dispatched_on is None


def test_a_user_out_of_scope_gets_404_and_nothing_is_stored(client_for, bob, letter):
    response = client_for(bob).post(dispatch_url(letter), {f"brev{letter.pk}-method": Letter.Method.POST,
                                                           f"brev{letter.pk}-sent_on": timezone.localdate().isoformat()})
    assert response.status_code == 404
    letter.refresh_from_db()
    assert letter.dispatched_on is None and letter.dispatched_by is None
    assert AccessLog.objects.filter(user=bob, action=AccessLog.Action.DENIED).exists()
    assert not AccessLog.objects.filter(user=bob, detail__startswith="Brev sendt").exists()


def test_a_pedagogue_who_sees_the_child_may_not_record_the_dispatch(client_for, alice, letter):
    response = client_for(alice).post(dispatch_url(letter), {f"brev{letter.pk}-method": Letter.Method.POST,
                                                             f"brev{letter.pk}-sent_on": timezone.localdate().isoformat()})
    assert response.status_code == 400 and "Kun institutionens leder" in response.content.decode()
    letter.refresh_from_db()
    assert letter.dispatched_on is None


def test_the_child_page_query_count_does_not_grow_with_decisions_and_letters(client_for, lars, birgitte, letter,
                                                                             config):
    client = client_for(lars)
    url = reverse("cases:child_detail", args=[letter.decision.child_id])
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    child = letter.decision.child
    for _ in range(3):
        services.visitation_record(actor=as_user(birgitte), child=child, basis=Decision.Basis.CHRONIC_ILLNESS, data={
            "resource_type": config["resource"]["Ekstra ressourcer ved kronisk sygdom"], "amount_dkk": 1000,
            "hours": None, "mellemform": None, "period_start": datetime.date(2026, 12, 1),
            "period_end": datetime.date(2027, 6, 1), "goals": "Mål", "follow_up_on": datetime.date(2027, 3, 1),
            "notes": "Diabetes", "least_intrusive_discussed": True})
    for other in Letter.objects.exclude(pk=letter.pk):
        services.letter_dispatch(actor=as_user(lars), letter_id=other.pk, method=Letter.Method.POST,
                                 sent_on=timezone.localdate())
    with CaptureQueriesContext(connection) as four:
        page = client.get(url).content.decode()
    assert page.count("Sendt med post") == 3
    assert len(four) == len(one)


# --- pages lead on ----------------------------------------------------------------------------


def test_submission_and_decision_link_to_the_child_and_the_child_page_to_them(client_for, lars, letter):
    client = client_for(lars)
    decision = letter.decision
    child_url = reverse("cases:child_detail", args=[decision.child_id])
    submission_url = reverse("districtcouncil:submission_detail", args=[decision.submission_id])
    decision_url = reverse("districtcouncil:decision_detail", args=[decision.pk])
    assert child_url in client.get(submission_url).content.decode()
    decision_page = client.get(decision_url).content.decode()
    assert child_url in decision_page and submission_url in decision_page
    child_page = client.get(child_url).content.decode()
    assert submission_url in child_page and decision_url in child_page


def test_the_child_page_says_when_there_is_nothing_from_the_council(client_for, lars, alma):
    page = client_for(lars).get(reverse("cases:child_detail", args=[alma.pk])).content.decode()
    assert "Ingen indstillinger til distriktsrådet" in page and "Ingen afgørelser endnu." in page


def test_notices_are_links_where_they_lead(client_for, lars):
    from haandguide.models import Notice

    Notice.objects.create(user=lars, key="a", subject="Dagsordenen er klar", url="/distriktsraad/moeder/7/")
    Notice.objects.create(user=lars, key="b", subject="Fremmed adresse", url="//evil.example/")
    client = client_for(lars)
    for url in (reverse("home"), reverse("notice_list")):
        page = client.get(url).content.decode()
        assert '<a href="/distriktsraad/moeder/7/">Dagsordenen er klar</a>' in page
        assert 'href="//evil.example/"' not in page and "Fremmed adresse" in page


def test_counts_agree_with_their_noun(client_for, lars, birgitte, case, config, django_capture_on_commit_callbacks):
    from haandguide.models import Notice

    meeting = meeting_at(config, local(2026, 12, 10, 13, 0))
    submit(lars, draft(lars, case, meeting), now=local(2026, 11, 20, 12, 0))
    with django_capture_on_commit_callbacks(execute=True):
        services.agenda_close(meeting.pk, actor=Actor.job("agenda_close"), now=local(2026, 11, 30, 13, 0))
    assert Notice.objects.filter(user=birgitte, subject__endswith="(1 indstilling)").exists()
    assert "1 indstilling<" in client_for(lars).get(reverse("districtcouncil:submission_list")).content.decode()
