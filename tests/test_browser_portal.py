"""The parents' portal in a real browser on a phone (375 px wide, Debian's Chromium): sign-in by a
one-time link, consent given and withdrawn with the staff action it unblocks and blocks, the
signature completing a submission, the perspective seen by staff, a letter read and its receipt seen
by the leader, and the access overview. Every portal page is checked with axe: no violation of any
impact; one walk is made with the keyboard alone."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from cases.defaults import seed_case_configuration
from cases.models import ConsentPurpose
from haandguide.actors import Actor
from portal import services
from portal.models import LetterDelivery, LetterReceipt, SignInLink
from tests.browser import SCREENSHOTS, browser, login, needs_chromium, page  # noqa: F401
from tests.case_fixtures import handleplan  # noqa: F401
from tests.portal_fixtures import family, link_path  # noqa: F401
from tests.test_portal import cpr_draft, letter, plan  # noqa: F401

pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}


def _phone_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="da-DK", viewport=PHONE)
    phone = context.new_page()
    phone.set_default_timeout(10000)
    return context, phone


@pytest.fixture
def phone(browser, live_server):  # noqa: F811
    context, phone = _phone_page(browser, live_server)
    yield phone
    context.close()


@pytest.fixture
def second_phone(browser, live_server):  # noqa: F811
    """Another parent's phone (or the same link opened elsewhere)."""
    context, other = _phone_page(browser, live_server)
    yield other
    context.close()


def accessible(page, name: str) -> None:
    """Screenshot, no horizontal scrolling (at 375 px on the phone), and axe with no violation of any impact."""
    from axe_playwright_python.sync_playwright import Axe

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"portal-{name}.png"), full_page=True)
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{name}: scrolls sideways"
    violations = Axe().run(page).response["violations"]
    assert not violations, f"{name}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes']][:3]}" for v in violations)


def ask_for_link(page, email: str) -> str:
    page.goto("/portal/log-ind/")
    page.get_by_label("Din e-mailadresse").fill(email)
    page.get_by_role("button", name="Send mig et link").click()
    expect(page.get_by_role("heading", name="Tjek din e-mail")).to_be_visible()
    return link_path(mail.outbox[-1])


def sign_in(page, email: str) -> None:
    page.goto(ask_for_link(page, email))
    page.get_by_role("button", name="Log ind").click()
    expect(page.get_by_role("heading", name="Mine børn")).to_be_visible()


def test_sign_in_by_link_and_expired_and_reused_links_are_refused(phone, second_phone, family):
    phone.goto("/portal/")
    expect(phone.get_by_role("heading", name="Log ind i forældreportalen")).to_be_visible()
    accessible(phone, "01-log-ind")
    phone.get_by_role("button", name="Send mig et link").click()  # empty: a Danish error, nothing lost
    expect(phone.get_by_text("Skriv din e-mailadresse.")).to_be_visible()
    accessible(phone, "01b-log-ind-fejl")
    path = ask_for_link(phone, "mette@example.dk")
    accessible(phone, "02-tjek-mail")
    phone.goto(path)
    accessible(phone, "03-bekraeft-link")
    phone.get_by_role("button", name="Log ind").click()
    expect(phone.get_by_role("link", name="Alma Jensen")).to_be_visible()
    accessible(phone, "04-mine-boern")
    # The same link again, in another browser: refused.
    second_phone.goto(path)
    second_phone.get_by_role("button", name="Log ind").click()
    expect(second_phone.get_by_text("Linket er allerede brugt")).to_be_visible()
    accessible(second_phone, "05-link-brugt")
    # An expired link (15 minutes): refused.
    expired = ask_for_link(second_phone, "jens@example.dk")
    SignInLink.objects.filter(used_at__isnull=True).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    second_phone.goto(expired)
    second_phone.get_by_role("button", name="Log ind").click()
    expect(second_phone.get_by_text("Linket er udløbet")).to_be_visible()
    # Signing out.
    phone.get_by_role("button", name="Log ud").click()
    expect(phone.get_by_text("Du er logget ud af forældreportalen.")).to_be_visible()


