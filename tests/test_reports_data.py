"""The small known data set behind the report tests (fixtures only; the tests import them).

Period: 1 January – 31 March 2026. Solsikken (Nord) has 17 children with cases; every timestamp is
12:00 Copenhagen time, so every stay is a whole number of days. The expected figures are worked
out by hand in the tests that use them.

  group A (a0–a5), opened 1 Dec 2025 at forebyggende:
    a0: → foregribende 10 Jan, → forebyggende 9 Feb         (F 40 d, G 30 d)
    a1: → foregribende 15 Jan, closed (returned) 16 Mar      (F 45 d, G 60 d)
    a2: → foregribende 20 Jan, → indgribende 1 Mar           (F 50 d, G 40 d)
    a3: → foregribende 4 Feb                                 (F 65 d)
    a4: → foregribende 19 Feb                                (F 80 d)
    a5: stays forebyggende
  group B (b0–b5), opened 10 Feb 2026, stay forebyggende
  group C (c0–c4), opened 1 Nov 2025, stay forebyggende
  Regnbuen (Syd): one child opened 1 Dec 2025 (only in the municipality's figures).
"""

from __future__ import annotations

import datetime
import zoneinfo

import pytest

from cases.models import Case, CaseEvent, Observation, ObservationType
from districtcouncil.defaults import seed_council_configuration
from districtcouncil.models import Council, CouncilMeeting, CouncilMeetingType, Decision, ResourceType, Submission
from handleplan.models import Effort, Evaluation, Handleplan
from reports.models import ScopeKind
from reports.scope import Period, Scope
from tests import factories

CPH = zoneinfo.ZoneInfo("Europe/Copenhagen")
F, G, I, L = "forebyggende", "foregribende", "indgribende", "lukket"
Q1 = Period(datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))
A = "op"


def noon(y, m, d) -> datetime.datetime:
    return datetime.datetime(y, m, d, 12, 0, tzinfo=CPH)


def event(case, action, to_state, at, from_state="", reason=""):
    return CaseEvent.objects.create(case=case, action=action, from_state=from_state, to_state=to_state, at=at,
                                    reason=reason)


def new_case(institution, leader, opened: datetime.datetime, **child) -> Case:
    case = Case.objects.create(child=factories.child(institution, **child), opened_by=leader, opened_at=opened)
    event(case, CaseEvent.Action.OPENED, F, opened)
    return case


def move(case, action, source, target, at, reason=""):
    return event(case, action, target, at, from_state=source, reason=reason)


def solsikken_scope(institution) -> Scope:
    return Scope(ScopeKind.INSTITUTION, institution.pk, institution.name, institution.district.municipality_id,
                 institution.district_id)


@pytest.fixture
def ladder(solsikken, regnbuen, lars, bob):
    """The case histories above; returns the cases by name."""
    Act = CaseEvent.Action
    cases = {}
    for i in range(6):
        cases[f"a{i}"] = new_case(solsikken, lars, noon(2025, 12, 1), first_name=f"A{i}")
    for i in range(6):
        cases[f"b{i}"] = new_case(solsikken, lars, noon(2026, 2, 10), first_name=f"B{i}")
    for i in range(5):
        cases[f"c{i}"] = new_case(solsikken, lars, noon(2025, 11, 1), first_name=f"C{i}")
    cases["syd"] = new_case(regnbuen, bob, noon(2025, 12, 1), first_name="Syd")
    move(cases["a0"], Act.ESCALATED, F, G, noon(2026, 1, 10))
    move(cases["a0"], Act.DE_ESCALATED, G, F, noon(2026, 2, 9))
    move(cases["a1"], Act.ESCALATED, F, G, noon(2026, 1, 15))
    move(cases["a1"], Act.CLOSED, G, L, noon(2026, 3, 16), reason="Tilbage i det almene læringsmiljø")
    move(cases["a2"], Act.ESCALATED, F, G, noon(2026, 1, 20))
    move(cases["a2"], Act.INTERVENTION, G, I, noon(2026, 3, 1))
    move(cases["a3"], Act.ESCALATED, F, G, noon(2026, 2, 4))
    move(cases["a4"], Act.ESCALATED, F, G, noon(2026, 2, 19))
    # Not ladder events: they must not count as a level.
    event(cases["a5"], Act.OBSERVATION, "", noon(2026, 1, 5))
    event(cases["a5"], Act.MEETING, "", noon(2026, 3, 5))
    return cases


