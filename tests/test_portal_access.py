"""The access-control matrix extended to parents (issue 18).

Two families, each with everything the portal has an id for (child, consent purpose, the parent's
consent, a with-CPR draft submission, a decision letter published to the portal):

    Mette Jensen ── Alma (Solsikken, district Nord)       ← the signed-in parent ("own")
    Karen Holm   ── Viggo (Regnbuen, district Syd)        ← another family ("foreign")
    Sofie Berg   ── Otto (institution C, municipality 2)  ← another family in another municipality

With Mette's portal session, every portal URL with ids is asked by GET and POST with the other
families' ids (all of them, and one foreign id under her own child): the answer is the same as for
an id that does not exist (404, or 405 for a method the URL does not take), a denial is logged
with the parent as actor, nothing is stored, and the body names no other family's child or parent.
Every staff URL answers her session as it answers someone not logged in (a redirect to the login,
logged when it carries an id), never a page. A positive control opens the own family's URLs.
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.defaults import seed_case_configuration
from cases.models import ConsentPurpose, MeetingType
from districtcouncil import services as council_services
from districtcouncil.defaults import seed_council_configuration
from districtcouncil.models import Council, CouncilMeeting, CouncilMeetingType, Letter, ResourceType, Submission
from handleplan import services as plan_services
from haandguide.actors import Actor, ActorKind
from haandguide.models import AccessLog, Guardian, Role
from portal import services
from tests import factories
from tests.case_fixtures import handleplan  # noqa: F401
from tests.portal_fixtures import parent_client
from tests.portal_registry import PARENT_REGISTRY
from tests.refusals import _everything as _all_tables
from tests.test_access_matrix import _routes

MISSING = 987654
# Pages anyone may open, signed in or not: they show no child's data.
PUBLIC = {"login", "favicon", "accessibility", "session_keepalive", "logout",
          "sso:start", "sso:callback",  # sign-in itself: a bad answer shows the login page with an error
          # published contracts: the integration API's OpenAPI document, the child-record export's schema
          "api-v1:openapi-json", "integrations:record_schema"}


def _family(child, *, guardian_name, email, leader, consultant, district, handleplan):
    municipality = child.municipality
    staff, expert = Actor.staff(leader), Actor.staff(consultant)
    guardian = Guardian.objects.create(child=child, name=guardian_name, relation="mor", email=email)
    case = case_services.case_open(actor=staff, child=child)
    plan_services.plan_start(actor=staff, case=case)
    handleplan.ready_levels = {"forebyggende", "foregribende"}
    case = case_services.case_escalate(actor=staff, case_id=case.pk, version=case.version, reason="Ikke nok")
    case_services.meeting_record(actor=staff, case=case, data={
        "type": MeetingType.objects.get(municipality=municipality, name="Netværksmøde"),
        "held_on": timezone.localdate(), "participants": "Leder\nForældre", "minutes": "", "follow_up_on": None},
        agreements=[{"kind": "indstilling", "text": "Indstilling", "with_parents": True}])
    purpose = ConsentPurpose.objects.get(municipality=municipality, code="arbejdsmoede")
    consent = services.consent_give(actor=Actor.parent(guardian), child=child, guardian=guardian, purpose=purpose)
    council = Council.objects.get(district=district)
    meeting_type = CouncilMeetingType.objects.filter(municipality=municipality).first()
    starts = timezone.now() + datetime.timedelta(days=40)
    decided_meeting = CouncilMeeting.objects.create(council=council, type=meeting_type, starts_at=starts)
    data = {"meeting": decided_meeting, "kind": Submission.Kind.RESSOURCEVURDERING, "track": Submission.Track.WITH_CPR,
            "description": "Har brug for mere støtte."}
    decided = council_services.submission_create(actor=staff, institution=child.institution, child=child, data=data)
    services.submission_approve(actor=Actor.parent(guardian), submission=decided, guardian=guardian)
    council_services.submission_submit(actor=staff, submission_id=decided.pk, version=None)
    council_services.agenda_close(decided_meeting.pk, actor=Actor.job("agenda_close"), now=decided_meeting.deadline)
    decision = council_services.decision_record(actor=expert, submission_id=decided.pk, data={
        "resource_type": ResourceType.objects.get(municipality=municipality, name="Praksisvejleder"),
        "amount_dkk": None, "hours": 40, "mellemform": None, "period_start": starts.date(),
        "period_end": starts.date() + datetime.timedelta(days=180), "goals": "Mål",
        "follow_up_on": starts.date() + datetime.timedelta(days=60), "least_intrusive_discussed": True,
        "notes": "Begrundelse"})
    letter = Letter.objects.get(decision=decision)
    services.publish_letter(letter, actor=staff)
    later = CouncilMeeting.objects.create(council=council, type=meeting_type, starts_at=starts + datetime.timedelta(days=30))
    submission = council_services.submission_create(actor=staff, institution=child.institution, child=child,
                                                    data={**data, "meeting": later})
    return SimpleNamespace(child=child, guardian=guardian, purpose=purpose, consent=consent, submission=submission,
                           letter=letter, secrets=[child.first_name, child.last_name, guardian_name])


@pytest.fixture
def world(municipality, nord, syd, alma, viggo, lars, bob, birgitte, handleplan):
    seed_case_configuration(municipality)
    seed_council_configuration(municipality)
    other_municipality = factories.municipality(name="Køge Kommune")
    seed_case_configuration(other_municipality)
    seed_council_configuration(other_municipality)
    district_x = factories.district(other_municipality, name="X")
    seed_council_configuration(other_municipality)  # the council of district X
    institution_c = factories.institution(district_x, name="Institution C")
    otto = factories.child(institution_c, first_name="Otto", last_name="Berg")
    syd_consultant = factories.user(Role.KONSULENT, districts=[syd], username="konsulent-syd")
    leader_c = factories.user(Role.LEDER, institutions=[institution_c], username="leder-c")
    consultant_x = factories.user(Role.KONSULENT, districts=[district_x], username="konsulent-x")
    families = {
        "own": _family(alma, guardian_name="Mette Jensen", email="mette@example.dk", leader=lars, consultant=birgitte,
                       district=nord, handleplan=handleplan),
        "b": _family(viggo, guardian_name="Karen Holm", email="karen@example.dk", leader=bob,
                     consultant=syd_consultant, district=syd, handleplan=handleplan),
        "m2": _family(otto, guardian_name="Sofie Berg", email="sofie@example.dk", leader=leader_c,
                      consultant=consultant_x, district=district_x, handleplan=handleplan),
    }
    return families


def _kwargs(spec: dict, chosen: dict) -> dict:
    return {key: chosen[key] for key in spec}


def _ids(family) -> dict:
    return {"child": family.child.pk, "purpose": family.purpose.pk, "consent": family.consent.pk,
            "submission": family.submission.pk, "letter": family.letter.pk}


def _denials() -> int:
    return AccessLog.objects.filter(action=AccessLog.Action.DENIED, actor_kind=ActorKind.PARENT).count()


def _ask(client, method, name, kwargs):
    url = reverse(name, kwargs=kwargs)
    before = _denials()
    response = getattr(client, method.lower())(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, body.decode("utf-8", "replace"), _denials() > before, url


def _everything() -> dict:
    """Every table but the sessions (each request refreshes its own: the idle timeout) and the access
    log's chain head (moved by the denial row the request writes)."""
    skipped = ("sessions.session", "haandguide.accesslogchain")
    return {label: rows for label, rows in _all_tables().items() if label not in skipped}


