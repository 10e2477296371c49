"""Dates and amounts the one Danish way, on pages, in PDFs, letters, emails and messages.

"24. december 2026" and "24. december 2026 kl. 13.00"; "60.000 kr." (øre only when there are
any: "1.250,50 kr."). The month names are spelled out here rather than taken from Django's
translation, so a Celery job without an active language writes the same text as a page.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

MONTHS = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
          "november", "december")


def date_da(value: datetime.date | datetime.datetime | None) -> str:
    """24. december 2026 (a datetime is shown on its local date)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):  # an ISO date kept in a plan's JSON
        try:
            value = datetime.date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{value.day}. {MONTHS[value.month - 1]} {value.year}"


def datetime_da(value: datetime.datetime | None) -> str:
    """24. december 2026 kl. 13.00, in Europe/Copenhagen."""
    if value is None or value == "":
        return ""
    if not isinstance(value, datetime.datetime):
        return date_da(value)
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{date_da(local)} kl. {local:%H.%M}"


def kroner(value: Decimal | int | float | None) -> str:
    """60.000 kr.; 1.250,50 kr. Thousands with a dot, decimals with a comma, øre only if any."""
    if value is None or value == "":
        return ""
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    whole = amount == amount.to_integral_value()
    text = f"{amount:,.0f}" if whole else f"{amount:,.2f}"
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".") + " kr."