@pytest.fixture
def topi(ladder, municipality, lars):
    """TOPI runs (yellow until the next non-yellow):
    a0: gul 5 Jan, gul 20 Jan, grøn 4 Feb        → 30 days, ends in the period
    a1: grøn 1 Dec, gul 10 Jan, rød 30 Jan        → 20 days
    a2: gul 1 Feb, grøn 3 Mar                     → 30 days
    a3: gul 20 Dec, grøn 9 Jan                    → 20 days (began before the period)
    a4: gul 1 Mar, grøn 21 Mar                    → 20 days
    a5: gul 10 Mar, nothing after                 → still yellow, not counted
    b0: gul 1 Nov, grøn 1 Dec                     → ended before the period, not counted
    Observations without a position are ignored.
    """
    kind = ObservationType.objects.create(municipality=municipality, name="TOPI", has_topi_position=True)
    other = ObservationType.objects.create(municipality=municipality, name="Iagttagelse")
    runs = {
        "a0": [("gul", (2026, 1, 5)), ("gul", (2026, 1, 20)), ("groen", (2026, 2, 4))],
        "a1": [("groen", (2025, 12, 1)), ("gul", (2026, 1, 10)), ("roed", (2026, 1, 30))],
        "a2": [("gul", (2026, 2, 1)), ("groen", (2026, 3, 3))],
        "a3": [("gul", (2025, 12, 20)), ("groen", (2026, 1, 9))],
        "a4": [("gul", (2026, 3, 1)), ("groen", (2026, 3, 21))],
        "a5": [("gul", (2026, 3, 10))],
        "b0": [("gul", (2025, 11, 1)), ("groen", (2025, 12, 1))],
    }
    for name, observations in runs.items():
        child = ladder[name].child
        for position, day in observations:
            Observation.objects.create(child=child, type=kind, observed_on=datetime.date(*day), text="x",
                                       topi_position=position, author=lars)
    Observation.objects.create(child=ladder["a0"].child, type=other, observed_on=datetime.date(2026, 1, 25),
                               text="uden position", author=lars)


@pytest.fixture
def council(municipality, nord, syd):
    seed_council_configuration(municipality)
    return {
        "nord": Council.objects.get(district=nord),
        "type": CouncilMeetingType.objects.get(municipality=municipality, name="Distriktsrådsmøde"),
        "resource": {r.name: r for r in ResourceType.objects.filter(municipality=municipality)},
    }


@pytest.fixture
def grants(council, solsikken, regnbuen, birgitte):
    """Decisions: Solsikken 5 × Praksisvejleder (40 h each) and 1 × Frie midler (25,000 kr.) in the
    period; not counted: a sparring-only decision, a grant from December 2025. Regnbuen: 1 × Frie
    midler (10,000 kr.), only in the municipality's figures."""
    resource = council["resource"]

    def grant(institution, name, decided, amount=None, hours=None):
        return Decision.objects.create(
            basis=Decision.Basis.COUNCIL, institution=institution, resource_type=resource[name],
            amount_dkk=amount, hours=hours, period_start=decided.date(), period_end=decided.date(),
            follow_up_on=decided.date(), decided_by=birgitte, decided_at=decided)

    for month, day in [(1, 8), (1, 22), (2, 5), (2, 26), (3, 12)]:
        grant(solsikken, "Praksisvejleder", noon(2026, month, day), hours=40)
    grant(solsikken, "Frie midler", noon(2026, 3, 20), amount=25000)
    grant(solsikken, "Kun sparring/vejledning", noon(2026, 2, 1))
    grant(solsikken, "Praksisvejleder", noon(2025, 12, 15), hours=40)
    grant(regnbuen, "Frie midler", noon(2026, 2, 2), amount=10000)


