"""Reports: every figure on a small known data set (tests/test_reports_data.py), worked out by hand."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from reports import presentation, selectors
from reports.models import ScopeKind
from reports.privacy import suppress
from reports.scope import Scope
from tests.test_reports_data import (  # noqa: F401
    CPH, F, G, I, Q1, dataset, grants, ladder, plans, solsikken_scope, submissions, topi, council,
)

pytestmark = pytest.mark.django_db


def municipality_scope(municipality) -> Scope:
    return Scope(ScopeKind.MUNICIPALITY, municipality.pk, municipality.name, municipality.pk)


@pytest.fixture
def after_the_period():
    with time_machine.travel(datetime.datetime(2026, 6, 1, 12, 0, tzinfo=CPH), tick=False):
        yield


# --- levels -----------------------------------------------------------------------------------


def test_level_at_each_month_end_is_the_last_event_before_it(ladder, solsikken):
    months = selectors.level_months(solsikken_scope(solsikken), Q1)
    # January: a0–a2 moved up (3 at G); a3–a5 and C (8) at F; B not yet opened.
    # February: a0 back at F, a3/a4 up, B opened → F: a0, a5, B×6, C×5 = 13; G: a1–a4 = 4.
    #   (a2's step to indgribende is 1 March 12:00, after February's end.)
    # March: a1 closed (no level), a2 at I → F 13, G 2 (a3, a4), I 1.
    assert [m["label"] for m in months] == ["jan. 2026", "feb. 2026", "mar. 2026"]
    assert [m["counts"] for m in months] == [
        {F: 8, G: 3, I: 0},
        {F: 13, G: 4, I: 0},
        {F: 13, G: 2, I: 1},
    ]
    assert [m["total"] for m in months] == [11, 17, 16]
    assert months[2]["shares"] == {F: 81.25, G: 12.5, I: 6.25}


def test_level_shares_follow_the_scope(ladder, municipality, regnbuen):
    whole = selectors.level_months(municipality_scope(municipality), Q1)
    assert [m["counts"][F] for m in whole] == [9, 14, 14]  # plus the child in Regnbuen
    syd = Scope(ScopeKind.INSTITUTION, regnbuen.pk, regnbuen.name, municipality.pk, regnbuen.district_id)
    assert [m["total"] for m in selectors.level_months(syd, Q1)] == [1, 1, 1]


def test_flows_between_levels_in_the_period(ladder, solsikken):
    flows = selectors.level_flows(solsikken_scope(solsikken), Q1)
    assert flows["totals"] == {"opened": 6, "up": 6, "down": 1, "closed": 1, "returned": 1, "reopened": 0}
    assert [(f["kind"], f["from"], f["to"], f["count"]) for f in flows["rows"]] == [
        ("opened", "", F, 6), ("up", F, G, 5), ("up", G, I, 1), ("down", G, F, 1), ("closed", G, "lukket", 1),
    ]


def test_median_and_quartiles_of_the_time_at_each_level(ladder, solsikken):
    durations = {d["level"]: d for d in selectors.level_durations(solsikken_scope(solsikken), Q1)}
    # Forebyggende stays that ended in the period: 40, 45, 50, 65, 80 days (a0–a4).
    assert {k: durations[F][k] for k in ("count", "min", "q1", "median", "q3", "max")} == {
        "count": 5, "min": 40, "q1": 45, "median": 50, "q3": 65, "max": 80}
    # Foregribende: 30 (a0), 40 (a2), 60 (a1); interpolated quartiles 35 and 50.
    assert (durations[G]["count"], durations[G]["median"], durations[G]["q1"], durations[G]["q3"]) == (3, 40, 35, 50)
    assert durations[I]["count"] == 0 and durations[I]["median"] is None


def test_time_in_yellow_lasts_until_the_next_non_yellow_observation(topi, solsikken):
    yellow = selectors.yellow_durations(solsikken_scope(solsikken), Q1)
    # Runs ending in the period: 30 (a0), 20 (a1), 30 (a2), 20 (a3), 20 (a4).
    assert {k: yellow[k] for k in ("count", "min", "q1", "median", "q3", "max")} == {
        "count": 5, "min": 20, "q1": 20, "median": 20, "q3": 30, "max": 30}


# --- resources, deadlines, evaluations ----------------------------------------------------------


def test_resources_granted_per_institution_type_and_quarter(grants, solsikken, municipality):
    resources = selectors.resources(solsikken_scope(solsikken), Q1)
    assert [(r["resource"], r["count"], r["amount"], r["hours"]) for r in resources["rows"]] == [
        ("Praksisvejleder", 5, 0, 200), ("Frie midler", 1, 25000, 0)]
    assert [(q["label"], q["count"]) for q in resources["by_quarter"]] == [("1. kvartal 2026", 6)]
    assert resources["totals"] == {"count": 6, "amount": 25000, "hours": 200}
    whole = selectors.resources(municipality_scope(municipality), Q1)
    assert [(d["name"], d["count"], d["amount"]) for d in whole["by_district"]] == [("Nord", 6, 25000),
                                                                                   ("Syd", 1, 10000)]


def test_deadline_compliance_counts_rolled_over_submissions_as_late(submissions, solsikken):
    deadlines = selectors.deadlines(solsikken_scope(solsikken), Q1)
    assert (deadlines["on_time"], deadlines["rolled_over"], deadlines["total"]) == (5, 2, 7)


def test_evaluations_on_time_late_and_overdue(plans, solsikken, after_the_period):
    evaluations = selectors.evaluations(solsikken_scope(solsikken), Q1)
    assert {k: evaluations[k] for k in ("on_time", "late", "unplanned", "overdue")} == {
        "on_time": 5, "late": 2, "unplanned": 1, "overdue": 3}
    assert evaluations["as_of"] == datetime.date(2026, 3, 31)


# --- privacy ----------------------------------------------------------------------------------


@pytest.mark.parametrize("count, shown", [(0, 0), (1, "< 5"), (4, "< 5"), (5, 5), (17, 17)])
def test_counts_below_five_are_shown_as_less_than_five(count, shown):
    assert suppress(count) == shown


def test_tables_suppress_small_counts_and_the_shares_that_would_reveal_them(dataset, solsikken, after_the_period):
    sections = {s["key"]: s for s in presentation.build(solsikken_scope(solsikken), Q1)["sections"]}
    # January: F 8 of 11 – its share would reveal that 3 are elsewhere, so it is hidden too, and so
    # is the total (11 − 8 − 0); more in test_reports_privacy.
    assert sections["niveauer"]["rows"][0] == ["jan. 2026", 8, None, "< 5", None, 0, None, "skjult"]
    assert ["Op i alt", "skjult"] in sections["bevaegelser"]["rows"]
    assert ["Lukket i alt", "< 5"] in sections["bevaegelser"]["rows"]
    assert ["Forebyggende", 5, 45.0, 50.0, 65.0] in sections["tid"]["rows"]
    assert ["Foregribende", "< 5", None, None, None] in sections["tid"]["rows"]  # a median of 3 is not shown
    assert ["Indstillinger i alt", 5, "< 5"] in sections["frister"]["rows"]
    assert ["Andel indstillinger til tiden %", None, ""] in sections["frister"]["rows"]
    assert ["Evalueringer (planlagt dato)", 5, "< 5"] in sections["frister"]["rows"]


def test_no_names_or_cpr_numbers_in_the_aggregate_page(client_for, chef, dataset, municipality):
    url = reverse("reports:statistics", args=["kommune", municipality.pk])
    body = client_for(chef).get(url, {"fra": "2026-01-01", "til": "2026-03-31"}).content.decode()
    for case in dataset.values():
        child = case.child
        assert child.last_name not in body and child.cpr not in body and child.cpr[:6] not in body


# --- page and CSV -------------------------------------------------------------------------------


def test_statistics_page_shows_charts_and_tables_without_inline_script_or_style(client_for, chef, dataset,
                                                                               municipality, after_the_period):
    url = reverse("reports:statistics", args=["kommune", municipality.pk])
    response = client_for(chef).get(url, {"fra": "2026-01-01", "til": "2026-03-31"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Statistik: Haderslev Kommune" in body and "1. januar 2026 – 31. marts 2026" in body
    assert body.count('role="img"') == 6 + 2 and "<title" in body and 'aria-label="Andel børn' in body  # + the learning community's two (reports/community.py)
    assert "style=" not in body and "<script>" not in body
    assert "&lt; 5" in body
    assert "Andel børn på hvert niveau ved månedens udgang" in body


def test_default_period_is_the_last_twelve_months(client_for, chef, municipality):
    with time_machine.travel(datetime.datetime(2026, 5, 15, 12, 0, tzinfo=CPH), tick=False):
        response = client_for(chef).get(reverse("reports:statistics", args=["kommune", municipality.pk]))
    assert "1. juni 2025 – 15. maj 2026" in response.content.decode()
    assert len(response.context["sections"][0]["rows"]) == 12


def test_invalid_period_falls_back_to_the_default_and_says_why(client_for, chef, municipality):
    response = client_for(chef).get(reverse("reports:statistics", args=["kommune", municipality.pk]),
                                    {"fra": "2026-03-01", "til": "2026-01-01"})
    assert "Til-datoen ligger før fra-datoen." in response.content.decode()


def test_csv_has_the_same_figures_semicolons_and_a_bom(client_for, chef, dataset, solsikken, after_the_period):
    url = reverse("reports:csv", args=["institution", solsikken.pk])
    response = client_for(chef).get(url, {"fra": "2026-01-01", "til": "2026-03-31"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    raw = response.content
    assert raw.startswith("\ufeff".encode())
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == "Statistik;Børnehuset Solsikken"
    assert lines[1] == "Periode;1. januar 2026 – 31. marts 2026"
    assert "Måned;Forebyggende;Andel %;Foregribende;Andel %;Indgribende;Andel %;I alt" in lines
    assert "jan. 2026;8;;< 5;;0;;skjult" in lines
    assert "Forebyggende;5;45,0;50,0;65,0" in lines
    assert "Gul TOPI-position;5;20,0;20,0;30,0" in lines
    assert "Nord;Børnehuset Solsikken;Praksisvejleder;5;0;200" in lines
    assert "I alt;;;skjult;;200" in lines  # 6 − 5 and 25,000 kr. would be the one grant of frie midler
    assert "Op i alt;skjult" in lines and "Lukket i alt;< 5" in lines
    assert "Forfaldne evalueringer;< 5;" in lines
    assert dataset["a0"].child.last_name not in raw.decode("utf-8-sig")