# Configuration shared by the municipality (the same consent purposes for every family in it): an id
# of it is foreign only from another municipality.
MUNICIPAL = {"purpose"}

PORTAL_URLS = {name: spec for name, spec in PARENT_REGISTRY.items() if name != "portal:link"}


def test_every_portal_url_with_another_familys_ids_is_refused_logged_and_shows_nothing(world, capsys):
    mette = parent_client("mette@example.dk")
    own = world["own"]
    requests = refused = logged = leaked = 0
    problems = []
    for name, spec in PORTAL_URLS.items():
        objects = {key: value for key, value in spec.items()}
        for tag in ("b", "m2"):
            foreign = world[tag]
            variants = {"all ids": {k: _ids(foreign)[v] for k, v in objects.items()}}
            inner = [v for v in objects.values() if v != "child" and not (tag == "b" and v in MUNICIPAL)]
            if inner:  # a foreign inner id under one's own child
                variants["inner id"] = {k: (_ids(own)[v] if v == "child" else _ids(foreign)[v])
                                        for k, v in objects.items()}
            for label, chosen in variants.items():
                missing = {k: (chosen[k] if label == "inner id" and objects[k] == "child" else MISSING) for k in objects}
                for method in ("GET", "POST"):
                    missing_status = _ask(mette, method, name, missing)[0]
                    before = _everything()
                    status, body, was_logged, url = _ask(mette, method, name, chosen)
                    requests += 1
                    where = f"{method} {url} ({label} from {tag})"
                    refused += status in (404, 405)
                    logged += was_logged
                    found = [s for s in foreign.secrets if s in body]
                    leaked += sum(len(s.encode()) for s in found)
                    if status != missing_status:
                        problems.append(f"{where}: {status}, but {missing_status} for an id that does not exist")
                    if status not in (404, 405) or not was_logged or found:
                        problems.append(f"{where}: {status}, logged={was_logged}, leaked={found}")
                    after = _everything()
                    if after != before:
                        problems.append(f"{where}: stored something in {[k for k in before if before[k] != after[k]]}")
    with capsys.disabled():
        print(f"\nparents' access matrix: {requests} requests, {refused} refused, {logged} logged, {leaked} bytes "
              "of another family")
    assert requests and refused == logged == requests and leaked == 0 and not problems, "\n".join(problems)


