"""Small-number suppression: the one function every aggregate count passes through before it is
shown (page, PDF, CSV), so that no child can be recognised from a statistic."""

from __future__ import annotations

THRESHOLD = 5
SUPPRESSED = "< 5"


def is_suppressed(count) -> bool:
    return count is not None and 0 < count < THRESHOLD


def suppress(count):
    """A count of children (or of their cases, moves, grants) as it may be shown: 1–4 → "< 5";
    0 and counts of 5 or more as they are."""
    if count is None:
        return ""
    return SUPPRESSED if is_suppressed(count) else count
