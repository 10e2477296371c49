"""Small-number suppression: the one place that decides what of an aggregate may be shown (page,
PDF, CSV), so that no child can be recognised from a statistic.

- A count of children (or of their cases, moves, grants) of 1–4 is shown as "< 5" (`suppress`).
- A figure that belongs to a count – an amount, hours, a share, an average, a duration – is hidden
  with it (`with_count`): 105.000 kr. beside "Frie midler < 5" would be one child's grant.
- A total beside its parts must not give a hidden part back by subtraction (`complementary`).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping

THRESHOLD = 5
SUPPRESSED = "< 5"
HIDDEN = "skjult"  # a count of 5 or more, hidden so that a total cannot give a small one back
HIDDEN_NOTE = "skjult: færre end 5"
RULE = ("Antal under 5 vises som \u201c< 5\u201d; et større antal, der sammen med en total ville afsløre et af "
        "dem, vises som \u201cskjult\u201d. Beløb, timer, andele og varigheder, der hører til et antal under 5, vises ikke "
        "(\u201c–\u201d), heller ikke hvor en total minus de viste dele ville afsløre dem.")


def is_suppressed(count) -> bool:
    return count is not None and 0 < count < THRESHOLD


def suppress(count):
    """A count of children (or of their cases, moves, grants) as it may be shown: 1–4 → "< 5";
    0 and counts of 5 or more as they are."""
    if count is None:
        return ""
    return SUPPRESSED if is_suppressed(count) else count


def with_count(count, value):
    """A figure that belongs to `count` (its amount, hours, average, duration): None – hidden –
    where the count is suppressed, else the value."""
    return None if is_suppressed(count) else value


def complementary(cells: Mapping[Hashable, tuple[int, object]],
                  sums: Iterable[tuple[Hashable, list[Hashable]]], *, prefer_total: bool = False) -> set[Hashable]:
    """The cells whose value must be hidden, among `cells` (key → (count, value)) that add up as
    `sums` says (total key, its part keys): every cell whose count is suppressed, and as many more
    as it takes so that no sum has exactly one hidden, non-zero cell – else the total minus the
    shown parts (or the parts added up, for a hidden total) would give it back.

    The extra cell hidden is the shown part with the smallest count and a non-zero value (a zero
    part hidden beside it protects nothing: "praksisvejleder has no kroner" is known), or else
    the total; with `prefer_total`, the total first. Repeated until every sum holds, across tables
    that share cells (a district's subtotal is a part of the total and the total of its rows)."""
    sums = [(total, list(parts)) for total, parts in sums]
    hidden = {key for key, (count, _) in cells.items() if is_suppressed(count)}

    def unknown(key) -> bool:
        return key in hidden and bool(cells[key][1])

    changed = True
    while changed:
        changed = False
        for total, parts in sums:
            if sum(unknown(key) for key in (total, *parts)) != 1:
                continue
            candidates = [key for key in parts if key not in hidden and cells[key][1]]
            if prefer_total and total not in hidden:
                hidden.add(total)
            elif candidates:
                hidden.add(min(candidates, key=lambda key: (cells[key][0], parts.index(key))))
            elif total not in hidden:
                hidden.add(total)
            else:
                continue  # the hidden total's parts are all zero or hidden: nothing to give away
            changed = True
    return hidden


def protect(counts: Mapping[Hashable, int], sums: Iterable[tuple[Hashable, list[Hashable]]]) -> dict:
    """Counts that add up (`sums` as for `complementary`) as they may be shown: "< 5" for 1–4,
    "skjult" for one hidden so that a total minus the shown parts cannot give a small one back,
    else the count. (8 + "< 5" + 0 = 11 would otherwise say 3.)

    The total is hidden rather than a part: a hidden part would still be known to be 5 or more
    (else it would read "< 5"), and 6 = "skjult" + "< 5" can only be 5 + 1."""
    hidden = complementary({key: (n, n) for key, n in counts.items()}, sums, prefer_total=True)
    return {key: SUPPRESSED if is_suppressed(n) else HIDDEN if key in hidden else n for key, n in counts.items()}


def is_shown(value) -> bool:
    """Whether a cell from `suppress`/`protect` is a figure (not "< 5" or "skjult")."""
    return not isinstance(value, str)


def share(count: int, total: int) -> float | None:
    """A percentage, unless the count or the total is suppressed (the share would reveal it)."""
    # The rest (total − count) counts too: 8 of 11 at one level would reveal that 3 are elsewhere.
    if not total or is_suppressed(count) or is_suppressed(total) or is_suppressed(total - count):
        return None
    return round(100 * count / total, 1)
