"""Playwright against Debian's Chromium (no browser download) and a live Django server.

The tests save a screenshot of each main page under test-artifacts/screenshots/ and run axe-core
(bundled by axe-playwright-python) on it: no serious or critical WCAG violation is allowed.
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"
# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# between browser steps are ordinary synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

needs_chromium = pytest.mark.skipif(not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists(),
                                    reason="Chromium is not installed (.ci/run installs it)")


# Module scope, not session: each test module imports this fixture and so gets its own copy, and
# two sync Playwright instances alive at once in one thread fail ("Sync API inside the asyncio loop").
@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="da-DK", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10000)
    yield page
    context.close()


def login(page, username: str, password: str = "korrekt-hest-batteri") -> None:
    page.goto("/login/")
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_label("Adgangskode").fill(password)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url("**/")


def logout(page) -> None:
    page.get_by_role("button", name="Log ud").click()
    page.wait_for_url("**/login/**")


def success(page, text: str) -> None:
    """The page's success message (Django's messages, role=status) says `text`."""
    from playwright.sync_api import expect

    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()


def case_action(page, label: str, reason: str, close_reason: str | None = None) -> None:
    """Open a case action on the child page (a <details> with its own form), give the reason, send."""
    action = page.locator("details").filter(has=page.locator("summary", has_text=label))
    action.locator("summary").click()
    if close_reason:
        action.get_by_label("Sagen lukkes fordi").select_option(label=close_reason)
    action.get_by_label("Begrundelse").fill(reason)
    action.get_by_role("button", name=label).click()


def screenshot_and_axe(page, name: str) -> None:
    """Save a full-page screenshot and fail on serious or critical accessibility violations."""
    from axe_playwright_python.sync_playwright import Axe

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert not serious, f"{name}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes']][:3]}" for v in serious)
