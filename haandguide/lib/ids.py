"""One way to read a row id (or a version number) from a URL, a form or the admin."""

from __future__ import annotations

# The largest id a database column holds (bigint); a longer number would raise in the query.
MAX_ID = 2**63 - 1


def parse_id(value) -> int | None:
    """The positive whole number in `value` (an int, or a string of ASCII digits, surrounding space
    allowed), else None: never raises, so "12a", "²", "-3", "" and a 40-digit number all read as
    "no such id"."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        text = "" if value is None else str(value).strip()
        if not (text.isascii() and text.isdigit()):
            return None
        number = int(text)
    return number if 0 < number <= MAX_ID else None
