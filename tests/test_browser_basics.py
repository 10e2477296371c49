"""A real browser: login, the child list and the child page, with screenshots and axe-core."""

import pytest
from playwright.sync_api import expect

from tests.browser import browser, login, logout, needs_chromium, page, screenshot_and_axe  # noqa: F401

pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]


def test_login_page_is_accessible(page):
    page.goto("/login/")
    screenshot_and_axe(page, "00-login")
    csp = page.request.get("/login/").headers["content-security-policy"]
    assert "script-src 'self'" in csp


def test_wrong_password_shows_a_danish_error(page, alice):
    page.goto("/login/")
    page.get_by_label("Brugernavn").fill("alice")
    page.get_by_label("Adgangskode").fill("forkert")
    page.get_by_role("button", name="Log ind").click()
    expect(page.get_by_text("Forkert brugernavn eller adgangskode")).to_be_visible()
    assert page.get_by_label("Brugernavn").input_value() == "alice"


def test_pedagogue_finds_a_child_and_opens_the_page(page, alice, alma):
    login(page, "alice")
    screenshot_and_axe(page, "01-forside-paedagog")
    page.get_by_role("link", name="Børn", exact=True).click()
    page.get_by_placeholder("Søg på navn").fill("alma")
    page.get_by_role("button", name="Søg").click()
    screenshot_and_axe(page, "02-boerneliste")
    page.get_by_role("link", name="Alma Jensen").click()
    expect(page.get_by_role("heading", name="Alma Jensen")).to_be_visible()
    screenshot_and_axe(page, "03-barnets-side")
    logout(page)
