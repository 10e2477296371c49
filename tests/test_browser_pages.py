"""Axe and screenshots on the pages the role journeys do not pass through: messages, the council's
lists and Aabenraa's åben rådgivning and familiegrupper."""

import datetime

import pytest
from django.utils import timezone

from cases import services as case_services
from cases.defaults import seed_case_configuration
from districtcouncil.defaults import seed_council_configuration
from districtcouncil.models import Council, CouncilMeeting, CouncilMeetingType
from haandguide.notify import notify
from tests.browser import browser, login, needs_chromium, page, screenshot_and_axe  # noqa: F401
from tests.case_fixtures import as_user

pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]


def test_leader_pages_beyond_the_journeys_are_accessible(page, lars, alma, solsikken, nord, municipality):
    municipality.open_counselling_enabled = municipality.family_groups_enabled = True
    municipality.save()
    seed_case_configuration(municipality)
    seed_council_configuration(municipality)
    CouncilMeeting.objects.create(council=Council.objects.get(district=nord),
                                  type=CouncilMeetingType.objects.filter(municipality=municipality).first(),
                                  starts_at=timezone.now() + datetime.timedelta(days=30))
    notify([lars], key="demo", subject="Dagsordenen til Distriktsråd Nord er klar", url="/distriktsraad/")
    session = case_services.counselling_session_create(actor=as_user(lars), institution=solsikken, data={
        "starts_at": timezone.now() + datetime.timedelta(days=3), "slots": 4, "slot_minutes": 30,
        "professionals": "Sundhedsplejerske, PPR-psykolog"})
    group = case_services.family_group_create(actor=as_user(lars), institution=solsikken,
                                              data={"name": "Forældregruppen", "purpose": "Netværk"})
    case_services.family_group_participant_add(actor=as_user(lars), group=group, child=alma)
    group_session = case_services.family_group_session_add(actor=as_user(lars), group=group,
                                                           data={"held_on": timezone.localdate(), "theme": "Søvn"})

    login(page, "lars")
    screenshot_and_axe(page, "60-forside-leder")
    for path, name in [
        ("/beskeder/", "61-beskeder"),
        ("/distriktsraad/indstillinger/", "62-indstillinger"),
        ("/distriktsraad/moeder/", "63-alle-moeder"),
        ("/boern/aaben-raadgivning/", "64-aaben-raadgivning"),
        (f"/boern/aaben-raadgivning/{session.pk}/", "65-aaben-raadgivning-tider"),
        ("/boern/familiegrupper/", "66-familiegrupper"),
        (f"/boern/familiegrupper/{group.pk}/", "67-familiegruppe"),
        (f"/boern/familiegrupper/{group.pk}/gange/{group_session.pk}/", "68-fremmoede"),
    ]:
        response = page.goto(path)
        assert response.status == 200, path
        screenshot_and_axe(page, name)
