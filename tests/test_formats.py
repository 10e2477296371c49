"""One Danish format for dates and amounts, on pages, in PDFs and in messages."""

import datetime
import re
from pathlib import Path
import zoneinfo
from decimal import Decimal

from django.template import engines

from haandguide.lib.formats import date_da, datetime_da, kroner


def test_amounts_have_a_thousands_dot_and_no_zero_oere():
    assert kroner(Decimal("60000.00")) == "60.000 kr."
    assert kroner(Decimal("1250.50")) == "1.250,50 kr."
    assert kroner(1234567) == "1.234.567 kr."
    assert kroner(None) == ""


def test_dates_spell_out_the_danish_month():
    assert date_da(datetime.date(2026, 12, 24)) == "24. december 2026"
    assert date_da(datetime.date(2027, 5, 1)) == "1. maj 2027"


def test_a_datetime_is_shown_in_copenhagen_time():
    at = datetime.datetime(2026, 12, 24, 12, 0, tzinfo=datetime.UTC)
    assert datetime_da(at) == "24. december 2026 kl. 13.00"
    summer = datetime.datetime(2026, 7, 1, 23, 30, tzinfo=datetime.UTC)
    assert date_da(summer) == "2. juli 2026"  # the local date, not UTC's


def test_the_filters_are_available_in_every_template_without_load():
    template = engines["django"].from_string("{{ d|dato }} · {{ t|tidspunkt }} · {{ a|kr }}")
    text = template.render({"d": datetime.date(2026, 12, 24), "a": Decimal("60000"),
                            "t": datetime.datetime(2026, 12, 24, 13, 5, tzinfo=zoneinfo.ZoneInfo("Europe/Copenhagen"))})
    assert text == "24. december 2026 · 24. december 2026 kl. 13.05 · 60.000 kr."


def test_templates_show_dates_only_in_the_apps_one_format():
    """A page or email shows a date as |dato or |tidspunkt ("18. december 2026 kl. 13.15"); Django's |date is
    left for the weekday ("l"), the ISO value of a date input and the access log's exact seconds.
    (The agenda's closing time read "18. december 13:15" beside "frist 18. december 2026 kl. 13.00".)"""
    allowed = {"l", "Y-m-d", "d.m.Y H:i:s"}
    root = Path(__file__).resolve().parent.parent / "templates"
    used = {(str(path.relative_to(root)), fmt)
            for path in [*root.rglob("*.html"), *root.rglob("*.txt")]
            for fmt in re.findall(r'\|date:"([^"]*)"', path.read_text())}
    assert {(name, fmt) for name, fmt in used if fmt not in allowed} == set()
