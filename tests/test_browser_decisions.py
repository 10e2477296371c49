"""Issue 13 in a real browser: a granted period that has ended awaits re-assessment; the leader
cannot step the case down past it; the consultant's re-assessment form posts where it is handled,
keeps what was typed when refused, and says what happened."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases import services as case_services
from cases.models import Case, CaseState
from districtcouncil import services as council_services
from districtcouncil.models import Decision, ResourceType
from tests.browser import browser, login, needs_chromium, page, screenshot_and_axe  # noqa: F401
from tests.case_fixtures import as_user
from tests.test_browser_journeys import config, success  # noqa: F401

pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]


def ended_chronic_illness_grant(child, leader, consultant) -> Decision:
    """Extra resources for chronic illness, granted by the consultant; the period ended 20 days ago."""
    case_services.case_open(request=as_user(leader), child=child, reason="Diabetes")
    today = timezone.localdate()
    start = today - datetime.timedelta(days=170)
    resource = ResourceType.objects.get(municipality=child.institution.district.municipality,
                                        name="Ekstra ressourcer ved kronisk sygdom")
    return council_services.visitation_record(request=as_user(consultant), child=child,
                                              basis=Decision.Basis.CHRONIC_ILLNESS, data={
        "resource_type": resource, "amount_dkk": 20000, "hours": None, "mellemform": None, "period_start": start,
        "period_end": today - datetime.timedelta(days=20), "goals": "Alma deltager i ture med støtte.",
        "follow_up_on": start + datetime.timedelta(weeks=12), "notes": "Diabetes", "least_intrusive_discussed": True,
        "least_intrusive_offer": "Personalets almindelige støtte rækker ikke."})


def test_an_ended_period_is_reassessed_through_the_decision(page, config, lars, birgitte, alma):
    decision = ended_chronic_illness_grant(alma, lars, birgitte)
    assert Case.objects.get(child=alma).state == CaseState.INDGRIBENDE

    login(page, "lars")
    page.goto(f"/boern/{alma.pk}/")
    expect(page.get_by_text("Afventer revurdering:")).to_be_visible()
    expect(page.get_by_role("button", name="Et niveau ned")).to_be_disabled()
    expect(page.get_by_text("sker ved afgørelsens revurdering")).to_be_visible()
    screenshot_and_axe(page, "60-leder-afventer-revurdering")
    page.get_by_role("button", name="Log ud").click()

    login(page, "birgitte")
    page.goto("/")
    page.get_by_role("link", name="Afventer revurdering").click()
    screenshot_and_axe(page, "61-konsulent-afventer-revurdering")
    page.get_by_role("link", name="Alma Jensen").click()
    expect(page.get_by_text("Afventer revurdering.")).to_be_visible()
    # Renewing without confirming the least intrusive option is refused; what was typed stays.
    page.get_by_label("Udfald").select_option(label="Forlænget")
    page.get_by_label("Evaluering af målene").fill("Alma deltager i ture; målet om samling er delvist nået.")
    page.get_by_role("button", name="Registrér revurdering").click()
    expect(page.get_by_text("Revurderingen er ikke registreret")).to_be_visible()
    expect(page.get_by_text("Den mindst indgribende indsats skal altid være drøftet")).to_be_visible()
    expect(page.get_by_label("Evaluering af målene")).to_have_value(
        "Alma deltager i ture; målet om samling er delvist nået.")
    screenshot_and_axe(page, "62-revurdering-afvist")
    decision.refresh_from_db()
    assert decision.reassessed_at is None
    # Stepping down: recorded, said, and the case moves towards the general area.
    page.get_by_label("Udfald").select_option(label="Niveau ned mod det almene")
    page.get_by_role("button", name="Registrér revurdering").click()
    success(page, "Revurderingen er registreret")
    decision.refresh_from_db()
    assert decision.reassessed_at and decision.reassessment_outcome == Decision.Outcome.STEPPED_DOWN
    assert Case.objects.get(child=alma).state == CaseState.FOREGRIBENDE
