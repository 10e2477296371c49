"""Nothing typed is lost, in a real browser (issue 14): the session kept alive while typing, a
save after the session ended completed after signing in again, the browser's draft offered back,
and two people's edits of one plan merged field by field.

The idle timeout is shortened to a few seconds (settings override; the live server runs in this
process) and the heartbeat to one second."""

import pytest
from playwright.sync_api import expect

from cases import services as case_services
from handleplan import services as plan_services
from handleplan.models import Handleplan
from tests.browser import browser, login, needs_chromium, page, screenshot_and_axe  # noqa: F401
from tests.case_fixtures import as_user

pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]

IDLE_SECONDS = 8  # a margin for a loaded CI machine; the typing below lasts longer


@pytest.fixture
def short_sessions(settings):
    settings.SESSION_COOKIE_AGE = IDLE_SECONDS
    settings.SESSION_KEEPALIVE_SECONDS = 1


@pytest.fixture
def plan(alma, lars):
    case = case_services.case_open(request=as_user(lars), child=alma, reason="Bekymring for trivslen")
    plan = plan_services.plan_start(request=as_user(lars), case=case)
    plan_services.plan_save(request=as_user(lars), plan=plan, version=Handleplan.objects.get(pk=plan.pk).version,
                            data={"goals_child": "Alma deltager i leg med to andre børn.",
                                  "signs": "Alma tager selv initiativ.", "parents": "Forældrene er bekymrede."})
    return Handleplan.objects.get(pk=plan.pk)


def status(page, text: str) -> None:
    expect(page.get_by_role("status").filter(has_text=text).first).to_be_visible()


def drafts(page) -> list[str]:
    page.wait_for_load_state("load")  # the script has run
    return page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('hg-draft:'))")


def sign_in_here(page, username: str) -> None:
    """On the login page the app sent us to (its ?next= kept)."""
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_label("Adgangskode").fill("korrekt-hest-batteri")
    page.get_by_role("button", name="Log ind").click()


def test_typing_keeps_the_session_alive_and_a_save_after_it_ended_is_completed_after_signing_in(
        page, short_sessions, plan, alice, alma):
    edit_url = f"/boern/{alma.pk}/handleplan/ret/"
    login(page, "alice")

    # 1. Typing for longer than the idle timeout: the heartbeat keeps the session, "Gem" just saves.
    page.goto(edit_url)
    page.get_by_label("Tegn på, at målene nås").press_sequentially(" Hun spørger selv om at være med.",
                                                                   delay=320, timeout=30000)
    page.get_by_role("button", name="Gem handleplanen").click()
    status(page, "Handleplanen er gemt.")
    assert page.url.endswith(f"/boern/{alma.pk}/handleplan/")
    assert "Hun spørger selv om at være med." in Handleplan.objects.get(pk=plan.pk).texts["signs"]
    assert drafts(page) == []  # saved: the browser's draft is gone

    # 2. Typing, then away from the keyboard past the timeout, then "Gem": nothing is lost.
    page.goto(edit_url)
    page.get_by_label("Forældrenes perspektiv").fill("Forældrene fortæller, at Alma nu leger med naboens børn.")
    page.wait_for_timeout(600)  # the draft is written shortly after typing stops
    assert len(drafts(page)) == 1
    page.wait_for_timeout((IDLE_SECONDS + 2) * 1000)
    page.get_by_label("Forældrenes perspektiv").press("End")
    page.get_by_label("Forældrenes perspektiv").press_sequentially(" Også", delay=50)
    status(page, "Din session er udløbet. Det, du skriver, er gemt her i browseren")  # the next heartbeat says so
    page.get_by_role("button", name="Gem handleplanen").click()
    page.wait_for_url("**/login/**")
    status(page, "Det, du skrev, er ikke tabt")
    screenshot_and_axe(page, "80-session-udloebet-log-ind")
    assert Handleplan.objects.get(pk=plan.pk).texts["parents"] == "Forældrene er bekymrede."

    sign_in_here(page, "alice")
    page.wait_for_url(f"**/boern/{alma.pk}/handleplan/")
    status(page, "det er sendt igen nu")
    status(page, "Handleplanen er gemt.")
    expect(page.get_by_text("Forældrene fortæller, at Alma nu leger med naboens børn. Også")).to_be_visible()
    screenshot_and_axe(page, "81-gemt-efter-nyt-log-ind")
    latest = Handleplan.objects.get(pk=plan.pk)
    assert latest.texts["parents"] == "Forældrene fortæller, at Alma nu leger med naboens børn. Også"
    assert latest.current.author == alice
    assert drafts(page) == []


