"""The statistics' running figures (reports/aggregates.py): kept as events happen, equal to a rebuild
from the source rows, and equal to the figures computed from the event rows themselves."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import CaseEvent, Observation, ObservationType
from haandguide.models import Institution
from handleplan.models import Evaluation
from reports import aggregates, selectors, services
from reports.models import DirtyMonth, EffortDue, LevelStay, MonthFigure, ScopeKind, YellowRun
from reports.scope import Period, Scope
from tests import factories
from tests.test_reports_data import (  # noqa: F401
    CPH, F, G, I, L, Q1, council, dataset, grants, ladder, move, noon, plans, solsikken_scope, submissions, topi,
)

pytestmark = pytest.mark.django_db
Act = CaseEvent.Action


def municipality_scope(municipality) -> Scope:
    return Scope(ScopeKind.MUNICIPALITY, municipality.pk, municipality.name, municipality.pk)


def district_scope(district) -> Scope:
    return Scope(ScopeKind.DISTRICT, district.pk, district.name, district.municipality_id, district.pk)


def snapshot(municipality) -> dict:
    """Every running figure of the municipality, with the zero rows an increment may leave dropped."""
    months = sorted((r.kind, r.scope_pk, r.month, r.figure, r.source, r.target, r.count, r.returned)
                    for r in MonthFigure.objects.filter(municipality=municipality) if r.count or r.returned)
    stays = sorted((s.case_id, s.institution_id, s.district_id, s.level, s.started_at, s.ended_at)
                   for s in LevelStay.objects.filter(municipality=municipality))
    runs = sorted((r.child_id, r.institution_id, r.district_id, r.started_on, r.ended_on)
                  for r in YellowRun.objects.filter(municipality=municipality))
    due = sorted((d.effort_id, d.institution_id, d.district_id, d.due_on, d.started_on, d.ended_on, d.evaluated_on)
                 for d in EffortDue.objects.filter(municipality=municipality))
    return {"months": months, "stays": stays, "runs": runs, "due": due}


@pytest.fixture
def mixed(dataset, solsikken, regnbuen, lars):
    """The known data set, then the changes the running figures must follow: a backdated step in
    the middle of a history, an event moved to another month, an event deleted, a late
    evaluation and a new next date, a TOPI observation inserted into a run, and a child moved to another district."""
    cases = dataset
    move(cases["a3"], Act.DE_ESCALATED, G, F, noon(2026, 1, 25))  # before a3's escalation on 4 Feb
    late = CaseEvent.objects.filter(case=cases["a4"], action=Act.ESCALATED).get()
    late.at = noon(2026, 3, 2)
    late.save()
    CaseEvent.objects.filter(case=cases["a0"], action=Act.DE_ESCALATED).get().delete()
    evaluation = Evaluation.objects.filter(effort__plan__case=cases["a1"]).order_by("evaluated_on").first()
    Evaluation.objects.create(effort=evaluation.effort, evaluated_on=datetime.date(2026, 2, 27),
                              planned_for=datetime.date(2026, 2, 20), result="delvist", seen="x", author=lars)
    effort = evaluation.effort
    effort.evaluation_date = datetime.date(2026, 2, 25)  # a new next date: evaluated since (27 Feb)
    effort.save()
    kind = ObservationType.objects.get(municipality=solsikken.district.municipality, name="TOPI")
    Observation.objects.create(child=cases["a2"].child, type=kind, observed_on=datetime.date(2026, 2, 15),
                               text="x", topi_position="roed", author=lars)
    child = cases["b0"].child
    child.institution = regnbuen
    child.save()
    return cases


def test_running_figures_equal_a_rebuild_from_the_source_rows(mixed, municipality):
    kept = snapshot(municipality)
    assert kept["months"] and kept["stays"] and kept["runs"] and kept["due"]
    aggregates.rebuild_municipality(municipality.pk)
    assert snapshot(municipality) == kept


def test_rebuilding_one_institution_month_restores_it_and_its_sums(mixed, municipality, solsikken):
    kept = snapshot(municipality)
    MonthFigure.objects.filter(kind=ScopeKind.INSTITUTION, scope_pk=solsikken.pk,
                               month=datetime.date(2026, 2, 1)).delete()
    MonthFigure.objects.filter(kind=ScopeKind.MUNICIPALITY, month=datetime.date(2026, 2, 1)).update(count=0)
    aggregates.rebuild_municipality(municipality.pk)
    assert snapshot(municipality) == kept
    # The one-institution-month rebuild (the warm-up's) recomputes it from the source as well.
    MonthFigure.objects.filter(kind=ScopeKind.INSTITUTION, scope_pk=solsikken.pk,
                               month=datetime.date(2026, 2, 1)).update(count=99)
    aggregates.rebuild([solsikken.pk], [datetime.date(2026, 2, 1)])
    assert snapshot(municipality)["months"] == kept["months"]


@pytest.mark.parametrize("make_scope", [solsikken_scope, "district", "municipality"])
def test_figures_from_running_rows_equal_the_figures_from_the_event_rows(mixed, solsikken, municipality,
                                                                          make_scope, monkeypatch):
    scope = {"district": lambda i: district_scope(i.district), "municipality": lambda i: municipality_scope(
        i.district.municipality)}.get(make_scope, make_scope)(solsikken)
    with time_machine.travel(datetime.datetime(2026, 6, 1, 12, 0, tzinfo=CPH), tick=False):
        for period in (Q1, Period(datetime.date(2025, 11, 1), datetime.date(2026, 5, 31))):
            assert aggregates.covers(period)
            kept = selectors.report_figures(scope, period)
            monkeypatch.setattr(aggregates, "covers", lambda period, today=None: False)
            source = selectors.report_figures(scope, period)
            monkeypatch.undo()
            assert kept["months"] == source["months"]
            assert kept["flows"] == source["flows"]
            assert kept["evaluations"] == source["evaluations"]


def test_durations_and_yellow_runs_read_the_kept_rows_not_the_events(mixed, municipality):
    scope = municipality_scope(municipality)
    with CaptureQueriesContext(connection) as context:
        selectors.level_durations(scope, Q1)
        selectors.yellow_durations(scope, Q1)
        selectors.yellow_brief(scope, Q1, 25)
    sql = " ".join(q["sql"] for q in context.captured_queries)
    assert len(context.captured_queries) == 3
    assert "cases_caseevent" not in sql and "cases_observation" not in sql


def test_a_month_not_whole_is_computed_from_the_event_rows(ladder, solsikken):
    assert not aggregates.covers(Period(datetime.date(2026, 1, 1), datetime.date(2026, 3, 15)),
                                 today=datetime.date(2026, 6, 1))
    assert not aggregates.covers(Period(datetime.date(2026, 1, 2), datetime.date(2026, 3, 31)),
                                 today=datetime.date(2026, 6, 1))
    # To today counts as whole: nothing has happened after today.
    assert aggregates.covers(Period(datetime.date(2026, 1, 1), datetime.date(2026, 6, 1)),
                             today=datetime.date(2026, 6, 1))
    months = selectors.level_months(solsikken_scope(solsikken), Period(datetime.date(2026, 1, 1),
                                                                       datetime.date(2026, 3, 15)))
    assert months[-1]["counts"] == {F: 13, G: 3, I: 1}


def test_a_new_event_touches_only_its_institution_and_month(ladder, solsikken, regnbuen, municipality):
    before = {(r.kind, r.scope_pk, r.month, r.figure, r.source, r.target): r.count
              for r in MonthFigure.objects.filter(municipality=municipality)}
    move(ladder["a5"], Act.ESCALATED, F, G, noon(2026, 3, 9))
    after = {(r.kind, r.scope_pk, r.month, r.figure, r.source, r.target): r.count
             for r in MonthFigure.objects.filter(municipality=municipality)}
    changed = {key for key in set(before) | set(after) if before.get(key) != after.get(key)}
    march = datetime.date(2026, 3, 1)
    assert changed == {
        (kind, pk, march, figure, source, G)
        for kind, pk in ((ScopeKind.INSTITUTION, solsikken.pk), (ScopeKind.DISTRICT, solsikken.district_id),
                         (ScopeKind.MUNICIPALITY, municipality.pk))
        for figure, source in (("level", F), ("up", F))
    }
    assert not [key for key in changed if key[1] == regnbuen.pk and key[0] == ScopeKind.INSTITUTION]


def test_writes_that_bypass_the_signals_are_rebuilt_by_the_warm_up(ladder, solsikken, municipality):
    scope = solsikken_scope(solsikken)
    CaseEvent.objects.bulk_create([CaseEvent(case=ladder["a5"], action=Act.ESCALATED, from_state=F, to_state=G,
                                             at=noon(2026, 3, 9))])
    assert selectors.level_months(scope, Q1)[-1]["counts"][G] == 2  # not seen yet: no signal
    aggregates.mark_dirty(solsikken.pk, datetime.date(2026, 3, 1))
    services.statistics_warm()
    assert selectors.level_months(scope, Q1)[-1]["counts"][G] == 3
    assert not DirtyMonth.objects.exists()


def test_a_warm_up_with_nothing_dirty_does_next_to_nothing(ladder, municipality, django_assert_max_num_queries):
    DirtyMonth.objects.all().delete()
    services.statistics_warm()
    with django_assert_max_num_queries(4):
        assert aggregates.rebuild_dirty() == 0


def test_a_new_institution_without_history_has_no_rows(municipality, nord):
    institution = Institution.objects.create(district=nord, name="Nyt hus")
    factories.child(institution)
    assert not MonthFigure.objects.filter(kind=ScopeKind.INSTITUTION, scope_pk=institution.pk).exists()


def test_a_change_makes_stale_only_the_scopes_that_contain_it(ladder, solsikken, regnbuen, municipality):
    from reports import cache as figures_cache

    scopes = {"solsikken": solsikken_scope(solsikken), "regnbuen": solsikken_scope(regnbuen),
              "nord": district_scope(solsikken.district), "syd": district_scope(regnbuen.district),
              "kommune": municipality_scope(municipality)}
    for scope in scopes.values():
        figures_cache.report_figures(scope, Q1)
    move(ladder["a5"], Act.ESCALATED, F, G, noon(2026, 3, 9))  # in Solsikken (Nord)
    cached = {name for name, scope in scopes.items() if figures_cache.is_cached(scope, Q1)}
    assert cached == {"regnbuen", "syd"}
    assert figures_cache.report_figures(scopes["kommune"], Q1)["months"][-1]["counts"][G] == 3
    # A change of configuration (a district renamed) concerns every figure of the municipality.
    for scope in scopes.values():
        figures_cache.report_figures(scope, Q1)
    regnbuen.district.name = "Syd-Øst"
    regnbuen.district.save()
    assert not any(figures_cache.is_cached(scope, Q1) for scope in scopes.values())


def overdue_from_source(scope, as_of) -> int:
    """Efforts whose evaluation date had passed at `as_of`, with no evaluation since (from the
    handleplan rows themselves, as the figure was computed before the kept rows)."""
    from django.db.models import Exists, OuterRef, Q

    from handleplan.models import Effort

    since = Evaluation.objects.filter(effort=OuterRef("pk"), evaluated_on__gte=OuterRef("evaluation_date"),
                                      evaluated_on__lte=as_of)
    return (Effort.objects.filter(scope.q("plan__case__child__institution"), evaluation_date__lt=as_of,
                                  started_on__lte=as_of)
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=as_of)).exclude(Exists(since)).count())


def test_overdue_evaluations_from_the_kept_rows_equal_the_source(mixed, solsikken, municipality):
    for scope in (solsikken_scope(solsikken), municipality_scope(municipality)):
        for day in (datetime.date(2026, 2, 26), datetime.date(2026, 3, 1), datetime.date(2026, 3, 31),
                    datetime.date(2026, 5, 1)):
            kept = selectors.evaluations(scope, Period(datetime.date(2026, 1, 1), day), today=day)["overdue"]
            assert kept == overdue_from_source(scope, day)
    assert selectors.evaluations(municipality_scope(municipality), Q1, today=Q1.end)["overdue"] > 0


def test_an_event_off_the_ladder_costs_the_figures_no_query(ladder, django_assert_num_queries):
    # The insert, and the statistics cache's lookup of where the row belongs (tests/test_reports_cache.py).
    with django_assert_num_queries(2):
        CaseEvent.objects.create(case=ladder["a5"], action=Act.MEETING, at=noon(2026, 3, 9))
