"""Statistics privacy beyond the count itself: amounts and hours hidden with a small count and from
the totals that would give them back, hidden months said in the charts, and the labels a reader
sees – the same in the page, the PDF and the CSV."""

import datetime
import re
import subprocess

import pytest
import time_machine
from django.urls import reverse

from districtcouncil.models import Decision
from reports import charts, presentation
from reports.models import Report
from reports.privacy import complementary, with_count
from tests.test_reports_data import (  # noqa: F401
    CPH, Q1, celery_app_restored, council, dataset, grants, ladder, noon, plans, solsikken_scope, submissions, topi,
)

pytestmark = pytest.mark.django_db
QUERY = {"fra": "2026-01-01", "til": "2026-03-31"}


def sections_of(scope, period=Q1) -> dict:
    return {s["key"]: s for s in presentation.build(scope, period)["sections"]}


def csv_lines(client, kind, pk, query=QUERY) -> list[str]:
    response = client.get(reverse("reports:csv", args=[kind, pk]), query)
    return response.content.decode("utf-8-sig").splitlines()


def section_html(body: str, key: str) -> str:
    start = body.index(f'id="afsnit-{key}"')
    return body[start:body.index("</section>", start)]


@pytest.fixture
def ressourcegruppe(grants, council, solsikken, birgitte):
    """Beside `grants` (Solsikken: 5 × Praksisvejleder, 40 h each, no kroner; 1 × Frie midler,
    25,000 kr.): 5 × Ressourcegruppe at 20,000 kr. each, so a total could be split by subtraction."""
    for day in (6, 7, 8, 9, 10):
        decided = noon(2026, 1, day)
        Decision.objects.create(
            basis=Decision.Basis.COUNCIL, institution=solsikken, resource_type=council["resource"]["Ressourcegruppe"],
            amount_dkk=20000, period_start=decided.date(), period_end=decided.date(), follow_up_on=decided.date(),
            decided_by=birgitte, decided_at=decided)


# --- the rule, on its own -------------------------------------------------------------------------


def test_a_figure_beside_a_suppressed_count_is_hidden_with_it():
    assert with_count(1, 105000) is None and with_count(4, 12.5) is None
    assert with_count(5, 105000) == 105000 and with_count(0, 0) == 0


def test_one_hidden_part_takes_the_smallest_part_with_a_value_along():
    cells = {"total": (16, 175), "a": (1, 25), "b": (10, 100), "c": (5, 50), "zero": (6, 0)}
    assert complementary(cells, [("total", ["a", "b", "c", "zero"])]) == {"a", "c"}


def test_without_another_part_to_hide_the_total_is_hidden():
    # Praksisvejleder carries no kroner, so hiding it beside Frie midler would protect nothing.
    cells = {"total": (6, 25000), "pv": (5, 0), "fm": (1, 25000)}
    assert complementary(cells, [("total", ["pv", "fm"])]) == {"fm", "total"}


def test_a_total_hidden_in_one_table_is_not_given_back_by_another():
    cells = {"total": (6, 25000), "pv": (5, 0), "fm": (1, 25000), "q1": (6, 25000)}
    sums = [("total", ["pv", "fm"]), ("total", ["q1"])]
    assert complementary(cells, sums) == {"fm", "total", "q1"}


def test_two_hidden_parts_need_nothing_more_and_nothing_small_leaves_everything_shown():
    assert complementary({"t": (12, 30), "a": (2, 10), "b": (3, 10), "c": (7, 10)}, [("t", ["a", "b", "c"])]) == {"a", "b"}
    assert complementary({"t": (12, 30), "a": (5, 10), "c": (7, 20)}, [("t", ["a", "c"])]) == set()


# --- amounts: page, CSV, PDF ----------------------------------------------------------------------


