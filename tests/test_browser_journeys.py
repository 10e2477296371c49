"""Each role's main journey, end to end in a real browser against a live server.

The state before a journey is built through the services (the way the app itself gets there);
the journey's own steps are clicks and typing in the UI. Every main page is screenshotted and
checked with axe-core (`screenshot_and_axe`).
"""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import expect

from cases import services as case_services
from cases.defaults import seed_case_configuration
from cases.models import Case, CaseState, MeetingType, Observation
from districtcouncil import services as council_services
from districtcouncil.defaults import seed_council_configuration
from districtcouncil.models import Council, CouncilMeeting, CouncilMeetingType, Review, Submission, SubmissionState
from handleplan import catalogue as plan_catalogue
from handleplan import services as plan_services
from handleplan.readiness import HandleplanPort
from haandguide.lib.formats import datetime_da
from handleplan.models import EffortCatalogueEntry, Evaluation, Handleplan
from reports.models import Report
from tests import factories
from tests.browser import browser, case_action, login, needs_chromium, page, screenshot_and_axe, success  # noqa: F401
from tests.case_fixtures import as_user, guardians  # noqa: F401

pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]

F, G, I = CaseState.FOREBYGGENDE, CaseState.FOREGRIBENDE, CaseState.INDGRIBENDE


# --- the world before each journey, built through the services -----------------------------------


@pytest.fixture
def config(municipality, nord, solsikken):
    """Haderslev's configuration as an administrator would have it after `./dev up`."""
    seed_case_configuration(municipality)
    seed_council_configuration(municipality)
    plan_catalogue.effort_catalogue_seed(municipality)
    return {
        "council": Council.objects.get(district=nord),
        "council_meeting_type": CouncilMeetingType.objects.get(municipality=municipality, name="Distriktsrådsmøde"),
        "meeting_type": {t.name: t for t in MeetingType.objects.filter(municipality=municipality)},
    }


def council_meeting(config, days_ahead: int) -> CouncilMeeting:
    """A meeting of Nord's council `days_ahead` days from today at 13:00 Copenhagen time."""
    day = timezone.localdate() + datetime.timedelta(days=days_ahead)
    starts_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(13, 0)))
    return CouncilMeeting.objects.create(council=config["council"], type=config["council_meeting_type"],
                                         starts_at=starts_at, location="Rådhuset")


def evaluated_effort(user, plan: Handleplan, catalogue_name: str, seen: str) -> None:
    """An effort at the case's current level, carried out and evaluated as not enough."""
    today = timezone.localdate()
    entry = EffortCatalogueEntry.objects.get(municipality=plan.case.child.institution.district.municipality,
                                             name=catalogue_name)
    effort = plan_services.effort_add(request=as_user(user), plan=plan, data={
        "name": entry.name, "catalogue": entry, "description": "Dagligt i små grupper.",
        "carried_out_by": "Pædagogerne på stuen", "responsible": None,
        "started_on": today - datetime.timedelta(days=60), "evaluation_date": today})
    plan_services.evaluation_add(request=as_user(user), effort=effort, data={
        "evaluated_on": today, "result": Evaluation.Result.NOT_REACHED, "seen": seen, "next_step": "",
        "next_evaluation_date": today + datetime.timedelta(days=30), "end_effort": False})


def forebyggende_case_with_plan(child, leader) -> Case:
    """A case on forebyggende level whose handleplan has goals and one evaluated effort."""
    case = case_services.case_open(request=as_user(leader), child=child, reason="Bekymring for trivslen")
    plan = plan_services.plan_start(request=as_user(leader), case=case)
    plan_services.plan_save(request=as_user(leader), plan=plan, version=Handleplan.objects.get(pk=plan.pk).version,
                            data={"goals_child": "Alma deltager i leg med to andre børn.",
                                  "signs": "Alma tager selv initiativ til leg.",
                                  "voice_se_mig": "«Jeg vil gerne lege med Ida.»",
                                  "parents": "Forældrene oplever, at Alma er glad for at komme."})
    evaluated_effort(leader, Handleplan.objects.get(pk=plan.pk), "Fleksibel gruppedannelse",
                     "Alma trækker sig stadig fra legen.")
    return Case.objects.get(pk=case.pk)


def parents_agree_to_submission(case, leader, config) -> None:
    case_services.meeting_record(request=as_user(leader), case=case, data={
        "type": config["meeting_type"]["Netværksmøde"], "held_on": timezone.localdate(),
        "participants": "Lars (leder)\nMette og Jens (forældre)", "minutes": "", "follow_up_on": None},
        agreements=[{"kind": "indstilling", "text": "Indstilling til distriktsrådet om en ressourcevurdering",
                     "with_parents": True}])