def test_consent_given_and_withdrawn_unblocks_and_blocks_the_working_meeting(phone, page, family, lars):
    seed_case_configuration(family.alma.municipality)
    from cases import services as case_services

    case_services.case_open(actor=Actor.staff(lars), child=family.alma)
    purpose = ConsentPurpose.objects.get(municipality=family.alma.municipality, code="arbejdsmoede")
    services.consent_give(actor=Actor.parent(family.jens), child=family.alma, guardian=family.jens, purpose=purpose)

    def working_meeting(expect_text: str) -> None:
        page.goto(f"/boern/{family.alma.pk}/moeder/nyt/")
        page.locator("#id_type").select_option(label="Arbejdsmøde")
        page.locator("#id_held_on").fill(timezone.localdate().isoformat())
        page.locator("#id_participants").fill("Lars, leder")
        page.get_by_role("button", name="Gem møde").click()
        expect(page.get_by_text(expect_text).first).to_be_visible()

    login(page, "lars")
    working_meeting("Der mangler samtykke")  # Mette has not consented

    sign_in(phone, "mette@example.dk")
    phone.get_by_role("link", name="Alma Jensen").click()
    accessible(phone, "06-barnet")
    phone.get_by_role("link", name="Samtykker").click()
    accessible(phone, "07-samtykker")
    phone.get_by_role("button", name=f"Giv samtykke til «{purpose.name}»").click()
    expect(phone.get_by_role("status").filter(has_text="Det gælder fra nu")).to_be_visible()
    accessible(phone, "08-samtykke-givet")

    working_meeting("Mødet er registreret")
    page.goto(f"/boern/{family.alma.pk}/samtykke/")
    expect(page.get_by_text("af forælderen i forældreportalen").first).to_be_visible()

    phone.get_by_role("button", name=f"Træk samtykket til «{purpose.name}» tilbage").click()
    expect(phone.get_by_role("status").filter(has_text="tilbage")).to_be_visible()
    working_meeting("Der mangler samtykke")


def test_the_custodians_signature_completes_the_submission(phone, second_phone, page, cpr_draft, family, lars):
    for device, email in ((phone, "mette@example.dk"), (second_phone, "jens@example.dk")):
        sign_in(device, email)
        device.get_by_role("link", name="Alma Jensen").click()
        device.get_by_role("button", name="Godkend indstillingen").click()
        expect(device.get_by_role("status").filter(has_text="godkendt indstillingen")).to_be_visible()
    accessible(phone, "09-indstilling-godkendt")
    login(page, "lars")
    page.goto(f"/distriktsraad/indstillinger/{cpr_draft.pk}/")
    page.get_by_role("button", name="Send indstilling").click()
    cpr_draft.refresh_from_db()
    assert cpr_draft.state == "indsendt" and not cpr_draft.signed_form


def test_the_perspective_is_written_and_staff_see_it_as_the_parents(phone, page, plan, family, alice):
    sign_in(phone, "mette@example.dk")
    phone.goto(f"/portal/boern/{family.alma.pk}/perspektiv/")
    accessible(phone, "10-perspektiv")
    phone.get_by_role("button", name="Gem jeres perspektiv").click()
    expect(phone.get_by_text("Skriv jeres perspektiv, før I gemmer.").first).to_be_visible()
    accessible(phone, "10b-perspektiv-fejl")
    phone.get_by_label("Forældrenes perspektiv").fill("Alma er glad for at lege med sin storesøster.")
    phone.get_by_role("button", name="Gem jeres perspektiv").click()
    expect(phone.get_by_text("Alma er glad for at lege med sin storesøster.")).to_be_visible()
    login(page, "alice")
    page.goto(f"/boern/{family.alma.pk}/handleplan/")
    expect(page.get_by_text("Alma er glad for at lege med sin storesøster.")).to_be_visible()
    expect(page.get_by_text("Skrevet af Mette Jensen i forældreportalen")).to_be_visible()


