"""Danish holidays, and the demo's council meetings that avoid them (no council on 24 December)."""

import datetime
import zoneinfo
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from districtcouncil.models import CouncilMeeting
from haandguide.lib.holidays import danish_holidays, is_working_day, working_day_on_or_after

D = datetime.date


@pytest.mark.parametrize("day, name", [
    (D(2026, 1, 1), "Nytårsdag"), (D(2026, 4, 2), "Skærtorsdag"), (D(2026, 4, 3), "Langfredag"),
    (D(2026, 4, 5), "Påskedag"), (D(2026, 4, 6), "2. påskedag"), (D(2026, 5, 14), "Kristi himmelfartsdag"),
    (D(2026, 5, 25), "2. pinsedag"), (D(2026, 6, 5), "Grundlovsdag"), (D(2026, 12, 24), "Juleaftensdag"),
    (D(2026, 12, 25), "1. juledag"), (D(2026, 12, 26), "2. juledag"), (D(2026, 12, 31), "Nytårsaftensdag"),
    (D(2027, 3, 25), "Skærtorsdag"), (D(2023, 5, 5), "Store bededag"),
])
def test_danish_holidays(day, name):
    assert danish_holidays(day.year)[day] == name
    assert not is_working_day(day)


def test_store_bededag_is_a_working_day_since_2024():
    assert is_working_day(D(2026, 5, 1)) and "Store bededag" not in danish_holidays(2026).values()


def test_working_day_on_or_after_skips_holidays_and_weekends():
    assert working_day_on_or_after(D(2026, 12, 24)) == D(2026, 12, 28)  # 25–26 holidays, 27 Sunday
    assert working_day_on_or_after(D(2026, 4, 2)) == D(2026, 4, 7)  # skærtorsdag → tuesday after Easter
    assert working_day_on_or_after(D(2026, 11, 30)) == D(2026, 11, 30)
    assert working_day_on_or_after(D(2026, 11, 28)) == D(2026, 11, 30)  # saturday → monday


# Days on which the demo's upcoming meeting (a Thursday 20 days ahead) falls on 24 December 2026
# and on skærtorsdag 2027.
@pytest.mark.parametrize("today", [D(2026, 12, 4), D(2027, 3, 5)])
def test_demo_meetings_fall_on_working_days(db, today):
    moment = datetime.datetime.combine(today, datetime.time(9), tzinfo=zoneinfo.ZoneInfo("Europe/Copenhagen"))
    with time_machine.travel(moment, tick=True):
        call_command("demo", stdout=StringIO())
    days = {m.starts_at.astimezone(zoneinfo.ZoneInfo("Europe/Copenhagen")).date() for m in CouncilMeeting.objects.all()}
    assert days and all(is_working_day(day) for day in days), sorted(days)