def test_an_amount_beside_a_suppressed_count_is_hidden_and_the_total_cannot_give_it_back(grants, solsikken):
    sections = sections_of(solsikken_scope(solsikken))
    rows = sections["ressourcer"]["rows"]
    assert rows == [
        ["Nord", "Børnehuset Solsikken", "Praksisvejleder", 5, 0, 200],
        ["Nord", "Børnehuset Solsikken", "Frie midler", "< 5", None, None],
        # 0 kr. shown for praksisvejleder: a total of 25,000 kr. would be the one grant; and
        # 6 grants minus 5 would say that frie midler is one.
        ["I alt", "", "", "skjult", None, 200],
    ]
    # The quarter and the district add up to the same total, so they are hidden too.
    assert sections["kvartaler"]["rows"] == [["1. kvartal 2026", "skjult", None, 200], ["Nord", "skjult", None, 200]]
    assert "25.000" not in sections["kvartaler"]["chart"] and "skjult" in sections["kvartaler"]["chart"]
    assert "vælg et distrikt" not in sections["ressourcer"]["intro"]  # the institution's own page


def test_a_second_amount_is_hidden_so_the_total_splits_into_no_single_grant(ressourcegruppe, solsikken):
    rows = sections_of(solsikken_scope(solsikken))["ressourcer"]["rows"]
    assert rows == [
        ["Nord", "Børnehuset Solsikken", "Praksisvejleder", 5, 0, 200],
        ["Nord", "Børnehuset Solsikken", "Frie midler", "< 5", None, None],
        ["Nord", "Børnehuset Solsikken", "Ressourcegruppe", 5, None, 0],  # hidden beside the total
        ["I alt", "", "", "skjult", 125000, 200],
    ]


def test_the_municipality_hides_a_district_that_would_give_the_other_one_back(grants, chef, municipality):
    from tests.test_reports import municipality_scope

    sections = sections_of(municipality_scope(municipality))
    # Page and PDF: per type. Frie midler's two grants are hidden, and so is the total's amount,
    # which minus Praksisvejleder's would give theirs back.
    assert sections["ressourcer"]["rows"] == [
        ["Frie midler", "< 5", None, None],
        ["Praksisvejleder", 5, 0, 200],
        ["I alt", "skjult", None, 200],
    ]
    # The CSV: per district and type, the same cells hidden.
    assert sections["ressourcer"]["csv"]["rows"] == [
        ["Nord", "", "Praksisvejleder", 5, 0, 200],
        ["Nord", "", "Frie midler", "< 5", None, None],
        ["Syd", "", "Frie midler", "< 5", None, None],
        ["I alt", "", "", "skjult", None, 200],
    ]
    assert "vælg et distrikt for at se institutionerne" in sections["ressourcer"]["intro"]
    # Syd's one grant is hidden, so Nord's 25,000 kr. (total minus Syd) is hidden as well.
    assert sections["kvartaler"]["rows"][1:] == [["Nord", "skjult", None, 200], ["Syd", "< 5", None, None]]


def test_page_and_csv_show_no_amount_of_a_single_grant(client_for, chef, grants, solsikken):
    client = client_for(chef)
    body = client.get(reverse("reports:statistics", args=["institution", solsikken.pk]), QUERY).content.decode()
    assert "25.000" not in body and "25000" not in body
    resources = section_html(body, "ressourcer")
    assert re.search(r'Frie midler</td><td class="text-end num">&lt; 5</td><td class="text-end num">–</td>', resources)
    assert "vises ikke" in body
    lines = csv_lines(client, "institution", solsikken.pk)
    assert "Nord;Børnehuset Solsikken;Frie midler;< 5;;" in lines
    assert "I alt;;;skjult;;200" in lines and "1. kvartal 2026;skjult;;200" in lines
    assert not any("25000" in line or "25.000" in line for line in lines)


