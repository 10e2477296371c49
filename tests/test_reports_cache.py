"""Statistics figures are cached per scope, period and the municipality's data version
(reports/cache.py): a repeat view is cheap, and a change in the data is never hidden by the cache."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import services as case_services
from cases.models import CaseState
from haandguide import services as org_services
from haandguide.models import Role
from reports import cache as figures_cache
from reports import presentation, selectors, tasks
from reports.forms import default_period
from reports.models import Measure, ScopeKind
from reports.scope import Period, Scope
from tests import factories
from tests.case_fixtures import as_user, case_in, handleplan  # noqa: F401
from tests.test_reports_data import CPH, Q1, ladder, solsikken_scope  # noqa: F401

pytestmark = pytest.mark.django_db



def municipality_scope(municipality) -> Scope:
    return Scope(ScopeKind.MUNICIPALITY, municipality.pk, municipality.name, municipality.pk)


def page(kind, pk):
    return reverse("reports:statistics", args=[kind, pk])


def period_query(period: Period) -> dict:
    return {"fra": period.start.isoformat(), "til": period.end.isoformat()}


def get(client, url, query=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, query or {})
    assert response.status_code == 200
    return response, len(queries)


def queries_without_figures(client, url, query, monkeypatch) -> int:
    """What the view asks besides the figures (session, user, scope check, scope picker, report
    list, access log, session save): the figures handed in ready-made, neither computed nor cached."""
    ready = {}

    def figures(scope, period):
        if "figures" not in ready:
            ready["figures"] = selectors.report_figures(scope, period)
        return ready["figures"]

    with monkeypatch.context() as patch:
        patch.setattr(figures_cache, "report_figures", figures)
        client.get(url, query)  # computes the figures once
        return get(client, url, query)[1]


def rows(response, key):
    """A section's rows as the page showed them (the page renders the built sections, remembered
    under the same data version; a warm page reads only their HTML)."""
    built = presentation.build(response.context["scope"], response.context["period"])["sections"]
    return next(s for s in built if s["key"] == key)["rows"]


def test_a_repeat_view_asks_the_database_nothing_for_the_figures(client_for, chef, municipality, ladder,
                                                                   monkeypatch):
    client = client_for(chef)
    client.get(reverse("reports:index"))  # the session is loaded and saved once
    url, query = page("kommune", municipality.pk), period_query(Q1)
    first, cold = get(client, url, query)
    second, warm = get(client, url, query)
    # Not even a query for the data version: it is kept in the cache, changed by every write.
    assert warm == queries_without_figures(client, url, query, monkeypatch) <= 12
    assert cold - warm >= 10  # every figure was a query of its own the first time
    assert second.context["sections_html"] == first.context["sections_html"]  # (the page's nonces differ)

    csv = reverse("reports:csv", args=["kommune", municipality.pk])
    first_csv, _ = get(client, csv, query)
    second_csv, warm_csv = get(client, csv, query)
    # 12: two of them chain the access-log row to the municipality's log (issue 14)
    assert warm_csv == queries_without_figures(client, csv, query, monkeypatch) <= 12
    assert second_csv.content == first_csv.content


def test_cached_figures_are_shown_exactly_as_freshly_computed_ones(ladder, solsikken, monkeypatch):
    scope = solsikken_scope(solsikken)
    cold = presentation.build(scope, Q1)
    assert figures_cache.is_cached(scope, Q1)
    warm = presentation.build(scope, Q1)
    monkeypatch.setattr(figures_cache, "report_figures", lambda s, p: selectors.report_figures(s, p))
    uncached = presentation.build(scope, Q1)
    assert cold["sections"] == warm["sections"] == uncached["sections"]
    # Suppression applies on every view: January's 3 at foregribende are "< 5" from the cache too.
    assert warm["sections"][0]["rows"][0][3] == "< 5"


def test_a_case_escalated_through_the_services_shows_at_once(client_for, chef, consultant_nord, lars, alma,
                                                             municipality, handleplan):  # noqa: F811
    client = client_for(chef)
    url = page("kommune", municipality.pk)
    case = case_in(CaseState.FOREBYGGENDE, alma, lars, consultant_nord, handleplan)
    before, _ = get(client, url)
    assert ["Op i alt", 0] in rows(before, "bevaegelser")
    assert figures_cache.is_cached(municipality_scope(municipality), default_period())

    handleplan.ready_levels.add(CaseState.FOREBYGGENDE)
    case_services.case_escalate(actor=as_user(lars), case_id=case.pk, version=case.version, reason="Ikke nok")
    after, _ = get(client, url)
    assert ["Op i alt", "< 5"] in rows(after, "bevaegelser")


def test_a_reader_that_cached_before_the_commit_is_replaced_at_the_commit(
        lars, alma, consultant_nord, municipality, handleplan, django_capture_on_commit_callbacks):  # noqa: F811
    scope, period = municipality_scope(municipality), default_period()
    case = case_in(CaseState.FOREBYGGENDE, alma, lars, consultant_nord, handleplan)
    handleplan.ready_levels.add(CaseState.FOREBYGGENDE)
    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_escalate(actor=as_user(lars), case_id=case.pk, version=case.version, reason="Ikke nok")
        # Another process reading now would compute from the committed state (without the escalation)
        # and store it under the token the change has just set.
        figures_cache.report_figures(scope, period)
        assert figures_cache.is_cached(scope, period)
    assert not figures_cache.is_cached(scope, period)  # the commit set a new token


def test_a_child_moved_to_another_institution_changes_both_institutions_figures(ladder, solsikken, regnbuen,
                                                                                municipality):
    leader = factories.user(Role.LEDER, institutions=[solsikken, regnbuen], username="begge")
    solsikken_q1, regnbuen_q1 = solsikken_scope(solsikken), solsikken_scope(regnbuen)
    assert figures_cache.report_figures(regnbuen_q1, Q1)["months"][0]["total"] == 1
    assert figures_cache.report_figures(solsikken_q1, Q1)["months"][0]["total"] == 11
    child = ladder["c0"].child
    org_services.child_update(actor=as_user(leader), child=child, data={"institution": regnbuen},
                              version=child.version)
    assert not figures_cache.is_cached(solsikken_q1, Q1)
    assert not figures_cache.is_cached(regnbuen_q1, Q1)
    assert figures_cache.report_figures(regnbuen_q1, Q1)["months"][0]["total"] == 2
    assert figures_cache.report_figures(solsikken_q1, Q1)["months"][0]["total"] == 10


def test_a_measure_edited_by_the_administrator_shows_at_once(ladder, municipality, solsikken):
    scope = municipality_scope(municipality)
    presentation.build(scope, Q1)
    Measure.objects.create(municipality=municipality, kind=Measure.Kind.PREVENTIVE_VS_INTERVENING,
                           title="Forebyggende frem for indgribende")
    titles = [s["title"] for s in presentation.build(scope, Q1)["sections"]]
    assert "Forebyggende frem for indgribende" in titles


def test_scopes_and_periods_have_entries_of_their_own(client_for, chef, municipality, solsikken, regnbuen, ladder):
    client = client_for(chef)
    whole, cold_whole = get(client, page("kommune", municipality.pk), period_query(Q1))
    own, cold_own = get(client, page("institution", solsikken.pk), period_query(Q1))
    other, cold_other = get(client, page("institution", regnbuen.pk), period_query(Q1))
    february = Period(datetime.date(2026, 2, 1), datetime.date(2026, 2, 28))
    feb, cold_feb = get(client, page("kommune", municipality.pk), period_query(february))
    # Each was computed (none answered from another's entry) and shows its own figures.
    # (measured against a repeat view of each: the page's own queries shrink as the request gets cheaper)
    for (url, period), cold in [((page("kommune", municipality.pk), Q1), cold_whole),
                                ((page("institution", solsikken.pk), Q1), cold_own),
                                ((page("institution", regnbuen.pk), Q1), cold_other),
                                ((page("kommune", municipality.pk), february), cold_feb)]:
        assert cold - get(client, url, period_query(period))[1] >= 8
    assert [r[1] for r in rows(whole, "niveauer")] == [9, 14, 14]  # forebyggende
    assert [r[1] for r in rows(own, "niveauer")] == [8, 13, 13]
    assert [r[1] for r in rows(other, "niveauer")] == ["< 5"] * 3
    assert [r[0] for r in rows(feb, "niveauer")] == ["feb. 2026"]


def test_a_leader_never_gets_another_institutions_cached_figures(client_for, chef, lars, regnbuen, ladder,
                                                                 monkeypatch):
    client_for(chef).get(page("institution", regnbuen.pk), period_query(Q1))
    assert figures_cache.is_cached(solsikken_scope(regnbuen), Q1)
    asked = []
    real = figures_cache.report_figures
    monkeypatch.setattr(figures_cache, "report_figures", lambda *a, **k: asked.append(a) or real(*a, **k))
    client = client_for(lars)
    for url in (page("institution", regnbuen.pk), reverse("reports:csv", args=["institution", regnbuen.pk])):
        response = client.get(url, period_query(Q1))
        assert response.status_code == 404
    assert asked == []  # the scope check answered before the cache was asked


def test_a_new_day_is_a_new_entry_for_figures_read_as_of_today(chef, municipality, ladder):
    scope = municipality_scope(municipality)
    running = Period(datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
    with time_machine.travel(datetime.datetime(2026, 4, 1, 12, tzinfo=CPH), tick=False):
        presentation.build(scope, running)
        assert figures_cache.is_cached(scope, running)
    with time_machine.travel(datetime.datetime(2026, 4, 2, 12, tzinfo=CPH), tick=False):
        assert not figures_cache.is_cached(scope, running)  # overdue evaluations are as of today


def test_the_warm_task_fills_the_cache_and_running_it_twice_is_harmless(client_for, chef, municipality, nord, syd,
                                                                       ladder, monkeypatch):
    other = factories.municipality(name="Køge Kommune")
    scopes = [municipality_scope(municipality), municipality_scope(other),
              Scope(ScopeKind.DISTRICT, nord.pk, str(nord), municipality.pk, nord.pk),
              Scope(ScopeKind.DISTRICT, syd.pk, str(syd), municipality.pk, syd.pk)]
    period = default_period()
    assert not any(figures_cache.is_cached(s, period) for s in scopes)

    assert tasks.warm_statistics.delay().get() == 4
    assert all(figures_cache.is_cached(s, period) for s in scopes)
    figures = [figures_cache.report_figures(s, period) for s in scopes]
    assert tasks.warm_statistics.delay().get() == 0  # nothing changed: nothing computed again
    assert tasks.warm_statistics.delay(refresh=True).get() == 4  # the nightly run recomputes
    assert [figures_cache.report_figures(s, period) for s in scopes] == figures

    client = client_for(chef)
    client.get(reverse("reports:index"))
    url = page("distrikt", nord.pk)
    _, queries = get(client, url)
    assert queries == queries_without_figures(client, url, {}, monkeypatch)  # the first view is warm


def test_the_warm_task_is_in_the_beat_schedule_and_never_recomputes_everything(settings):
    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "reports.tasks.warm_statistics"]
    assert len(entries) == 2  # before the working day, and hourly
    # In proportion to what changed: only the stale scopes and the dirty institution-months.
    assert not any(e.get("kwargs", {}).get("refresh") for e in entries)


def test_pages_and_changes_work_while_the_cache_is_unreachable(client_for, chef, lars, alma, consultant_nord,
                                                               municipality, handleplan, settings):  # noqa: F811
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0"}}  # nothing listens on port 1
    case = case_in(CaseState.FOREBYGGENDE, alma, lars, consultant_nord, handleplan)
    handleplan.ready_levels.add(CaseState.FOREBYGGENDE)
    case_services.case_escalate(actor=as_user(lars), case_id=case.pk, version=case.version, reason="Ikke nok")
    response = client_for(chef).get(page("kommune", municipality.pk))
    assert response.status_code == 200
    assert ["Op i alt", "< 5"] in rows(response, "bevaegelser")


@pytest.fixture
def consultant_nord(nord):
    return factories.user(Role.KONSULENT, districts=[nord], username="konsulent-nord")
