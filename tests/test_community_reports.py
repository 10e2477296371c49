"""The statistics and the PDF show evaluation activity and TOPI rounds (issue 20), with the
small-count rule applied to the children counted, in a fixed number of queries."""

import datetime
import subprocess

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from community import services
from community.models import ChildGroup
from haandguide.models import Role
from reports import aggregates
from reports import community as community_figures
from reports import services as report_services
from reports.models import Report
from reports.scope import Period, allowed as scope_for
from tests import factories
from tests.case_fixtures import as_user
from tests.test_reports_running import snapshot

TODAY = timezone.localdate()
PERIOD = {"fra": TODAY.replace(day=1).isoformat(), "til": TODAY.isoformat()}


def a_round(lars, raters, group, positions: dict):
    topi_round = services.round_open(actor=as_user(lars), group=group, name="Runde")
    for child, position in positions.items():
        for rater in raters:
            services.rating_add(actor=as_user(rater), topi_round=topi_round, child=child, position=position)
        services.joint_rating_add(actor=as_user(lars), topi_round=topi_round, child=child, position=position)
    return topi_round


@pytest.fixture
def rounds(lars, alice, solsikken):
    karen = factories.user(Role.PAEDAGOG, institutions=[solsikken], username="karen")
    children = [factories.child(solsikken, first_name=f"Barn{n}", last_name="Test") for n in range(9)]
    group = ChildGroup.objects.create(institution=solsikken, name="Stue")
    group.children.set(children)
    # 6 green, 3 yellow: the yellow count is under 5, and so the total would give it back.
    a_round(lars, [alice, karen], group, {c: ("gul" if i < 3 else "groen") for i, c in enumerate(children)})
    services.reflective_evaluation_add(actor=as_user(lars), institution=solsikken, data={
        "held_on": TODAY, "theme": "Samling", "participants": "Alle", "findings": "Lang ventetid", "next_steps": ""})
    return children


def test_the_statistics_page_shows_evaluations_and_topi_rounds_with_small_counts_hidden(client_for, chef, municipality, rounds,
                                                                                       solsikken, regnbuen):
    body = client_for(chef).get(reverse("reports:statistics", args=["kommune", municipality.pk]), PERIOD).content.decode()
    assert "Evalueringskultur: evalueringer af læringsmiljøet" in body and "TOPI-runder: fælles vurderinger" in body
    topi = community_figures.sections(community_figures.figures(scope_for(chef, "kommune", municipality.pk),
                                                                Period(TODAY.replace(day=1), TODAY)))[1]
    rows = {row[0]: row[1] for row in topi["rows"]}
    assert rows["Gul"] == "< 5" and rows["Grøn"] == 6 and rows["I alt"] == "skjult" and rows["Rød"] == 0
    activity = community_figures.sections(community_figures.figures(scope_for(chef, "kommune", municipality.pk),
                                                                    Period(TODAY.replace(day=1), TODAY)))[0]
    # The municipality per district (every institution in the CSV); a district per institution.
    assert activity["rows"] == [["Nord", 1, 1], ["Syd", 0, 0], ["I alt", 1, 1]]
    activity = community_figures.sections(community_figures.figures(scope_for(chef, "distrikt", solsikken.district_id),
                                                                    Period(TODAY.replace(day=1), TODAY)))[0]
    assert activity["headers"][0] == "Institution" and ["Børnehuset Solsikken", 1, 1] in activity["rows"]


def test_the_csv_lists_every_institution_of_the_municipality(client_for, chef, municipality, rounds, solsikken, regnbuen):
    body = client_for(chef).get(reverse("reports:csv", args=["kommune", municipality.pk]), PERIOD).content.decode()
    table = body[body.index("Evalueringskultur"):]
    assert "Børnehuset Solsikken;1;1" in table and "Børnehaven Regnbuen;0;0" in table


@pytest.mark.parametrize("period", ["month", "days"])
def test_the_running_figures_follow_rounds_ratings_and_evaluations(chef, municipality, solsikken, regnbuen, rounds,
                                                                   period):
    """From the month rows (whole months) and from the source rows (any other period) alike, and
    after a round is moved to another month and an evaluation deleted."""
    from community.models import ReflectiveEvaluation, TopiRound

    scope = scope_for(chef, "kommune", municipality.pk)
    start = TODAY.replace(day=1)
    chosen = Period(start, TODAY) if period == "month" else Period(start, TODAY + datetime.timedelta(days=400))

    def seen():
        f = community_figures.figures(scope, chosen)
        return f["topi"], [(r["name"], r["evaluations"], r["rounds"]) for r in f["activity"]]

    assert seen() == ({"groen": 6, "gul": 3, "roed": 0}, [("Nord", 1, 1), ("Syd", 0, 0)])
    last_month = start - datetime.timedelta(days=1)
    moved = TopiRound.objects.get()
    moved.held_on = last_month
    moved.save()
    ReflectiveEvaluation.objects.get().delete()
    assert seen() == ({"groen": 0, "gul": 0, "roed": 0}, [("Nord", 0, 0), ("Syd", 0, 0)])
    earlier = community_figures.figures(scope, Period(last_month.replace(day=1), last_month))
    assert earlier["topi"] == {"groen": 6, "gul": 3, "roed": 0} and earlier["activity"][0]["rounds"] == 1
    kept = snapshot(municipality)
    aggregates.rebuild_municipality(municipality.pk)
    assert snapshot(municipality) == kept


def test_the_figures_cost_the_same_queries_at_two_data_sizes(chef, municipality, lars, alice, solsikken, rounds):
    scope, period = scope_for(chef, "kommune", municipality.pk), Period(TODAY.replace(day=1), TODAY)
    with CaptureQueriesContext(connection) as small:
        community_figures.figures(scope, period)
    group = ChildGroup.objects.get(name="Stue")
    a_round(lars, [alice, factories.user(Role.PAEDAGOG, institutions=[solsikken], username="karin")], group,
            {c: "roed" for c in rounds[:6]})
    with CaptureQueriesContext(connection) as large:
        community_figures.figures(scope, period)
    assert len(small) == len(large) == 2


def test_the_pdf_report_shows_them_too(chef, municipality, rounds, tmp_path):
    scope = scope_for(chef, "kommune", municipality.pk)
    report = Report.objects.create(**scope.report_fields(), period_start=TODAY.replace(day=1), period_end=TODAY,
                                   requested_by=chef)
    report = report_services.report_build(report.pk)
    path = tmp_path / "rapport.pdf"
    path.write_bytes(bytes(report.pdf))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Evalueringskultur" in text and "TOPI-runder: fælles vurderinger" in text
    table = text[text.rindex("TOPI-runder: fælles"):]
    assert any(line.split() == ["Gul", "<5"] for line in table.splitlines())
    assert any(line.split() == ["I", "alt", "skjult"] for line in table.splitlines())
    assert "Barn0" not in text
