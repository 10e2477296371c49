"""Reports: the number of queries does not grow with the number of children."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Case, CaseEvent, Observation, ObservationType
from districtcouncil.defaults import seed_council_configuration
from districtcouncil.models import Decision, ResourceType
from handleplan.models import Effort, Evaluation, Handleplan
from reports import cache as figures_cache
from reports import services
from reports.models import Report
from tests import factories
from tests.test_reports_data import CPH

pytestmark = pytest.mark.django_db


def add_children(n, institution, leader, topi_type, resource):
    """n children, each with a case history, TOPI observations, an evaluated effort and a grant."""
    for i in range(n):
        opened = datetime.datetime(2026, 1, 1 + i % 20, 12, tzinfo=CPH)
        case = Case.objects.create(child=factories.child(institution), opened_by=leader, opened_at=opened)
        CaseEvent.objects.create(case=case, action="oprettet", to_state="forebyggende", at=opened)
        CaseEvent.objects.create(case=case, action="op", from_state="forebyggende", to_state="foregribende",
                                 at=opened + datetime.timedelta(days=20 + i))
        for day, position in [(2, "gul"), (12, "groen")]:
            Observation.objects.create(child=case.child, type=topi_type, observed_on=opened.date() + datetime.timedelta(days=day),
                                       text="x", topi_position=position, author=leader)
        effort = Effort.objects.create(plan=Handleplan.objects.create(case=case, created_by=leader), name="x",
                                       level="forebyggende", created_by=leader, started_on=opened.date(),
                                       evaluation_date=datetime.date(2026, 2, 1))
        Evaluation.objects.create(effort=effort, evaluated_on=datetime.date(2026, 2, 1),
                                  planned_for=datetime.date(2026, 2, 1), result="naaet", seen="x", author=leader)
        Decision.objects.create(basis="distriktsraad", institution=institution, resource_type=resource, hours=10,
                                period_start=opened.date(), period_end=opened.date(), follow_up_on=opened.date(),
                                decided_by=leader, decided_at=opened)


def count_queries(func) -> int:
    with CaptureQueriesContext(connection) as context:
        func()
    return len(context.captured_queries)


def test_query_count_is_the_same_for_5_and_40_children(client_for, chef, municipality, solsikken, regnbuen, lars,
                                                       monkeypatch):
    seed_council_configuration(municipality)
    topi_type = ObservationType.objects.create(municipality=municipality, name="TOPI", has_topi_position=True)
    resource = ResourceType.objects.get(municipality=municipality, name="Praksisvejleder")
    monkeypatch.setattr(services, "render_pdf", lambda template, context: b"%PDF-1.7 test")
    client = client_for(chef)
    query = {"fra": "2026-01-01", "til": "2026-12-31"}
    page = reverse("reports:statistics", args=["kommune", municipality.pk])
    csv = reverse("reports:csv", args=["kommune", municipality.pk])

    def build():
        report = Report.objects.create(scope_kind="kommune", municipality=municipality, requested_by=chef,
                                       period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 12, 31))
        services.report_build(report.pk)

    def cold(func):
        def run():
            figures_cache.bump(municipality.pk)  # as after any change in the municipality
            func()
        return run

    counts = []
    for n in (5, 35):  # 5 children, then 40
        add_children(n // 2 + 1, solsikken, lars, topi_type, resource)
        add_children(n - n // 2 - 1, regnbuen, lars, topi_type, resource)
        counts.append({"page, cold": count_queries(cold(lambda: client.get(page, query))),
                       "page, warm": count_queries(lambda: client.get(page, query)),
                       "csv, warm": count_queries(lambda: client.get(csv, query)),
                       "pdf, cold": count_queries(cold(build)), "pdf, warm": count_queries(build)})
    assert counts[0] == counts[1]
    # A warm view asks nothing for the figures: session, user, scope, picker, report list.
    assert counts[0]["page, warm"] < counts[0]["page, cold"]
    assert Case.objects.count() == 40
