"""Issue 13's must-show: one child walked the whole way, concern to return, in a real browser.

The world is the demo a new user of `./dev up` meets (`manage.py demo`: Haderslev, the demo's
logins and their password). Every step is a click or typing in the UI, as the demo's roles; the
test itself only moves the clock (time_machine) and runs the scheduled jobs the way
`manage.py scheduler` does (`Scheduler.tick`). Each main step is screenshotted and checked with
axe-core.
"""

import datetime
import re
import subprocess
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Case, CaseState
from haandguide.demo import DEMO_PASSWORD
from haandguide.lib.formats import datetime_da
from haandguide.lib.scheduler import Scheduler
from haandguide.models import Child, User
from tests import factories
from tests.browser import browser, case_action, logout, needs_chromium, page, screenshot_and_axe, success  # noqa: F401
from tests.browser import login as browser_login

pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture
def demo(tmp_path):
    """`manage.py demo` as `./dev up` runs it, and a scheduler whose jobs count as run now."""
    call_command("demo", stdout=open("/dev/null", "w"))
    scheduler = Scheduler(state_path=tmp_path / "scheduler-state.json")
    scheduler.tick()  # as at start-up: every job is seen, none fires
    return scheduler


@pytest.fixture
def walk_page(page):
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "walk-last-page.html").write_text(page.content())  # where the walk stopped, if it failed


def login(page, username: str) -> None:
    browser_login(page, username, DEMO_PASSWORD)


def open_child(page, child) -> None:
    """From the menu: Børn, search by name, open the child."""
    page.get_by_role("link", name="Børn", exact=True).click()
    page.get_by_label("Søg").fill(child.first_name + " " + child.last_name)
    page.get_by_label("Søg").press("Enter")
    page.get_by_role("link", name=str(child)).click()
    expect(page.get_by_role("heading", name=str(child))).to_be_visible()


@pytest.fixture
def clock(request):
    """Moves the clock of the test and of the live server (one process) forward, for good."""
    travellers = []

    def move_to(moment: datetime.datetime) -> None:
        traveller = time_machine.travel(moment, tick=True)
        traveller.start()
        travellers.append(traveller)

    yield move_to
    for traveller in reversed(travellers):
        traveller.stop()


def pdf_text(page, href: str) -> str:
    response = page.request.get(href)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=response.body(), capture_output=True,
                          check=True).stdout.decode()


def open_meeting(page, meeting) -> None:
    """The meeting's link on the council page (the list shows the council's name, the date beside it)."""
    page.locator(f"a[href='{reverse('districtcouncil:meeting_detail', args=[meeting.pk])}']").first.click()
    expect(page.get_by_role("heading", name=re.compile(meeting.council.name))).to_be_visible()


def topi_observation(page, position: str, text: str) -> None:
    """From the child page: a TOPI rating with its position."""
    page.get_by_role("link", name="Ny observation").click()
    page.get_by_label("Type").select_option(label="TOPI")
    page.get_by_label("TOPI-position").select_option(label=position)
    page.get_by_label("Iagttagelse").fill(text)
    page.get_by_role("button", name="Gem observation").click()
    success(page, "Observationen er gemt.")


def effort_added_and_evaluated(page, catalogue: str, description: str, carried_out_by: str, seen: str) -> None:
    """From the plan page: a new effort from the catalogue, evaluated today as not reached."""
    page.get_by_role("link", name="Ny indsats").first.click()
    page.get_by_label("Indsats fra kataloget").select_option(label=catalogue)
    page.get_by_label("Beskrivelse – hvad gør vi konkret?").fill(description)
    page.get_by_label("Udføres af").fill(carried_out_by)
    page.get_by_label("Evalueres senest").fill(days(0))
    page.get_by_role("button", name="Tilføj indsatsen").click()
    success(page, "Indsatsen er tilføjet handleplanen.")
    page.get_by_role("link", name="Evaluér").click()
    page.get_by_label("Ikke nået").check()
    page.get_by_label("Hvad så vi?").fill(seen)
    page.get_by_label("Næste skridt").fill("Drøftes med lederen.")
    page.get_by_label("Næste evaluering").fill(days(30))
    page.get_by_role("button", name="Gem evalueringen").click()


def days(n: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=n)).isoformat()