def foregribende_case_ready_for_council(child, leader, config) -> Case:
    """Both levels' efforts evaluated and the parents' agreement to a submission recorded."""
    case = forebyggende_case_with_plan(child, leader)
    case = case_services.case_escalate(request=as_user(leader), case_id=case.pk, version=case.version,
                                       reason="De forebyggende indsatser var ikke nok.")
    evaluated_effort(leader, Handleplan.objects.get(case=case), "Praksisvejleder-samarbejde",
                     "Trods praksisvejlederens sparring trækker Alma sig.")
    parents_agree_to_submission(case, leader, config)
    return case


def submitted_resource_assessment(child, leader, meeting, *, now=None) -> Submission:
    """A resource assessment with CPR, the parents' signed form attached, sent to `meeting`."""
    draft = council_services.submission_create(
        request=as_user(leader), institution=child.institution, child=child,
        data={"meeting": meeting, "kind": Submission.Kind.RESSOURCEVURDERING, "track": Submission.Track.WITH_CPR,
              "description": "Alma har brug for mere støtte, end stuen kan give."},
        signed_form=SimpleUploadedFile("underskrift.pdf", factories.pdf_bytes(), content_type="application/pdf"))
    return council_services.submission_submit(request=as_user(leader), submission_id=draft.pk, version=None, now=now)


# --- 1. the pedagogue ----------------------------------------------------------------------------


def test_pedagogue_logs_an_observation_and_writes_and_evaluates_the_handleplan(page, config, alice, alma):
    login(page, "alice")
    page.get_by_role("link", name="Børn", exact=True).click()
    page.get_by_role("link", name="Alma Jensen").click()
    expect(page.get_by_role("heading", name="Alma Jensen")).to_be_visible()

    page.get_by_role("link", name="Ny observation").click()
    page.get_by_label("Type").select_option(label="Pædagogisk iagttagelse")
    page.get_by_label("Iagttagelse").fill("Alma leger alene i sandkassen og går, når andre børn kommer.")
    screenshot_and_axe(page, "10-paedagog-ny-observation")
    page.get_by_role("button", name="Gem observation").click()
    success(page, "Observationen er gemt.")

    case_action(page, "Opret sag (forebyggende)", "Alma trækker sig fra fællesskabet.")
    success(page, "Sagen er oprettet.")
    screenshot_and_axe(page, "11-paedagog-barnets-side")

    page.get_by_role("button", name="Start handleplan").click()
    success(page, "Handleplanen er startet.")
    page.get_by_role("link", name="Ret mål, tegn og perspektiver").click()
    page.get_by_label("Mål for barnet").fill(
        "Alma deltager i leg med to andre børn.\nAlma siger til, når hun vil være med.")
    page.get_by_label("Tegn på, at målene nås").fill("Alma tager selv initiativ til leg i små grupper.")
    page.get_by_label("Se mig, som den jeg er").fill("«Jeg vil gerne lege med Ida.»")
    page.get_by_label("Forældrenes perspektiv").fill("Forældrene oplever, at Alma er glad for at komme.")
    screenshot_and_axe(page, "12-paedagog-ret-handleplan")
    page.get_by_role("button", name="Gem handleplanen").click()
    success(page, "Handleplanen er gemt.")

    page.get_by_role("link", name="Ny indsats").first.click()
    page.get_by_label("Indsats fra kataloget").select_option(label="Fleksibel gruppedannelse (forebyggende)")
    page.get_by_label("Beskrivelse – hvad gør vi konkret?").fill("Alma leger i en fast gruppe på tre hver formiddag.")
    page.get_by_label("Udføres af").fill("Pædagogerne på Solstuen")
    evaluation_date = timezone.localdate() + datetime.timedelta(days=30)
    page.get_by_label("Evalueres senest").fill(evaluation_date.isoformat())
    screenshot_and_axe(page, "13-paedagog-ny-indsats")
    page.get_by_role("button", name="Tilføj indsatsen").click()
    success(page, "Indsatsen er tilføjet handleplanen.")

    page.get_by_role("link", name="Evaluér").click()
    page.get_by_label("Ikke nået").check()
    page.get_by_label("Hvad så vi?").fill("Alma deltager kun, når en voksen sidder med.")
    page.get_by_label("Næste skridt").fill("Tal med praksisvejlederen.")
    page.get_by_label("Næste evaluering").fill((timezone.localdate() + datetime.timedelta(days=30)).isoformat())
    screenshot_and_axe(page, "14-paedagog-evaluering")
    page.get_by_role("button", name="Gem evalueringen").click()
    success(page, "Evalueringen af «Fleksibel gruppedannelse» er gemt.")
    expect(page.get_by_text(re.compile(r"^Evaluering \d+\. \w+ \d{4}: ikke nået$"))).to_be_visible()
    expect(page.get_by_text("Alma deltager i leg med to andre børn.")).to_be_visible()
    screenshot_and_axe(page, "15-paedagog-handleplan")

    assert Observation.objects.filter(child=alma, author=alice).count() == 1
    case = Case.objects.get(child=alma)
    plan = Handleplan.objects.get(case=case)
    assert plan.texts["goals_child"] == ["Alma deltager i leg med to andre børn.",
                                         "Alma siger til, når hun vil være med."]
    assert HandleplanPort().level_readiness(case, F).ready


