"""Danish public holidays and the days municipal offices close, for planning meetings on working days."""

from __future__ import annotations

import datetime
from functools import lru_cache

from dateutil.easter import easter


@lru_cache(maxsize=32)
def danish_holidays(year: int) -> dict[datetime.date, str]:
    """Helligdage (Easter-based ones from dateutil's Western Easter) plus the days the offices are
    closed by custom: grundlovsdag, juleaftensdag and nytårsaftensdag. Store bededag was abolished
    as a holiday from 2024 (lov nr. 132 af 25.02.2023)."""
    day = datetime.date
    easter_sunday = easter(year)

    def after_easter(days: int) -> datetime.date:
        return easter_sunday + datetime.timedelta(days=days)

    holidays = {
        day(year, 1, 1): "Nytårsdag",
        after_easter(-3): "Skærtorsdag",
        after_easter(-2): "Langfredag",
        easter_sunday: "Påskedag",
        after_easter(1): "2. påskedag",
        after_easter(39): "Kristi himmelfartsdag",
        after_easter(49): "Pinsedag",
        after_easter(50): "2. pinsedag",
        day(year, 6, 5): "Grundlovsdag",
        day(year, 12, 24): "Juleaftensdag",
        day(year, 12, 25): "1. juledag",
        day(year, 12, 26): "2. juledag",
        day(year, 12, 31): "Nytårsaftensdag",
    }
    if year < 2024:
        holidays[after_easter(26)] = "Store bededag"
    return holidays


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in danish_holidays(day.year)


def working_day_on_or_after(day: datetime.date) -> datetime.date:
    while not is_working_day(day):
        day += datetime.timedelta(days=1)
    return day
