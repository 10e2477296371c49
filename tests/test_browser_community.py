"""Issue 20 in a real browser: a leader and two staff run a TOPI round for one group, the leader
writes the group's plan from it and submits it to the district council, which reads it frozen."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.defaults import seed_case_configuration
from community.models import ChildGroup, TopiRating
from districtcouncil.defaults import seed_council_configuration
from districtcouncil.models import Council, CouncilMeeting, CouncilMeetingType, Submission, SubmissionState
from haandguide.lib.formats import datetime_da
from haandguide.models import Notice, Role
from tests import factories
from tests.browser import browser, login, logout, needs_chromium, page, screenshot_and_axe, success  # noqa: F401

pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(municipality, nord, solsikken, lars, alice, alma):
    seed_case_configuration(municipality)
    seed_council_configuration(municipality)
    karen = factories.user(Role.PAEDAGOG, institutions=[solsikken], username="karen", first_name="Karen")
    bo = factories.child(solsikken, first_name="Bo", last_name="Lund")
    group = ChildGroup.objects.create(institution=solsikken, name="Mariehønen")
    group.children.set([alma, bo])
    day = timezone.localdate() + datetime.timedelta(days=30)
    meeting = CouncilMeeting.objects.create(
        council=Council.objects.get(district=nord),
        type=CouncilMeetingType.objects.get(municipality=municipality, name="Distriktsrådsmøde"),
        starts_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(13, 0))), location="Rådhuset")
    return {"karen": karen, "bo": bo, "group": group, "meeting": meeting}


def rate(page, child, position: str, button: str) -> None:
    row = page.locator(f"tr[data-child='{child.pk}']")
    row.get_by_label(position, exact=True).check()
    row.get_by_role("button", name=button).click()
    success(page, f"Vurderingen af {child} er gemt.")


def test_a_topi_round_becomes_the_groups_plan_and_goes_to_the_council(page, world, lars, alice, alma):
    bo, group, meeting = world["bo"], world["group"], world["meeting"]

    # The leader starts the round for the group.
    login(page, "lars")
    page.get_by_role("link", name="Læringsfællesskab").click()
    page.get_by_role("link", name="Mariehønen").click()
    page.get_by_label("Rundens navn").fill("Efterårsrunde")
    page.get_by_role("button", name="Start TOPI-runden").click()
    expect(page.get_by_role("heading", name="Efterårsrunde")).to_be_visible()
    round_url = page.url
    logout(page)

    # Two staff rate each child, each on their own.
    for username, alma_position in (("alice", "Gul"), ("karen", "Gul")):
        login(page, username)
        page.goto(round_url)
        rate(page, alma, alma_position, "Gem min vurdering")
        rate(page, bo, "Grøn", "Gem min vurdering")
        logout(page)

    # The leader has rated nobody: the joint rating is only offered once two have rated.
    login(page, "lars")
    page.goto(round_url)
    screenshot_and_axe(page, "community-topi-runde")
    rate(page, alma, "Gul", "Gem min vurdering")
    rate(page, alma, "Gul", "Gem fælles vurdering")
    rate(page, bo, "Grøn", "Gem min vurdering")
    rate(page, bo, "Grøn", "Gem fælles vurdering")
    expect(page.locator(f"tr[data-child='{alma.pk}'] .suggestion")).to_contain_text("Overvej at oprette en sag")
    expect(page.locator(f"tr[data-child='{bo.pk}'] .suggestion")).to_have_count(0)
    assert TopiRating.objects.filter(joint=True).count() == 2
    assert Notice.objects.filter(user=lars, child=alma).exists()

    # The group's plan, written from the round: the yellow child is proposed.
    page.get_by_role("link", name="Skriv stuens plan ud fra runden").click()
    expect(page.get_by_label("Alma Jensen")).to_be_checked()
    expect(page.get_by_label("Bo Lund")).not_to_be_checked()
    page.get_by_label("Mål for læringsfællesskabet").fill("Alle børn er med i legen")
    page.get_by_label("Tegn på at målene nås").fill("Flere børn leger sammen i små grupper")
    page.get_by_label("Indsatser i læringsmiljøet").fill("Små legegrupper\nBilledstøtte ved samling")
    page.get_by_label("Evalueringsredskab").fill("Praksisfortællinger")
    page.get_by_label("Personalemøde, der valgte indsatserne").fill(timezone.localdate().isoformat())
    screenshot_and_axe(page, "community-gruppeplan")
    page.get_by_role("button", name="Gem planen").click()
    success(page, "Planen for læringsfællesskabet er gemt.")
    expect(page.get_by_text("Små legegrupper")).to_be_visible()

    # ...and goes to the council with a group submission.
    page.get_by_role("link", name="Indstil til distriktsrådet").click()
    page.get_by_label("Møde").select_option(label=f"{meeting} – frist {datetime_da(timezone.localtime(meeting.deadline))}")
    page.get_by_label("Indstillingen beder om").select_option(label="Sparring/vejledning om læringsfællesskabet")
    page.get_by_role("combobox", name="Spor").select_option(label=Submission.Track.WITHOUT_CPR.label)
    page.get_by_label("Børnegruppe/læringsfællesskab").fill("Mariehønen, 22 børn")
    page.get_by_label("Lederens beskrivelse").fill("Vi søger sparring på stuens læringsmiljø.")
    page.get_by_role("button", name="Gem som kladde").click()
    success(page, "Indstillingen er gemt som kladde.")
    page.get_by_role("button", name="Send indstilling").click()
    success(page, f"Indstillingen er sendt til {meeting}. Læringsfællesskabets plan er frosset.")
    expect(page.get_by_role("heading", name="Læringsfællesskabets plan som sendt: Mariehønen")).to_be_visible()
    screenshot_and_axe(page, "community-indstilling-sendt")

    submission = Submission.objects.get(child=None)
    assert submission.state == SubmissionState.INDSENDT and submission.group_plan.group == group
    assert submission.group_snapshot.content["texts"]["goals_community"] == ["Alle børn er med i legen"]
    assert submission.group_snapshot.content["children"] == [{"id": alma.pk, "name": "Alma Jensen"}]
