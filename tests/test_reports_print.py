"""The statistics PDF at national size (issue 16): a table of many districts or institutions prints
the ten with the most and the ten with the fewest, says so and points to the CSV, which has them
all; the worker loads WeasyPrint and its fonts as it starts, not in the first report."""

import csv
import io
import logging
import subprocess

import pytest
from celery.signals import worker_process_init
from django.urls import reverse

from haandguide.lib import pdf as pdf_lib
from reports import presentation
from reports.models import Report
from reports.privacy import HIDDEN, SUPPRESSED
from reports.scope import allowed as scope_for
from reports import services as report_services
from tests import factories
from tests.test_community_reports import PERIOD, TODAY, rounds  # noqa: F401


def a_district_table(counts: list) -> dict:
    """Like the quarters' section: two quarters, then a row per district, ranked by column 1."""
    rows = [["1. kvartal", 40, 1000, 10], ["2. kvartal", 35, 900, 9]]
    rows += [[f"Distrikt {i:02}", n, None, None] for i, n in enumerate(counts)]
    return {"key": "kvartaler", "title": "Pr. kvartal", "intro": "", "chart": "<svg></svg>",
            "headers": ["Kvartal / distrikt", "Antal", "Beløb (kr.)", "Timer"], "rows": rows,
            "parts": presentation.parts(2, len(counts), "distrikter", column=1, most="flest afgørelser",
                                       fewest="færrest")}


def test_a_long_district_table_prints_the_ten_with_most_and_fewest_and_points_to_the_csv():
    # 30 districts: 5..29 shown as they are, three "< 5", a zero and a hidden count ("skjult").
    counts = [*range(5, 30), SUPPRESSED, SUPPRESSED, 0, HIDDEN, SUPPRESSED]
    section = a_district_table(counts)
    [printed] = presentation.print_sections([section])
    names = [row[0] if isinstance(row, list) else row["gap"] for row in printed["rows"]]
    assert names[:2] == ["1. kvartal", "2. kvartal"]  # the quarters, whole
    # The ten with the most, most first; then the ten with the fewest: "< 5" below 5 and above 0,
    # ties in the page's order; the hidden count is not ranked (its place would tell about it).
    assert names[2:12] == [f"Distrikt {i:02}" for i in range(24, 14, -1)]
    assert names[12] == "… 10 distrikter mere i CSV-filen"
    assert names[13:] == ["Distrikt 05", "Distrikt 04", "Distrikt 03", "Distrikt 02", "Distrikt 01", "Distrikt 00",
                          "Distrikt 25", "Distrikt 26", "Distrikt 29", "Distrikt 27"]
    assert "Distrikt 28" not in names  # the "skjult" one
    assert printed["print_note"] == (
        "Tabellen viser de 10 distrikter med flest afgørelser og de 10 med færrest af i alt 30 distrikter "
        "(1 med et skjult tal er ikke rangeret). Alle 30 står i CSV-filen; CSV-filen hentes med “Hent CSV (Excel)” "
        "på statistiksiden.")
    assert printed["chart"] is None  # a bar per district: left out, and the PDF says so
    assert section["rows"][2][0] == "Distrikt 00" and len(section["rows"]) == 32  # the page's and CSV's rows untouched


def test_a_table_of_25_districts_prints_whole_with_its_chart():
    [printed] = presentation.print_sections([a_district_table(list(range(5, 28)))])
    assert len(printed["rows"]) == 25 and "print_note" not in printed and printed["chart"] == "<svg></svg>"


@pytest.fixture
def thirty_districts(municipality, nord, syd, regnbuen):
    """Nord (whose Solsikken holds the `rounds` fixture's evaluation), Syd and 28 more, each with an
    institution."""
    districts = [factories.district(municipality, name=f"Distrikt {i:02}") for i in range(1, 29)]
    for i, district in enumerate(districts, start=1):
        factories.institution(district, name=f"Børnehus {i:02}")
    return districts


def test_the_pdf_of_a_municipality_of_30_districts_shortens_the_tables_and_the_csv_has_them_all(
        client_for, chef, municipality, thirty_districts, rounds, tmp_path):  # noqa: F811
    scope = scope_for(chef, "kommune", municipality.pk)
    report = Report.objects.create(**scope.report_fields(), period_start=TODAY.replace(day=1), period_end=TODAY,
                                   requested_by=chef)
    report = report_services.report_build(report.pk)
    assert report.status == Report.Status.DONE
    path = tmp_path / "rapport.pdf"
    path.write_bytes(bytes(report.pdf))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    activity = text[text.index("Evalueringskultur: evalueringer af"):text.index("TOPI-runder: fælles vurderinger\n")]
    flat = " ".join(activity.split())
    assert "Tabellen viser de 10 distrikter med flest evalueringer og de 10 med færrest af i alt 30 distrikter." in flat
    # The municipality's CSV lists this table's institutions (not its districts); the page every district.
    assert "Alle 30 står på statistiksiden (og hver institution i CSV-filen)" in flat
    assert "10 distrikter mere på statistiksiden" in flat
    lines = [line.split() for line in activity.splitlines() if line.strip()]
    table = lines[next(i for i, words in enumerate(lines) if words[:1] == ["Distrikt"] and "Evalueringer" in words):]
    assert table[1] == ["Nord", "1", "1"]  # the most evaluations first
    assert ["I", "alt", "1", "1"] in table  # the municipality's total, whole
    assert "Distrikt 25" not in activity and "Syd" not in activity  # among the ten left out

    page = client_for(chef).get(reverse("reports:statistics", args=["kommune", municipality.pk]), PERIOD)
    assert "Distrikt 25" in page.content.decode() and "Syd" in page.content.decode()
    response = client_for(chef).get(reverse("reports:csv", args=["kommune", municipality.pk]), PERIOD)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert {"Børnehaven Regnbuen", "Børnehus 25"} <= {row[0] for row in rows if row}


def test_a_worker_process_warms_up_pdf_rendering_as_it_starts(monkeypatch, settings):
    import haandguide.celery  # noqa: F401 - connects the receiver, as the worker's app import does

    printed = []
    monkeypatch.setattr(pdf_lib, "render_pdf", lambda template, context: printed.append(template) or b"%PDF")
    settings.PDF_WARM_UP = True  # production's default; the test settings leave it out
    worker_process_init.send(sender=None)
    assert printed == ["includes/print_warm_up.html"]
    settings.PDF_WARM_UP = False
    worker_process_init.send(sender=None)
    assert printed == ["includes/print_warm_up.html"]


def test_the_warm_up_prints_and_a_failing_one_does_not_stop_the_worker(monkeypatch, caplog):
    with caplog.at_level(logging.WARNING, logger="haandguide.lib.pdf"):
        pdf_lib.warm_up()  # the real thing: WeasyPrint, the fonts, the print stylesheet
    assert not caplog.records

    def broken(template, context):
        raise OSError("fontconfig mangler")

    monkeypatch.setattr(pdf_lib, "render_pdf", broken)
    with caplog.at_level(logging.WARNING, logger="haandguide.lib.pdf"):
        pdf_lib.warm_up()
    assert "PDF warm-up failed" in caplog.text