# --- 2. the institution leader -------------------------------------------------------------------


def test_leader_records_consent_escalates_and_submits_before_the_deadline(page, config, lars, alma, guardians):
    case = forebyggende_case_with_plan(alma, lars)
    parents_agree_to_submission(case, lars, config)
    meeting = council_meeting(config, days_ahead=30)
    login(page, "lars")
    page.goto(f"/boern/{alma.pk}/")

    page.get_by_role("link", name="Registrér", exact=True).click()
    for guardian in guardians:
        page.get_by_label("Forælder/værge").select_option(label=str(guardian))
        page.get_by_label("Samtykke til").select_option(label="Indstilling til distriktsrådet med CPR")
        page.get_by_label("Givet den").fill(timezone.localdate().isoformat())
        page.get_by_label("Form").select_option(label="Skriftligt")
        page.get_by_role("button", name="Registrér samtykke").click()
        success(page, "Samtykket er registreret.")
    expect(page.get_by_role("cell", name="Gældende")).to_have_count(2)
    screenshot_and_axe(page, "20-leder-samtykke")

    page.get_by_role("link", name="Alma Jensen").click()
    case_action(page, "Et niveau op", "Evalueringen viser, at de forebyggende indsatser ikke er nok.")
    success(page, "Sagen er flyttet et niveau op.")
    expect(page.get_by_text("Niveau: Foregribende")).to_be_visible()
    screenshot_and_axe(page, "21-leder-foregribende")

    # The team works at foregribende level for a while; its effort is evaluated in the plan.
    evaluated_effort(lars, Handleplan.objects.get(case=case), "Praksisvejleder-samarbejde",
                     "Trods praksisvejlederens sparring trækker Alma sig.")

    page.reload()
    page.get_by_role("link", name="Indstil til distriktsrådet").click()
    deadline = timezone.localtime(meeting.deadline)
    assert deadline > timezone.now()
    page.get_by_label("Møde").select_option(label=f"{meeting} – frist {datetime_da(deadline)}")
    expect(page.get_by_label("Barn")).to_have_value(str(alma.pk))
    page.get_by_label("Indstillingen beder om").select_option(label="Ressourcevurdering")
    page.get_by_role("combobox", name="Spor").select_option(label=Submission.Track.WITH_CPR.label)
    page.get_by_label("Lederens beskrivelse").fill("Alma har brug for mere støtte, end stuen kan give.")
    screenshot_and_axe(page, "22-leder-ny-indstilling")
    page.get_by_role("button", name="Gem som kladde").click()
    success(page, "Indstillingen er gemt som kladde.")
    page.get_by_role("button", name="Send indstilling").click()
    success(page, f"Indstillingen er sendt til {meeting}. Handleplanen er frosset.")
    screenshot_and_axe(page, "23-leder-indstilling-sendt")

    submission = Submission.objects.get(child=alma)
    assert submission.state == SubmissionState.INDSENDT
    assert submission.meeting == meeting and submission.rolled_over_from is None
    assert submission.snapshot is not None
    assert Case.objects.get(pk=case.pk).state == G


# --- 3. the pedagogical consultant ---------------------------------------------------------------


