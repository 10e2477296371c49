"""Who someone is is asked of one module (haandguide/roles.py); each app looks objects up through
its one scope module; and the rules that sat in views, forms and templates live in the services.
(Issue 15, items 1, 2 and 4.)"""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.urls import reverse

from cases.defaults import seed_case_configuration
from cases.models import Case, CaseState
from haandguide import roles
from haandguide.models import CounsellorAssignment, Guardian
from tests.refusals import refused
from tests import factories
from tests.case_fixtures import as_user

ROOT = Path(__file__).resolve().parent.parent
APPS = ("haandguide", "cases", "handleplan", "community", "districtcouncil", "reports", "portal", "integrations")


# --- 1. nothing but roles.py compares a role ----------------------------------------------------

# A comparison of a role, in Python or a template: `.role ==`, `.role !=`, `.role in`, `.role not in`,
# a queryset that selects by role (`role=Role.X`, `role__in=`, `Q(role=…)`), `== Role.X`, `in (Role.X`.
ROLE_COMPARISON = re.compile(
    r"\.role\s*(==|!=)|\.role\s+(not\s+)?in\b|\brole\s*=\s*Role\.|\brole__in\s*=|(==|!=)\s*Role\.|"
    r"\bin\s*[\(\[]\s*Role\.|Role\.[A-Z]+\s*(==|!=)"
)


def _app_sources():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts or path == ROOT / "haandguide" / "roles.py":
                continue
            yield path
    yield from (ROOT / "templates").rglob("*.html")


def test_the_role_scanner_catches_each_form_of_comparison():
    for line in ('if user.role == Role.LEDER:', 'if user.role != Role.EKSTERN:', 'if user.role in (Role.LEDER,):',
                 'if user.role not in STAFF:', 'User.objects.filter(role=Role.LEDER)', 'Q(role = Role.CHEF)',
                 'filter(role__in=[Role.PAEDAGOG])', '{% if user.role == "leder" %}', 'if Role.CHEF == x.role:',
                 'if kind in (Role.LEDER, Role.CHEF):'):
        assert ROLE_COMPARISON.search(line), line
    # Giving a user a role (the demo, a factory) is no comparison.
    for line in ('("leder", "Lars", "Brodersen", Role.LEDER, {})', 'defaults={"role": Role.LEDER}',
                 'role = models.CharField("rolle", choices=Role.choices, default=Role.PAEDAGOG)'):
        assert not ROLE_COMPARISON.search(line), line


def test_no_role_is_compared_outside_the_role_module():
    found = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
             for path in _app_sources()
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if ROLE_COMPARISON.search(line)]
    assert not found, "Ask haandguide.roles instead:\n" + "\n".join(found)


# --- 2. every view's lookup by id goes through its app's scope module ------------------------------

DIRECT_LOOKUP = re.compile(r"\bget_in_scope\(|\bOutOfScope\(|\bget_object_or_404\(|"
                           r"from haandguide\.access import [^\n]*\bget_child_for_user\b")


@pytest.mark.parametrize("app", ["cases", "handleplan", "community", "districtcouncil", "reports"])
def test_views_look_objects_up_only_through_the_apps_scope_module(app):
    assert (ROOT / app / "scope.py").exists()
    source = (ROOT / app / "views.py").read_text(encoding="utf-8")
    found = [line.strip() for line in source.splitlines() if DIRECT_LOOKUP.search(line)]
    assert not found, f"{app}/views.py looks up by id itself; use {app}/scope.py:\n" + "\n".join(found)


# --- who someone is to something -------------------------------------------------------------------


@pytest.fixture
def world(municipality, nord, syd, solsikken, regnbuen, alma, alice, lars, bob, birgitte, chef, raadgiver,
          admin_user):
    other = factories.municipality(name="Køge Kommune")
    return SimpleNamespace(other=other, other_district=factories.district(other, name="Øst"))


