"""CPR numbers: validation, normalisation and masking.

A CPR number is ddmmyy followed by a four-digit serial. The 7th digit together with the year
gives the century (CPR-kontoret's table). The modulus-11 check was dropped in 2007 — numbers
without it are issued — so it is deliberately not applied here.
"""

from __future__ import annotations

import datetime
import logging
import re

from django.core.exceptions import ValidationError

_CPR_INPUT = re.compile(r"^\s*(\d{6})[\s-]?(\d{4})\s*$")
# Anything that looks like a CPR number inside free text (used to scrub log lines).
CPR_IN_TEXT = re.compile(r"(?<!\d)([0-3]\d[01]\d\d\d)[\s-]?(\d{4})(?!\d)")


def century(seventh_digit: int, yy: int) -> int:
    """The century a CPR number's birth year belongs to."""
    if seventh_digit <= 3:
        return 1900
    if seventh_digit in (4, 9):
        return 2000 if yy <= 36 else 1900
    # 5, 6, 7, 8
    return 2000 if yy <= 57 else 1800


def birth_date(cpr: str) -> datetime.date:
    """The birth date encoded in a normalised 10-digit CPR number (raises ValueError)."""
    day, month, yy, seventh = int(cpr[0:2]), int(cpr[2:4]), int(cpr[4:6]), int(cpr[6])
    return datetime.date(century(seventh, yy) + yy, month, day)


def normalise(value: str) -> str:
    """Validate and return the 10 digits, or raise ValidationError with a Danish message."""
    if value is None:
        raise ValidationError("Angiv et CPR-nummer.", code="required")
    text = str(value)
    if re.search(r"[^\d\s-]", text):
        raise ValidationError("Et CPR-nummer må kun indeholde tal (og evt. bindestreg).", code="letters")
    match = _CPR_INPUT.match(text)
    if not match:
        raise ValidationError("Et CPR-nummer har 10 cifre, fx 010203-1234.", code="length")
    digits = match.group(1) + match.group(2)
    try:
        birth_date(digits)
    except ValueError:
        raise ValidationError(
            "De første 6 cifre i CPR-nummeret er ikke en gyldig dato (ddmmåå).", code="date"
        ) from None
    return digits


def is_valid(value: str) -> bool:
    try:
        normalise(value)
    except ValidationError:
        return False
    return True


def mask(cpr: str) -> str:
    """ddmmyy-XXXX: enough to tell children apart, not enough to identify them."""
    if not cpr or len(cpr) != 10:
        return ""
    return f"{cpr[:6]}-XXXX"


def formatted(cpr: str) -> str:
    """The full number as ddmmyy-ssss, for the few places it is needed (letters to parents)."""
    return f"{cpr[:6]}-{cpr[6:]}" if cpr and len(cpr) == 10 else ""


def scrub(text: str) -> str:
    """Replace anything that looks like a CPR number in free text by its masked form."""
    return CPR_IN_TEXT.sub(lambda m: f"{m.group(1)}-XXXX", text)


class MaskCprLogFilter(logging.Filter):
    """Logging filter: no log line may carry a full CPR number (DOMAIN: sensitive data)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is not ours to fix here
            return True
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def digest(value: str) -> str:
    """A keyed hash of a CPR number (HMAC-SHA256 with the installation's CPR_HASH_KEY, falling
    back to SECRET_KEY): what is stored to recognise a custodian signing in (the parents'
    portal, the CPR claim) or matched by an integration, without keeping the number itself.
    Raises ValidationError for an invalid number."""
    import hashlib
    import hmac

    from django.conf import settings

    key = (getattr(settings, "CPR_HASH_KEY", "") or settings.SECRET_KEY).encode()
    return hmac.new(key, normalise(value).encode(), hashlib.sha256).hexdigest()