@pytest.fixture
def ordered_for_solsikken(client_for, chef, solsikken, dataset, django_capture_on_commit_callbacks,
                          celery_app_restored):
    with time_machine.travel(datetime.datetime(2026, 6, 1, 12, 0, tzinfo=CPH), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            client_for(chef).post(reverse("reports:report_create", args=["institution", solsikken.pk]), QUERY)
    return Report.objects.get()


def test_the_pdf_hides_the_amount_says_hidden_months_and_reads_the_moves_as_prose(client_for, chef,
                                                                                  ordered_for_solsikken, tmp_path):
    response = client_for(chef).get(reverse("reports:report_download", args=[ordered_for_solsikken.pk]))
    path = tmp_path / "rapport.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "25.000" not in text and "25000" not in text
    words = [line.replace("< 5", "<5").split() for line in text.splitlines()]  # pdftotext kerns "< 5"
    assert ["Solsikken", "Frie", "midler", "<5", "–", "–"] in [w[-6:] for w in words]
    assert any(w[:2] == ["I", "alt"] and w[-3:] == ["skjult", "–", "200"] for w in words)
    assert "skjult: færre end 5" in text  # the chart's legend for the hidden months
    assert "Ny sag på forebyggende" in text and "Op fra forebyggende til foregribende" in text
    assert "Ny sag: Ny sag" not in text and "1. januar 2026 – 31. marts 2026" in text
    assert "(01.01.2026" not in text  # the period once, in words


# --- charts: a hidden month is said ---------------------------------------------------------------


def test_a_hidden_month_is_marked_in_the_chart_and_its_text_alternative(ladder, solsikken):
    # December: 11 children, all at forebyggende – shown. January: 3 at foregribende – hidden.
    period = Q1.__class__(datetime.date(2025, 12, 1), datetime.date(2026, 1, 31))
    chart = str(sections_of(solsikken_scope(solsikken), period)["niveauer"]["chart"])
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", chart).group(1)
    assert desc.endswith("Skjult: færre end 5: jan 26.")
    assert ">skjult: færre end 5</text>" in chart  # the legend
    assert chart.count(">skjult</text>") == 1 and "<title>jan 26: skjult: færre end 5</title>" in chart
    assert 'stroke-dasharray="3 2"' in chart


def test_a_bar_chart_says_its_hidden_bars_in_its_text_alternative(grants, solsikken):
    chart = str(sections_of(solsikken_scope(solsikken))["kvartaler"]["chart"])
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", chart).group(1)
    assert desc == "Tildelte ressourcer pr. kvartal (kr.). 1. kvartal 2026: skjult."


def test_a_chart_without_hidden_months_has_no_note():
    chart = charts.stacked_bars("Andel", ["jan 26"], [("Forebyggende", [100.0], "#000")], hidden=[False])
    assert "skjult" not in chart


def test_many_hidden_months_are_all_named_and_each_marked(ladder, solsikken):
    chart = str(sections_of(solsikken_scope(solsikken))["niveauer"]["chart"])
    assert "Skjult: færre end 5: jan 26, feb 26, mar 26." in chart
    assert chart.count(">skjult</text>") == 3


# --- labels ---------------------------------------------------------------------------------------


def test_moves_read_as_prose_on_the_page_and_in_the_csv(client_for, chef, ladder, solsikken):
    rows = sections_of(solsikken_scope(solsikken))["bevaegelser"]["rows"]
    assert [r[0] for r in rows[:5]] == [
        "Ny sag på forebyggende", "Op fra forebyggende til foregribende", "Op fra foregribende til indgribende",
        "Ned fra foregribende til forebyggende", "Lukket fra foregribende"]
    client = client_for(chef)
    body = client.get(reverse("reports:statistics", args=["institution", solsikken.pk]), QUERY).content.decode()
    assert "Ny sag på forebyggende" in body and "Ny sag: Ny sag" not in body and "→" not in body
    lines = csv_lines(client, "institution", solsikken.pk)
    assert "Ny sag på forebyggende;6" in lines and "Op fra forebyggende til foregribende;5" in lines


def test_dates_are_written_in_words(client_for, chef, dataset, solsikken):
    with time_machine.travel(datetime.datetime(2026, 6, 1, 12, 0, tzinfo=CPH), tick=False):
        client = client_for(chef)
        body = client.get(reverse("reports:statistics", args=["institution", solsikken.pk]), QUERY).content.decode()
        lines = csv_lines(client, "institution", solsikken.pk)
    assert "Forfaldne evalueringer pr. 31. marts 2026" in body and "31.03.2026" not in body
    assert lines[1] == "Periode;1. januar 2026 – 31. marts 2026"


# --- counts: a total minus the shown parts gives no small count back -------------------------------


def test_a_total_beside_one_small_count_is_hidden_rather_than_a_part():
    from reports.privacy import protect

    # 8 + "< 5" + 0 = 11 says 3; "skjult" + "< 5" + 0 = 11 would still say 3 (a hidden part is ≥ 5).
    assert protect({"F": 8, "G": 3, "I": 0, "total": 11}, [("total", ["F", "G", "I"])]) == {
        "F": 8, "G": "< 5", "I": 0, "total": "skjult"}
    # Two small ones: their sum is known, neither one is.
    assert protect({"F": 13, "G": 2, "I": 1, "total": 16}, [("total", ["F", "G", "I"])]) == {
        "F": 13, "G": "< 5", "I": "< 5", "total": 16}


def test_levels_moves_and_grants_hide_the_total_that_would_give_a_small_count_back(dataset, solsikken):
    sections = sections_of(solsikken_scope(solsikken))
    # January: 8 at forebyggende, 3 at foregribende, 0 at indgribende – the total 11 would say 3,
    # and so would any share of it (8 of 11 is 72.7 %).
    assert sections["niveauer"]["rows"][0] == ["jan. 2026", 8, None, "< 5", None, 0, None, "skjult"]
    assert sections["niveauer"]["rows"][2] == ["mar. 2026", 13, None, "< 5", None, "< 5", None, 16]
    flows = dict((r[0], r[1]) for r in sections["bevaegelser"]["rows"])
    assert flows["Op fra forebyggende til foregribende"] == 5 and flows["Op fra foregribende til indgribende"] == "< 5"
    assert flows["Op i alt"] == "skjult"  # 6 − 5 would be the one case that went on to indgribende
    assert "skjult" in sections["bevaegelser"]["chart"]


def test_the_ishoej_measure_hides_what_the_levels_table_hides(dataset, solsikken, municipality):
    from reports.models import Measure

    Measure.objects.create(municipality=municipality, kind=Measure.Kind.PREVENTIVE_VS_INTERVENING,
                           title="Forebyggende frem for indgribende")
    measure = next(s for s in sections_of(solsikken_scope(solsikken)).values() if s["key"].startswith("maal-"))
    # No total here, but foregribende's share of the hidden total must not be given back by these.
    assert measure["rows"][0] == ["jan. 2026", 8, None, 0, None]
    assert "skjult: færre end 5" in measure["chart"]


def test_measure_parts_and_totals_follow_the_same_rule():
    from types import SimpleNamespace

    measure = SimpleNamespace(title="Mål")
    yellow = presentation._yellow_brief_section(measure, {"days": 90, "ended": 7, "brief": 6, "long": 1,
                                                          "still_yellow_long": 0})
    assert [r[1] for r in yellow["rows"][:4]] == ["skjult", 6, "< 5", None]
    counselling = presentation._open_counselling_section(measure, {
        "bookings": [{"booker": "medarbejder", "professional": "sundhedspleje", "n": 9},
                     {"booker": "foraeldre", "professional": "sundhedspleje", "n": 2}],
        "sessions": 3, "families": 6, "attendances": 12})
    assert counselling["rows"][:3] == [["Bookinger fra medarbejdere hos Sundhedsplejen", 9],
                                       ["Bookinger fra forældre hos Sundhedsplejen", "< 5"],
                                       ["Bookinger i alt", "skjult"]]
