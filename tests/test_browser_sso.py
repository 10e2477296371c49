"""Issue 17 in Chromium: a mapped user signs in through the municipality's provider's own login
page (a real OpenID provider on loopback) and lands on their home page; signing out ends the
session here and at the provider."""

import pytest
from playwright.sync_api import expect

from haandguide.models import Role
from sso.models import GroupMapping
from tests.browser import browser, needs_chromium, page, screenshot_and_axe  # noqa: F401
from tests.oidc import PASSWORD
from tests.test_sso import make_provider

pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]


def test_a_mapped_user_signs_in_at_the_provider_and_out_of_both(page, live_server, op_a, municipality, solsikken,
                                                                alice, monkeypatch):
    provider = make_provider(municipality, op_a, "haderslev", monkeypatch, base=live_server.url)
    mapping = GroupMapping.objects.create(provider=provider, group="hg-paedagoger-solsikken", role=Role.PAEDAGOG)
    mapping.institutions.set([solsikken])
    op_a.user("alice.browser", email=alice.email, groups=["hg-paedagoger-solsikken"])

    page.goto("/login/")
    screenshot_and_axe(page, "sso-00-login-med-kommunens-login")
    page.get_by_role("link", name="Log ind med Haderslev Kommunes login").click()
    # The provider's own login page, on its own origin.
    page.wait_for_url(f"{op_a.url}/login/**")
    page.get_by_label("Brugernavn hos kommunen").fill("alice.browser")
    page.get_by_label("Adgangskode hos kommunen").fill(PASSWORD)
    page.get_by_role("button", name="Log ind hos kommunen").click()
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_text("Alice", exact=True)).to_be_visible()
    screenshot_and_axe(page, "sso-01-forside-efter-kommunens-login")

    page.get_by_role("button", name="Log ud").click()
    page.wait_for_url(f"{live_server.url}/login/**")
    page.goto("/")
    page.wait_for_url(f"{live_server.url}/login/**")  # signed out here
    # ...and at the provider: the next sign-in asks for the password again.
    page.get_by_role("link", name="Log ind med Haderslev Kommunes login").click()
    page.wait_for_url(f"{op_a.url}/login/**")
    expect(page.get_by_label("Brugernavn hos kommunen")).to_be_visible()


def test_a_local_account_enrols_an_authenticator_app_in_production(page, live_server, alice, settings):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.test_totp import code_for

    settings.LOCAL_LOGIN_TOTP = True
    page.goto("/login/")
    page.get_by_label("Brugernavn").fill("alice")
    page.get_by_label("Adgangskode").fill("korrekt-hest-batteri")
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url("**/login/kode/opret/")
    expect(page.get_by_role("heading", name="Tilknyt en godkendelsesapp")).to_be_visible()
    screenshot_and_axe(page, "sso-02-tilknyt-godkendelsesapp")
    device = TOTPDevice.objects.get(user=alice, confirmed=False)
    page.get_by_label("Kode").fill(code_for(device))
    page.get_by_role("button", name="Bekræft og log ind").click()
    expect(page.get_by_role("heading", name="Dine gendannelseskoder")).to_be_visible()
    screenshot_and_axe(page, "sso-03-gendannelseskoder")
    page.get_by_role("link", name="Jeg har gemt koderne – fortsæt").click()
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_text("Alice", exact=True)).to_be_visible()