@pytest.fixture
def submissions(council, solsikken, lars):
    """Solsikken: 5 reached the chosen meeting, 2 were rolled over (in the period); 1 before it."""
    meetings = [CouncilMeeting.objects.create(council=council["nord"], type=council["type"], starts_at=noon(2026, m, 20))
                for m in (1, 2, 3, 4)]

    def send(at, meeting, rolled_from=None):
        return Submission.objects.create(
            institution=solsikken, kind=Submission.Kind.SPARRING, track=Submission.Track.WITHOUT_CPR,
            description="x", group_description="Gruppen", meeting=meeting, rolled_over_from=rolled_from,
            state="indsendt", submitted_at=at, created_by=lars)

    for day in [(2026, 1, 2), (2026, 1, 5), (2026, 2, 1), (2026, 2, 3), (2026, 3, 1)]:
        send(noon(*day), meetings[day[1] - 1])
    send(noon(2026, 1, 15), meetings[1], rolled_from=meetings[0])
    send(noon(2026, 3, 15), meetings[3], rolled_from=meetings[2])
    send(noon(2025, 12, 1), meetings[0])


@pytest.fixture
def plans(ladder, lars):
    """Efforts and evaluations (period Q1 2026, read on 1 June 2026 so the period's end is "today"):
      e1 (a0): evaluated 10 Jan (planned 15 Jan: on time), 20 Feb (planned 15 Feb: late); next 20 Mar → overdue
      e2 (a1): 31 Jan (planned 31 Jan: on time), 5 Mar (planned 10 Mar: on time); next 15 Apr
      e3 (a2): 20 Dec 2025 (outside), 20 Mar (planned 1 Mar: late); next 15 Mar, evaluated since
      e4 (a3): 1 Feb, no planned date; next 1 Mar but ended 10 Mar → not overdue
      e5 (a4): 2 Feb (planned 2 Feb), 2 Mar (planned 3 Mar): on time; next 25 Mar → overdue
      e6 (a5): next 1 Feb, evaluated only on 10 Apr (after the period) → overdue at 31 Mar
    → on time 5, late 2, without a planned date 1, overdue 3.
    """
    def effort(case, next_date, ended=None):
        plan = Handleplan.objects.create(case=case, created_by=lars)
        return Effort.objects.create(plan=plan, name="Indsats", level=F, created_by=lars,
                                     started_on=datetime.date(2025, 12, 1), evaluation_date=next_date, ended_on=ended)

    def evaluate(e, on, planned):
        Evaluation.objects.create(effort=e, evaluated_on=on, planned_for=planned, result="delvist", seen="x",
                                  author=lars)

    d = datetime.date
    e1 = effort(ladder["a0"], d(2026, 3, 20))
    evaluate(e1, d(2026, 1, 10), d(2026, 1, 15))
    evaluate(e1, d(2026, 2, 20), d(2026, 2, 15))
    e2 = effort(ladder["a1"], d(2026, 4, 15))
    evaluate(e2, d(2026, 1, 31), d(2026, 1, 31))
    evaluate(e2, d(2026, 3, 5), d(2026, 3, 10))
    e3 = effort(ladder["a2"], d(2026, 3, 15))
    evaluate(e3, d(2025, 12, 20), d(2025, 12, 15))
    evaluate(e3, d(2026, 3, 20), d(2026, 3, 1))
    e4 = effort(ladder["a3"], d(2026, 3, 1), ended=d(2026, 3, 10))
    evaluate(e4, d(2026, 2, 1), None)
    e5 = effort(ladder["a4"], d(2026, 3, 25))
    evaluate(e5, d(2026, 2, 2), d(2026, 2, 2))
    evaluate(e5, d(2026, 3, 2), d(2026, 3, 3))
    e6 = effort(ladder["a5"], d(2026, 2, 1))
    evaluate(e6, d(2026, 4, 10), d(2026, 2, 1))


@pytest.fixture
def dataset(ladder, topi, grants, submissions, plans):
    return ladder


@pytest.fixture
def celery_app_restored():
    """An eager task leaves a producer pool bound to the in-memory broker on the shared Celery app;
    drop it afterwards so a test that swaps the broker (test_services) gets a fresh connection."""
    from haandguide.celery import app

    yield
    app.amqp._producer_pool = None
