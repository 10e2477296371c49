import datetime
import logging

import pytest
from django.core.exceptions import ValidationError

from haandguide.lib import cpr


@pytest.mark.parametrize(
    "value, expected_digits, expected_birth",
    [
        ("010203-1234", "0102031234", datetime.date(1903, 2, 1)),   # 7th digit 1 → 1900s
        ("0102031234", "0102031234", datetime.date(1903, 2, 1)),    # without hyphen
        (" 010203 1234 ", "0102031234", datetime.date(1903, 2, 1)),  # space, padding
        ("290220-4001", "2902204001", datetime.date(2020, 2, 29)),  # 4, yy ≤ 36 → 2000s, leap day
        ("150637-4001", "1506374001", datetime.date(1937, 6, 15)),  # 4, yy > 36 → 1900s
        ("010157-5001", "0101575001", datetime.date(2057, 1, 1)),   # 5–8, yy ≤ 57 → 2000s
        ("010158-8001", "0101588001", datetime.date(1858, 1, 1)),   # 5–8, yy > 57 → 1800s
        ("311299-9001", "3112999001", datetime.date(1999, 12, 31)),  # 9, yy > 36 → 1900s
        ("010120-9001", "0101209001", datetime.date(2020, 1, 1)),   # 9, yy ≤ 36 → 2000s
        ("010120-4002", "0101204002", datetime.date(2020, 1, 1)),   # fails modulus 11: still valid
    ],
)
def test_valid_cpr_numbers_are_normalised_with_the_right_century(value, expected_digits, expected_birth):
    assert cpr.normalise(value) == expected_digits
    assert cpr.birth_date(expected_digits) == expected_birth


@pytest.mark.parametrize(
    "value, code",
    [
        ("320120-4001", "date"),     # day 32
        ("290221-4001", "date"),     # 29 February in a non-leap year
        ("011320-4001", "date"),     # month 13
        ("000120-4001", "date"),     # day 0
        ("01012-04001", "length"),   # hyphen in the wrong place, 5+5
        ("010120-400", "length"),    # 9 digits
        ("010120-40011", "length"),  # 11 digits
        ("", "length"),
        ("01O120-4001", "letters"),  # letter O instead of zero
        ("abcdef-ghij", "letters"),
        ("010120/4001", "letters"),
    ],
)
def test_invalid_cpr_numbers_are_refused_in_danish(value, code):
    with pytest.raises(ValidationError) as error:
        cpr.normalise(value)
    assert error.value.code == code
    assert "CPR" in error.value.messages[0] or "dato" in error.value.messages[0]


def test_mask_shows_birth_date_only():
    assert cpr.mask("0102204001") == "010220-XXXX"


def test_scrub_masks_cpr_numbers_in_free_text():
    assert cpr.scrub("barn 010220-4001 og 0102204002 set") == "barn 010220-XXXX og 010220-XXXX set"
    assert cpr.scrub("telefon 12345678") == "telefon 12345678"


def test_log_filter_removes_full_cpr_from_log_lines(caplog):
    logger = logging.getLogger("haandguide.test")
    logger.addFilter(cpr.MaskCprLogFilter())
    with caplog.at_level(logging.INFO, logger="haandguide.test"):
        logger.info("GET /boern/?q=%s", "0102204001")
    assert "0102204001" not in caplog.text
    assert "010220-XXXX" in caplog.text


def test_cpr_digest_is_keyed_normalised_and_refuses_invalid(settings):
    from django.core.exceptions import ValidationError

    from haandguide.lib import cpr as cprlib

    settings.CPR_HASH_KEY = "key-one"
    first = cprlib.digest("010203-1234")
    assert first == cprlib.digest("0102031234") and len(first) == 64 and "0102031234" not in first
    settings.CPR_HASH_KEY = "key-two"
    assert cprlib.digest("0102031234") != first
    with pytest.raises(ValidationError):
        cprlib.digest("991399-1234")