def test_consultant_reviews_the_submission(page, config, lars, birgitte, alma, guardians):
    foregribende_case_ready_for_council(alma, lars, config)
    meeting = council_meeting(config, days_ahead=30)
    submission = submitted_resource_assessment(alma, lars, meeting)
    login(page, "birgitte")

    page.get_by_role("link", name="Distriktsråd", exact=True).click()
    screenshot_and_axe(page, "30-konsulent-distriktsraad")
    page.get_by_role("link", name=meeting.council.name).click()
    screenshot_and_axe(page, "31-konsulent-dagsorden")
    page.get_by_role("link", name=submission.subject_label).click()
    # The plan as sent, with readable results (the frozen JSON keeps the codes).
    sent = page.locator("section[aria-labelledby='frosset']")
    expect(sent.get_by_text(re.compile(r"^Evaluering \d{1,2}\. \w+ \d{4}: ikke nået$")).first).to_be_visible()
    expect(sent.get_by_text("Alma trækker sig stadig fra legen.")).to_be_visible()
    # Every section as sent, the child's voice and the parents' perspective included (issue 13).
    expect(sent.get_by_text("«Jeg vil gerne lege med Ida.»")).to_be_visible()
    expect(sent.get_by_text("Forældrene oplever, at Alma er glad for at komme.")).to_be_visible()
    page.get_by_label("Noter").fill("Handleplanen viser to evaluerede niveauer; praksisvejlederen har været inde.")
    page.get_by_label("Anbefalet ressource").select_option(label="Frie midler")
    page.get_by_label("Anbefaling").fill("Frie midler i et halvt år til arbejde i små børnefællesskaber.")
    page.get_by_role("button", name="Gem vurdering").click()
    success(page, "Vurderingen er gemt.")
    expect(page.locator("p", has_text="Anbefaling:")).to_contain_text("Frie midler")
    screenshot_and_axe(page, "32-konsulent-vurdering")

    review = Review.objects.get(submission=submission)
    assert review.consultant == birgitte and review.recommended_resource.name == "Frie midler"


# --- 4. the council's decision -------------------------------------------------------------------


def test_council_decision_after_the_agenda_closed_moves_the_case_to_indgribende(page, config, lars, birgitte, alma,
                                                                                guardians):
    case = foregribende_case_ready_for_council(alma, lars, config)
    # The meeting is in three days, so its deadline (ten days before) has passed: the submission
    # was sent in time, and the daily job has closed the agenda.
    meeting = council_meeting(config, days_ahead=3)
    submission = submitted_resource_assessment(alma, lars, meeting, now=meeting.deadline - datetime.timedelta(days=1))
    assert submission.meeting == meeting
    assert council_services.agendas_close_due() == 1
    login(page, "birgitte")

    page.get_by_role("link", name="Distriktsråd", exact=True).click()
    page.get_by_role("link", name=meeting.council.name).click()
    page.get_by_role("link", name=submission.subject_label).click()
    page.get_by_role("link", name="Registrér distriktsrådets afgørelse").click()
    page.get_by_label("Ressource").select_option(label="Frie midler")
    page.get_by_label("Beløb (kr.)").fill("25000")
    page.get_by_label("Timer").fill("120")
    page.get_by_label("Lærings- og udviklingsmål").fill(
        "Alma deltager i leg i små grupper og siger til, når hun vil være med.")
    page.get_by_label("Begrundelse").fill("Rådet drøftede praksisvejleder alene; det er ikke nok.")
    page.get_by_label("Mindst indgribende indsats drøftet").check()
    screenshot_and_axe(page, "40-konsulent-afgoerelse")
    page.get_by_role("button", name="Registrér afgørelse").click()
    success(page, "Afgørelsen er registreret, og brevet til forældrene er dannet.")
    expect(page.get_by_role("heading", name="Distriktsrådets afgørelse: Frie midler")).to_be_visible()
    screenshot_and_axe(page, "41-afgoerelse")

    page.goto(f"/boern/{alma.pk}/")
    expect(page.get_by_text("Niveau: Indgribende")).to_be_visible()
    screenshot_and_axe(page, "42-barnets-side-indgribende")

    submission.refresh_from_db()
    assert submission.state == SubmissionState.AFGJORT
    assert Case.objects.get(pk=case.pk).state == I
    assert submission.decision.letters.count() == 1


# --- 5. the administrator ------------------------------------------------------------------------


def test_administrator_generates_and_downloads_the_pdf_report(page, config, admin_user, lars, alma):
    forebyggende_case_with_plan(alma, lars)
    login(page, "anne")

    page.get_by_role("link", name="Statistik", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("^Statistik: "))).to_be_visible()
    screenshot_and_axe(page, "50-admin-statistik")
    page.get_by_role("button", name="Dan PDF-rapport").click()
    success(page, "Rapporten dannes.")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Hent PDF").click()
    download = download_info.value
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    screenshot_and_axe(page, "51-admin-rapport-faerdig")

    report = Report.objects.get()
    assert report.status == Report.Status.DONE and report.requested_by == admin_user