def test_a_letter_read_and_the_receipt_seen_by_the_leader(phone, page, letter, family):
    login(page, "lars")
    page.goto(f"/distriktsraad/afgoerelser/{letter.decision_id}/")
    page.get_by_role("button", name="Send til forældreportalen").click()
    expect(page.get_by_text("Mette Jensen: ikke læst endnu")).to_be_visible()
    assert LetterDelivery.objects.filter(letter=letter).exists()
    sign_in(phone, "mette@example.dk")
    phone.get_by_role("link", name="Alma Jensen").click()
    link = phone.get_by_role("link", name="Skriftligt svar på afgørelsen", exact=False)
    expect(phone.get_by_text("Ulæst")).to_be_visible()
    response = phone.request.get(link.get_attribute("href"))  # the PDF, with the phone's session
    assert response.ok and response.body().startswith(b"%PDF")
    assert LetterReceipt.objects.filter(guardian=family.mette).exists()
    page.reload()
    expect(page.get_by_text("Mette Jensen: læst")).to_be_visible()


def test_the_access_overview_and_the_accessibility_statement(phone, page, family, alice):
    login(page, "alice")
    page.goto(f"/boern/{family.alma.pk}/")
    sign_in(phone, "mette@example.dk")
    phone.goto(f"/portal/boern/{family.alma.pk}/indsigt/")
    expect(phone.get_by_text("Pædagog: visning").first).to_be_visible()
    accessible(phone, "11-indsigt")
    phone.get_by_role("link", name="Tilgængelighedserklæring").click()
    expect(phone.get_by_role("heading", name="Tilgængelighedserklæring")).to_be_visible()
    accessible(phone, "12-tilgaengelighed")
    page.get_by_role("link", name="Tilgængelighedserklæring").click()
    expect(page.get_by_role("heading", name="Tilgængelighedserklæring")).to_be_visible()


def test_a_staff_session_is_refused_in_the_portal(page, alice):
    login(page, "alice")
    page.goto("/portal/")
    expect(page.get_by_role("heading", name="Forældreportalen er for forældre")).to_be_visible()
    accessible(page, "13-ikke-for-medarbejdere")


def test_the_portal_by_keyboard_alone(phone, family):
    """Sign in, open the child and give consent with Tab and Enter only; each focused element shows it."""
    seed_case_configuration(family.alma.municipality)
    phone.goto("/portal/log-ind/")

    def tab_to(name: str) -> None:
        for _ in range(40):
            phone.keyboard.press("Tab")
            focused = phone.evaluate("document.activeElement && (document.activeElement.innerText || "
                                     "document.activeElement.value || document.activeElement.name || '')")
            if name in focused:
                outline = phone.evaluate("getComputedStyle(document.activeElement).outlineStyle")
                shadow = phone.evaluate("getComputedStyle(document.activeElement).boxShadow")
                assert outline != "none" or shadow != "none", f"{name}: focus not visible"
                return
        raise AssertionError(f"{name} is not reachable by Tab")

    phone.keyboard.press("Tab")  # the skip link comes first
    assert phone.evaluate("document.activeElement.innerText") == "Gå til sidens indhold"
    tab_to("email")
    phone.keyboard.type("mette@example.dk")
    phone.keyboard.press("Enter")
    expect(phone.get_by_role("heading", name="Tjek din e-mail")).to_be_visible()
    phone.goto(link_path(mail.outbox[-1]))
    tab_to("Log ind")
    phone.keyboard.press("Enter")
    expect(phone.get_by_role("heading", name="Mine børn")).to_be_visible()
    tab_to("Alma Jensen")
    phone.keyboard.press("Enter")
    expect(phone.get_by_role("heading", name="Alma Jensen")).to_be_visible()
    tab_to("Samtykker")
    phone.keyboard.press("Enter")
    expect(phone.get_by_role("heading", name="Samtykker for Alma")).to_be_visible()
    tab_to("Giv samtykke")
    phone.keyboard.press("Enter")
    expect(phone.get_by_role("status").filter(has_text="Det gælder fra nu")).to_be_visible()