def test_the_owner_opens_every_portal_url(world):
    mette = parent_client("mette@example.dk")
    own = _ids(world["own"])
    for name, spec in PORTAL_URLS.items():
        kwargs = {k: own[v] for k, v in spec.items()}
        url = reverse(name, kwargs=kwargs)
        response = mette.get(url)
        if response.status_code == 405:
            response = mette.post(url)
        assert response.status_code not in (403, 404) and response.status_code < 500, f"{url}: {response.status_code}"


def _staff_urls(child_pk: int):
    for route in _routes():
        if not route.name or route.name.startswith("portal:") or route.name in PUBLIC:
            continue
        if route.route.startswith("admin/") and route.name != "admin:index":
            continue
        kwargs = {}
        for key in route.kwargs:
            kwargs[key] = child_pk if key.endswith("pk") or key in ("a", "b", "pk") else "kommune"
        try:
            yield route, reverse(route.name, kwargs=kwargs)
        except Exception:  # noqa: BLE001 - a converter that takes another shape: try a number
            yield route, reverse(route.name, kwargs={key: child_pk for key in route.kwargs})


def test_no_staff_url_answers_a_parent(world):
    """A parent has no staff login: every staff URL, by GET and POST, with the parent's own child's
    id, is sent to the login page (logged when it carries an id) and shows nothing of the child."""
    mette = parent_client("mette@example.dk")
    own = world["own"]
    problems, asked = [], 0
    for route, url in _staff_urls(own.child.pk):
        for method in ("GET", "POST"):
            before = AccessLog.objects.filter(action=AccessLog.Action.DENIED).count()
            response = getattr(mette, method.lower())(url)
            asked += 1
            body = b"".join(response.streaming_content) if response.streaming else response.content
            text = body.decode("utf-8", "replace")
            if response.status_code < 300 or response.status_code >= 500:
                problems.append(f"{method} {url}: {response.status_code}")
            if response.status_code in (301, 302) and "login" not in response["Location"]:
                problems.append(f"{method} {url}: redirected to {response['Location']}")
            if route.kwargs and AccessLog.objects.filter(action=AccessLog.Action.DENIED).count() == before:
                problems.append(f"{method} {url}: not logged")
            if own.child.first_name in text or own.guardian.name in text:
                problems.append(f"{method} {url}: shows the child")
    assert asked > 100 and not problems, "\n".join(problems)


def test_a_staff_session_is_refused_on_every_portal_url_and_logged(world, client_for, lars):
    staff = client_for(lars)
    own = _ids(world["own"])
    for name, spec in PORTAL_URLS.items():
        url = reverse(name, kwargs={k: own[v] for k, v in spec.items()})
        for method in ("get", "post"):
            before = AccessLog.objects.filter(action=AccessLog.Action.DENIED, user=lars).count()
            response = getattr(staff, method)(url)
            assert response.status_code in (403, 405), f"{method} {url}: {response.status_code}"
            assert AccessLog.objects.filter(action=AccessLog.Action.DENIED, user=lars).count() > before, url
            assert "Mette Jensen" not in response.content.decode()