def test_a_draft_left_unsaved_is_offered_back_when_the_form_is_opened_again(page, plan, alice, alma):
    edit_url = f"/boern/{alma.pk}/handleplan/ret/"
    login(page, "alice")
    page.goto(edit_url)
    page.get_by_label("Mål for barnet").fill("Alma deltager i leg med to andre børn.\nAlma synger med.")
    page.wait_for_timeout(600)
    page.goto(f"/boern/{alma.pk}/handleplan/")  # away without saving (a closed tab, a crash …)
    page.goto(edit_url)
    status(page, "Du har en kladde fra")
    expect(page.get_by_label("Mål for barnet")).to_have_value("Alma deltager i leg med to andre børn.")
    screenshot_and_axe(page, "82-kladde-tilbydes")
    page.get_by_role("button", name="Gendan kladden").click()
    expect(page.get_by_label("Mål for barnet")).to_have_value("Alma deltager i leg med to andre børn.\nAlma synger med.")
    page.get_by_role("button", name="Gem handleplanen").click()
    status(page, "Handleplanen er gemt.")
    assert Handleplan.objects.get(pk=plan.pk).texts["goals_child"][-1] == "Alma synger med."
    page.goto(edit_url)  # saved: not offered again
    expect(page.get_by_text("Du har en kladde fra")).to_have_count(0)

    # Another user on the same browser is never offered Alice's draft.
    page.get_by_label("Tegn på, at målene nås").fill("Alices kladde, som ikke blev gemt.")
    page.wait_for_timeout(600)
    page.get_by_role("button", name="Log ud").click()
    page.wait_for_url("**/login/**")
    assert drafts(page) == []  # logging out removes the person's drafts from the browser


def test_two_people_editing_one_plan_are_merged_field_by_field(browser, live_server, plan, alice, lars, alma):  # noqa: F811
    edit_url = f"/boern/{alma.pk}/handleplan/ret/"
    contexts = [browser.new_context(base_url=live_server.url, locale="da-DK", viewport={"width": 1280, "height": 900})
                for _ in range(2)]
    try:
        alice_page, lars_page = (context.new_page() for context in contexts)
        for p, user in ((alice_page, "alice"), (lars_page, "lars")):
            p.set_default_timeout(10000)
            login(p, user)
            p.goto(edit_url)  # both open the same version

        lars_page.get_by_label("Forældrenes perspektiv").fill("Forældrene ser fremgang derhjemme.")
        lars_page.get_by_label("Mål for barnet", exact=True).fill("Lars' mål for Alma.")
        lars_page.get_by_role("button", name="Gem handleplanen").click()
        status(lars_page, "Handleplanen er gemt.")

        # Alice never touched «Forældrenes perspektiv»; she changed the signs and, like Lars, the goal.
        alice_page.get_by_label("Tegn på, at målene nås").fill("Alma beder selv om hjælp.")
        alice_page.get_by_label("Mål for barnet", exact=True).fill("Alices mål for Alma.")
        alice_page.get_by_role("button", name="Gem handleplanen").click()
        expect(alice_page.get_by_role("heading", name="Handleplanen er ændret, mens du skrev")).to_be_visible()
        conflicts = alice_page.locator("#konflikter tbody tr")
        expect(conflicts).to_have_count(1)  # only the field both changed
        expect(conflicts.first).to_contain_text("Lars' mål for Alma.")
        expect(conflicts.first).to_contain_text("Alices mål for Alma.")
        expect(alice_page.get_by_label("Forældrenes perspektiv")).to_have_value("Forældrene ser fremgang derhjemme.")
        expect(alice_page.get_by_text("allerede taget med i formularen: «Forældrenes perspektiv»")).to_be_visible()
        screenshot_and_axe(alice_page, "83-konflikt-felt-for-felt")

        mine = alice_page.get_by_label("Min tekst – som den står i feltet herunder")
        alice_page.get_by_role("button", name="Gem handleplanen").click()  # without choosing: the browser asks
        assert mine.evaluate("radio => radio.validity.valueMissing")
        expect(alice_page.get_by_role("heading", name="Handleplanen er ændret, mens du skrev")).to_be_visible()
        mine.check()
        alice_page.get_by_role("button", name="Gem handleplanen").click()
        status(alice_page, "Handleplanen er gemt.")

        texts = Handleplan.objects.get(pk=plan.pk).texts
        assert texts["parents"] == "Forældrene ser fremgang derhjemme."  # Lars' change, not reverted
        assert texts["signs"] == "Alma beder selv om hjælp."
        assert texts["goals_child"] == ["Alices mål for Alma."]
    finally:
        for context in contexts:
            context.close()