def test_relationships_to_an_institution_a_district_and_a_municipality(world, solsikken, regnbuen, nord, syd,
                                                                       municipality, alice, lars, bob, birgitte,
                                                                       chef, admin_user):
    assert roles.works_at(alice, solsikken) and roles.works_at(lars, solsikken.pk)
    assert not roles.works_at(alice, regnbuen) and not roles.works_at(birgitte, solsikken)
    assert roles.leads(lars, solsikken) and not roles.leads(alice, solsikken) and not roles.leads(bob, solsikken)
    assert roles.consults_for(birgitte, nord) and not roles.consults_for(birgitte, syd)
    assert not roles.consults_for(lars, nord)
    assert roles.heads_daycare(chef, municipality) and not roles.heads_daycare(chef, world.other)
    assert roles.administers(admin_user, municipality) and not roles.administers(admin_user, world.other)
    assert not roles.administers(chef, municipality)


def test_who_sits_on_a_district_council(world, nord, syd, lars, bob, birgitte, chef, alice, raadgiver, admin_user):
    assert roles.sits_on_council(lars, nord) and not roles.sits_on_council(lars, syd)
    assert roles.sits_on_council(bob, syd) and not roles.sits_on_council(bob, nord)
    assert roles.sits_on_council(birgitte, nord) and not roles.sits_on_council(birgitte, syd)
    assert roles.sits_on_council(chef, nord) and roles.sits_on_council(chef, syd.pk)
    assert not roles.sits_on_council(chef, world.other_district)
    for outsider in (alice, raadgiver, admin_user):
        assert not roles.sits_on_council(outsider, nord)
    assert set(roles.council_members_of(nord)) == {lars, birgitte, chef}


def test_an_external_counsellor_is_attached_to_a_child_only_while_attached(alma, lars, raadgiver):
    assert not roles.is_attached_to(raadgiver, alma)
    assignment = CounsellorAssignment.objects.create(child=alma, counsellor=raadgiver, assigned_by=lars)
    assert roles.is_attached_to(raadgiver, alma) and not roles.is_attached_to(lars, alma)
    assignment.ended_at = assignment.assigned_at
    assignment.save()
    assert not roles.is_attached_to(raadgiver, alma)


def test_a_custodian_is_a_guardian_of_the_child_with_custody(alma, viggo):
    mother = Guardian.objects.create(child=alma, name="Mette Jensen", has_custody=True)
    stepfather = Guardian.objects.create(child=alma, name="Ole Jensen", has_custody=False)
    assert roles.is_custodian_of(mother, alma)
    assert not roles.is_custodian_of(stepfather, alma) and not roles.is_custodian_of(mother, viggo)
    assert list(roles.custodians_of(alma)) == [mother]


def test_the_flags_for_templates_cost_no_query(lars, django_assert_num_queries):
    with django_assert_num_queries(0):
        flags = roles.flags(lars)
    assert flags["is_leader"] and flags["is_institution_staff"] and not flags["is_consultant"]


@pytest.mark.parametrize("persona, present, absent", [
    # Evaluation reminders are in Beskeder (one inbox), not a menu entry of their own.
    ("alice", {"Børn"}, {"Påmindelser", "Distriktsråd", "Statistik", "Adgangslog"}),
    ("lars", {"Børn", "Distriktsråd", "Statistik"}, {"Påmindelser", "Adgangslog"}),
    ("chef", {"Distriktsråd", "Statistik"}, {"Børn", "Påmindelser"}),
    ("raadgiver", {"Børn"}, {"Påmindelser", "Distriktsråd", "Statistik"}),
    ("admin_user", {"Statistik", "Adgangslog", "Administration"}, {"Børn", "Distriktsråd"}),
])
def test_the_navigation_asks_the_role_module(request, client_for, world, persona, present, absent):
    user = request.getfixturevalue(persona)
    labels = {item["label"] for item in client_for(user).get("/").context["nav_items"]}
    assert present <= labels and not (absent & labels)
    assert ("Distriktsråd" in labels) == roles.takes_part_in_councils(user)


# --- 4. each rule one home --------------------------------------------------------------------------


@pytest.fixture
def opened(municipality, alma, lars):
    from cases import services as case_services
    seed_case_configuration(municipality)
    return case_services.case_open(actor=as_user(lars), child=alma, reason="Bekymring")


def test_the_child_page_offers_a_submission_at_indgribende_as_the_service_allows(client_for, opened, alma, lars,
                                                                               alice):
    from districtcouncil.services import refusal_submission_start
    Case.objects.filter(pk=opened.pk).update(state=CaseState.INDGRIBENDE)
    assert refusal_submission_start(lars, alma) is None
    assert "Indstil til distriktsrådet" in client_for(lars).get(reverse("cases:child_detail", args=[alma.pk])).content.decode()
    # Someone the service refuses is not offered the button.
    assert refusal_submission_start(alice, alma)
    assert "Indstil til distriktsrådet" not in client_for(alice).get(
        reverse("cases:child_detail", args=[alma.pk])).content.decode()