def test_one_child_walked_from_concern_to_return(walk_page, demo, clock):
    page = walk_page
    leader = User.objects.get(username="leder")
    institution = leader.institutions.get()
    child = (Child.objects.filter(institution=institution, case__isnull=True, guardians__has_custody=True)
             .distinct().order_by("pk").first())
    assert child is not None
    walk_started = timezone.localdate()

    # --- 1. The pedagogue: a yellow TOPI position, the plan, an effort and its evaluation --------
    login(page, "paedagog")
    open_child(page, child)
    topi_observation(page, "Gul", "TOPI: trækker sig fra legen og søger en voksen ved skift.")
    expect(page.locator("section[aria-labelledby='observationer']")).to_contain_text("TOPI gul")

    case_action(page, "Opret sag (forebyggende)", "Gul TOPI-position: barnet trækker sig fra fællesskabet.")
    success(page, "Sagen er oprettet.")
    expect(page.get_by_text("Niveau: Forebyggende")).to_be_visible()
    screenshot_and_axe(page, "walk-01-paedagog-sag-oprettet")

    page.get_by_role("button", name="Start handleplan").click()
    success(page, "Handleplanen er startet.")
    page.get_by_role("link", name="Ret mål, tegn og perspektiver").click()
    page.get_by_label("Mål for barnet").fill("Barnet deltager i leg med to andre børn.")
    page.get_by_label("Tegn på, at målene nås").fill("Barnet tager selv initiativ til leg i små grupper.")
    page.get_by_label("Se mig, som den jeg er").fill("«Jeg vil gerne lege med Ida.»")
    page.get_by_role("button", name="Gem handleplanen").click()
    success(page, "Handleplanen er gemt.")

    effort_added_and_evaluated(page, "Fleksibel gruppedannelse (forebyggende)",
                               "Fast legegruppe på tre hver formiddag.", "Pædagogerne på stuen",
                               "Barnet deltager kun, når en voksen sidder med.")
    success(page, "Evalueringen af «Fleksibel gruppedannelse» er gemt.")
    screenshot_and_axe(page, "walk-02-paedagog-handleplan")
    logout(page)

    # --- 2. The leader: forældresamtale and consent; escalation refused, then allowed ---------
    login(page, "leder")
    open_child(page, child)
    page.get_by_role("link", name="Nyt møde").click()
    page.get_by_label("Mødetype").select_option(label="Forældresamtale")
    page.get_by_label("Dato").fill(days(0))
    page.get_by_label("Deltagere").fill("Lars Brodersen, leder\nForældrene")
    page.get_by_label("Referat").fill("Forældrene genkender billedet og vil gerne have hjælp udefra.")
    page.get_by_role("button", name="Gem møde").click()
    success(page, "Mødet er registreret.")
    page.get_by_role("link", name="Registrér", exact=True).click()
    for guardian in child.guardians.filter(has_custody=True):
        page.get_by_label("Forælder/værge").select_option(label=str(guardian))
        page.get_by_label("Samtykke til").select_option(label="Arbejdsmøde")
        page.get_by_label("Givet den").fill(days(0))
        page.get_by_label("Form").select_option(label="Skriftligt")
        page.get_by_role("button", name="Registrér samtykke").click()
        success(page, "Samtykket er registreret.")
    screenshot_and_axe(page, "walk-03-leder-samtykke")
    page.get_by_role("link", name=str(child)).first.click()

    # The parents' perspective is not written yet: "Et niveau op" is greyed out and says what is
    # missing, each item a link to where it is filled in.
    expect(page.get_by_role("button", name="Et niveau op")).to_be_disabled()
    expect(page.get_by_text("Handleplanen mangler:")).to_be_visible()
    screenshot_and_axe(page, "walk-04-leder-niveau-op-naegtet")
    page.locator("ul.missing").get_by_role("link", name="Forældrenes perspektiv").click()
    page.get_by_label("Forældrenes perspektiv").fill("Forældrene oplever et glad barn derhjemme, men genkender "
                                                    "uroen ved skift.")
    page.get_by_role("button", name="Gem handleplanen").click()
    success(page, "Handleplanen er gemt.")
    page.get_by_role("link", name=str(child)).first.click()
    case_action(page, "Et niveau op", "Evalueringen viser, at de forebyggende indsatser ikke er nok.")
    success(page, "Sagen er flyttet et niveau op.")
    expect(page.get_by_text("Niveau: Foregribende")).to_be_visible()

    # --- 3. Foregribende: the praksisvejleder attached, a netværksmøde, the effort evaluated ----
    counsellor = User.objects.get(username="raadgiver")
    page.get_by_label("Ekstern rådgiver").select_option(label=f"{counsellor} ({counsellor.role_label})")
    page.get_by_role("button", name="Tilknyt").click()
    success(page, "tilknyttet")
    counsellors = page.locator("section[aria-labelledby='raadgivere']")
    expect(counsellors).to_contain_text(str(counsellor))
    expect(counsellors).to_contain_text("Alle kommunens eksterne rådgivere er tilknyttet.")

    page.get_by_role("link", name="Nyt møde").click()
    page.get_by_label("Mødetype").select_option(label="Netværksmøde")
    page.get_by_label("Dato").fill(days(0))
    page.get_by_label("Deltagere").fill(f"Lars Brodersen, leder\nForældrene\n{counsellor}, praksisvejleder")
    page.get_by_label("Referat").fill("Handleplanen er gennemgået med forældrene; praksisvejlederen kommer på stuen.")
    page.get_by_label("Aftale", exact=True).select_option(label="Indstilling til distriktsrådet")
    page.get_by_label("Aftalen").fill("Forældrene er enige i en indstilling til distriktsrådet om en ressourcevurdering.")
    page.get_by_label("Aftalt med forældrene").check()
    page.get_by_role("button", name="Gem møde").click()
    success(page, "Mødet er registreret.")
    screenshot_and_axe(page, "walk-05-leder-netvaerksmoede")
    logout(page)

    login(page, "paedagog")
    open_child(page, child)
    page.get_by_role("link", name="Åbn handleplanen").click()
    effort_added_and_evaluated(page, "Praksisvejleder-samarbejde (foregribende)",
                               "Praksisvejlederen observerer og vejleder på stuen.", f"{counsellor} og pædagogerne",
                               "Trods vejledningen trækker barnet sig i den store gruppe.")
    success(page, "er gemt.")
    logout(page)

    login(page, "raadgiver")
    open_child(page, child)
    page.get_by_role("link", name="Åbn handleplanen").click()
    expect(page.get_by_text("Trods vejledningen trækker barnet sig i den store gruppe.")).to_be_visible()
    screenshot_and_axe(page, "walk-06-raadgiver-handleplan")
    logout(page)

    # --- 4. The submission: refused without the parents' signature, completed from the draft --
    login(page, "leder")
    open_child(page, child)
    page.get_by_role("link", name="Indstil til distriktsrådet").click()
    page.get_by_label("Møde").select_option(index=1)
    expect(page.get_by_label("Barn")).to_have_value(str(child.pk))
    page.get_by_label("Indstillingen beder om").select_option(label="Ressourcevurdering")
    page.get_by_role("combobox", name="Spor").select_option(label="Med CPR (forældrenes underskrift, skriftligt svar)")
    page.get_by_label("Lederens beskrivelse").fill("Barnet har brug for mere støtte, end stuen kan give.")
    page.get_by_role("button", name="Gem som kladde").click()
    success(page, "Indstillingen er gemt som kladde.")
    expect(page.get_by_role("button", name="Send indstilling")).to_be_disabled()
    expect(page.locator(".refusal")).to_contain_text("underskr")
    screenshot_and_axe(page, "walk-07-leder-indstilling-naegtet")
    page.get_by_role("link", name="Ret kladden").click()
    page.get_by_label("Underskrevet samtykkeerklæring").set_input_files(files=[{
        "name": "underskrift.pdf", "mimeType": "application/pdf", "buffer": factories.pdf_bytes()}])
    page.get_by_role("button", name="Gem kladden").click()
    success(page, "Kladden er gemt.")
    page.get_by_role("button", name="Send indstilling").click()
    success(page, "Indstillingen er sendt til")
    screenshot_and_axe(page, "walk-08-leder-indstilling-sendt")
    logout(page)

    # --- 5. The consultant reviews the submission on the agenda ---------------------------------
    submission = child.submissions.get()
    meeting = submission.meeting
    login(page, "konsulent")
    page.get_by_role("link", name="Distriktsråd", exact=True).click()
    open_meeting(page, meeting)
    page.get_by_role("link", name=submission.subject_label).click()
    sent = page.locator("section[aria-labelledby='frosset']")
    expect(sent.get_by_text("Trods vejledningen trækker barnet sig i den store gruppe.")).to_be_visible()
    expect(sent.get_by_text("Forældrene oplever et glad barn derhjemme", exact=False)).to_be_visible()
    page.get_by_label("Noter").fill("To evaluerede niveauer; praksisvejlederen har været inde.")
    page.get_by_label("Anbefalet ressource").select_option(label="Frie midler")
    page.get_by_label("Anbefaling").fill("Frie midler i et halvt år til arbejde i små børnefællesskaber.")
    page.get_by_role("button", name="Gem vurdering").click()
    success(page, "Vurderingen er gemt.")
    expect(page.locator("p", has_text="Anbefaling:")).to_have_text(
        "Anbefaling: Frie midler – Frie midler i et halvt år til arbejde i små børnefællesskaber.")
    screenshot_and_axe(page, "walk-09-konsulent-vurdering")
    logout(page)

    # --- 6. The deadline passes; the scheduled job closes the agenda ----------------------------
    clock(meeting.deadline + datetime.timedelta(minutes=20))
    assert "close-due-agendas" in demo.tick()[0]
    meeting.refresh_from_db()
    assert meeting.agenda_closed_at is not None

    # --- 7. The council meets; the consultant records the decision; the letter ----------------
    clock(meeting.starts_at + datetime.timedelta(hours=2))
    login(page, "konsulent")
    page.get_by_role("link", name="Distriktsråd", exact=True).click()
    open_meeting(page, meeting)
    expect(page.get_by_text(f"dagsordenen lukket {datetime_da(meeting.agenda_closed_at)}")).to_be_visible()
    page.get_by_role("link", name=submission.subject_label).click()
    page.get_by_role("link", name="Registrér distriktsrådets afgørelse").click()
    page.get_by_label("Ressource").select_option(label="Frie midler")
    page.get_by_label("Beløb (kr.)").fill("25000")
    page.get_by_label("Timer").fill("120")
    page.get_by_label("Lærings- og udviklingsmål").fill("Barnet deltager i leg i små grupper og siger til, "
                                                        "når det vil være med.")
    page.get_by_label("Begrundelse").fill("Rådet drøftede praksisvejleder alene; det er ikke nok efter to "
                                          "evaluerede niveauer.")
    page.get_by_label("Mindst indgribende indsats drøftet").check()
    screenshot_and_axe(page, "walk-10-konsulent-afgoerelse")
    page.get_by_role("button", name="Registrér afgørelse").click()
    success(page, "Afgørelsen er registreret")
    expect(page.get_by_role("heading", name="Distriktsrådets afgørelse: Frie midler")).to_be_visible()
    letter_link = page.locator("#breve + ul a").first
    text = pdf_text(page, letter_link.get_attribute("href"))
    assert re.search(r"\bBegrundelse\s+Rådet drøftede praksisvejleder alene", text)
    assert re.search(r"\bKlagevejledning\s+Er I uenige i afgørelsen, kan I klage", text)
    assert "25.000 kr." in text and "Frie midler" in text
    page.get_by_label("Hvordan").select_option(label="Sendt med Digital Post")
    page.get_by_role("button", name="Registrér som sendt").click()
    success(page, "sendt")
    screenshot_and_axe(page, "walk-11-afgoerelse-brev-sendt")
    page.get_by_role("link", name=str(child)).first.click()
    expect(page.get_by_text("Niveau: Indgribende")).to_be_visible()
    logout(page)

    # --- 8. The period ends: the scheduled job marks the decision "afventer revurdering" --------
    decision = submission.decision
    period_end = decision.period_end
    clock(timezone.make_aware(datetime.datetime.combine(period_end + datetime.timedelta(days=1),
                                                        datetime.time(7, 0))))
    assert "notify-due-reassessments" in demo.tick()[0]
    for username in ("leder", "konsulent"):
        login(page, username)
        panel = page.locator("section[aria-labelledby='panel-distriktsraad']")
        expect(panel).to_contain_text("Afventer revurdering")
        panel.get_by_role("link", name="Afventer revurdering").click()
        expect(page.get_by_role("link", name=re.compile(re.escape(str(child))))).to_be_visible()
        screenshot_and_axe(page, f"walk-12-{username}-afventer-revurdering")
        open_child(page, child)
        expect(page.get_by_role("status").filter(has_text="Afventer revurdering")).to_be_visible()
        if username == "leder":
            logout(page)

    # --- 9. The consultant re-assesses through the decision page: a level down ------------------
    page.get_by_role("link", name="Åbn afgørelsen").click()
    page.get_by_label("Udfald").select_option(label="Niveau ned mod det almene")
    page.get_by_label("Evaluering af målene").fill("Barnet deltager i leg i små grupper og siger selv til; "
                                                  "målene er nået.")
    screenshot_and_axe(page, "walk-13-konsulent-revurdering")
    page.get_by_role("button", name="Registrér revurdering").click()
    success(page, "Revurderingen er registreret: niveau ned mod det almene.")
    answer = page.get_by_role("link", name="Skriftligt svar på revurderingen")
    text = pdf_text(page, answer.get_attribute("href"))
    assert re.search(r"\bBegrundelse\s+Barnet deltager i leg i små grupper og siger selv til", text)
    assert re.search(r"\bKlagevejledning\s+Er I uenige i afgørelsen, kan I klage", text)
    answer_item = page.locator("li").filter(has=answer)
    answer_item.get_by_label("Hvordan").select_option(label="Sendt med Digital Post")
    answer_item.get_by_role("button", name="Registrér som sendt").click()
    success(page, "sendt")
    page.get_by_role("link", name=str(child)).first.click()
    expect(page.get_by_text("Niveau: Foregribende")).to_be_visible()
    logout(page)

    # --- 10. The leader: down again, then the case closed as returned to the general area -------
    login(page, "leder")
    open_child(page, child)
    case_action(page, "Et niveau ned", "Praksisvejlederens sparring er ikke længere nødvendig.")
    success(page, "Sagen er flyttet et niveau ned.")
    expect(page.get_by_text("Niveau: Forebyggende")).to_be_visible()
    topi_observation(page, "Grøn", "TOPI: leger med to faste venner og siger selv til.")
    case_action(page, "Luk sagen", "Barnet trives i det almene læringsmiljø.",
                close_reason="Tilbage i det almene læringsmiljø")
    success(page, "Sagen er lukket.")
    expect(page.get_by_text("Niveau: Lukket")).to_contain_text("Tilbage i det almene læringsmiljø")
    plan_summary = page.locator("section[aria-labelledby='handleplan-resume']")
    expect(plan_summary).to_contain_text("Ingen aktive indsatser: sagen er lukket.")
    expect(plan_summary).not_to_contain_text("forfald")
    expect(page.locator("section[aria-labelledby='raadgivere']")).to_contain_text(
        "Ingen eksterne rådgivere er tilknyttet.")
    screenshot_and_axe(page, "walk-14-leder-sag-lukket")
    logout(page)
    case = Case.objects.get(child=child)
    assert case.state == CaseState.LUKKET and case.close_reason == "tilbage_i_almen"

    # --- 11. The head of daycare: the statistics show the flow ----------------------------------
    login(page, "chef")
    page.get_by_role("link", name="Statistik", exact=True).click()
    page.get_by_role("textbox", name="Fra").fill(walk_started.isoformat())
    page.get_by_role("textbox", name="Til").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Vis").click()
    flows = page.locator("section[aria-labelledby='afsnit-bevaegelser']")
    for move in ("Ny sag på forebyggende", "Op fra forebyggende til foregribende",
                 "Op fra foregribende til indgribende", "Ned fra indgribende til foregribende",
                 "Ned fra foregribende til forebyggende", "Lukket fra forebyggende"):
        expect(flows.get_by_role("row", name=re.compile(move))).to_be_visible()
    # One child is fewer than five: each figure is shown as "< 5", never as the child itself.
    expect(flows.get_by_role("row", name=re.compile("heraf tilbage i det almene læringsmiljø"))).to_contain_text("< 5")
    durations = page.locator("section[aria-labelledby='afsnit-tid']")
    expect(durations.get_by_role("row", name=re.compile("Gul TOPI-position"))).to_contain_text("< 5")
    screenshot_and_axe(page, "walk-15-chef-statistik")