def test_the_child_page_names_the_meetings_that_need_consent_from_the_municipalitys_data(client_for, opened, alma,
                                                                                     lars, municipality):
    from cases.models import MeetingType
    page = client_for(lars).get(reverse("cases:child_detail", args=[alma.pk])).content.decode()
    assert "Ingen samtykker registreret. Arbejdsmøde kræver forældrenes samtykke." in page
    for meeting_type in MeetingType.objects.filter(municipality=municipality):  # as the administrator edits them
        meeting_type.requires_consent = None
        meeting_type.save()
    page = client_for(lars).get(reverse("cases:child_detail", args=[alma.pk])).content.decode()
    assert "Ingen samtykker registreret." in page and "kræver forældrenes samtykke" not in page


def test_effort_add_refuses_a_catalogue_entry_of_another_level_and_stores_nothing(opened, alice, municipality):
    from handleplan import services as plan_services
    from handleplan.models import Effort, EffortCatalogueEntry
    plan = plan_services.plan_start(actor=as_user(alice), case=opened)
    later = EffortCatalogueEntry.objects.create(municipality=municipality, level=CaseState.FOREGRIBENDE,
                                                name="Praksisvejledning")
    assert later not in plan_services.catalogue_for(opened)
    with refused("catalogue_level_mismatch"):
        plan_services.effort_add(actor=as_user(alice), plan=plan, data={
            "catalogue": later, "name": later.name, "carried_out_by": "Stuen", "description": "x"})
    assert not Effort.objects.exists()


def test_which_resource_types_a_path_may_grant_is_the_services_rule(municipality):
    from districtcouncil import services
    from districtcouncil.defaults import seed_council_configuration
    seed_council_configuration(municipality)
    council = set(services.resource_types_for(municipality, services.PATH_COUNCIL))
    visitation = set(services.resource_types_for(municipality, services.PATH_VISITATION))
    revisitation = set(services.resource_types_for(municipality, services.PATH_REVISITATION))
    assert council and visitation and not (council & visitation)
    assert all(not t.consultant_only for t in council) and all(t.consultant_only for t in visitation)
    assert revisitation == council | visitation


def test_a_group_submission_belongs_to_the_leaders_institution_in_the_meetings_district(municipality, nord, syd,
                                                                                      lars, solsikken):
    from districtcouncil import services
    from districtcouncil.defaults import seed_council_configuration
    from districtcouncil.models import Council, CouncilMeeting, CouncilMeetingType, Submission
    from django.utils import timezone
    import datetime
    seed_council_configuration(municipality)
    meeting_type = CouncilMeetingType.objects.filter(municipality=municipality).first()

    def meeting(district):
        return CouncilMeeting.objects.create(council=Council.objects.get(district=district), type=meeting_type,
                                             starts_at=timezone.now() + datetime.timedelta(days=30))
    assert services.submission_institution(lars, None, meeting(nord)) == solsikken
    data = {"meeting": meeting(syd), "kind": Submission.Kind.SPARRING, "track": Submission.Track.WITHOUT_CPR,
            "group_description": "Stuen", "description": "Sparring"}
    with refused("not_leader"):
        services.submission_create(actor=as_user(lars), child=None, data=data)
    assert not Submission.objects.exists()


def test_the_referral_note_on_the_child_page_follows_the_meeting_types(client_for, opened, alma, lars, municipality):
    from cases.models import MeetingType
    url = reverse("cases:child_detail", args=[alma.pk])
    page = client_for(lars).get(url).content.decode()
    assert "PPV og VISO kræver en aftale med forældrene på et netværksmøde og deres samtykke." in page
    for meeting_type in MeetingType.objects.filter(municipality=municipality):  # as the administrator edits them
        meeting_type.allows_viso_referral = False
        meeting_type.save()
    page = client_for(lars).get(url).content.decode()
    assert "PPV kræver en aftale med forældrene på et netværksmøde, VISO på en mødetype, kommunen har godkendt" in page
