"""One page size for every list (settings.PAGE_SIZE), the page number from `?side=`."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property


def page_of(items, number: str | int | None) -> Page:
    """The page `number` of `items`, settings.PAGE_SIZE long; a missing, bad or too high number
    gives the first or last page instead of an error."""
    return Paginator(items, settings.PAGE_SIZE).get_page(number)


def page_of_keys(items, number: str | int | None, load) -> Page:
    """`page_of` as a deferred join, for lists of thousands of rows (a consultant's children): the
    ordering, the count and the OFFSET run over the ids alone (answered from an index, without
    reading the rows or their joins), then `load(ids)` reads the page's rows, kept in that order.
    One query more than `page_of`; a deep page costs the same as the first. `items` is an ordered
    queryset, or the ids already (`haandguide.lib.statements.Rows` of a statement of ids)."""
    page = page_of(items.values_list("pk", flat=True) if isinstance(items, QuerySet) else items, number)
    ids = list(page.object_list)
    found = {row.pk: row for row in load(ids)}
    page.object_list = [found[pk] for pk in ids if pk in found]
    return page


class UncountedPage:
    """A page found without counting the list: PAGE_SIZE + 1 rows are fetched, and the extra row
    only tells that a next page exists. For lists that grow without bound (the access log)."""

    def __init__(self, items, number: int, size: int):
        offset = (number - 1) * size
        rows = list(items[offset:offset + size + 1])
        self.number = number
        self.object_list = rows[:size]
        self._has_next = len(rows) > size

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self.number > 1

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)


def page_number(value: str | int | None) -> int:
    """A page number from `?side=`: a missing or bad one is 1."""
    try:
        return max(1, min(int(value), 1_000_000))
    except (TypeError, ValueError):
        return 1


def page_without_count(items, number: str | int | None) -> UncountedPage:
    """The page `number` of `items` (settings.PAGE_SIZE long) without a COUNT(*) over them; a
    missing or bad number gives the first page, a number past the end an empty page."""
    return UncountedPage(items, page_number(number), settings.PAGE_SIZE)


class CappedCountPaginator(Paginator):
    """Counts at most CAP rows (`SELECT COUNT(*) FROM (... LIMIT CAP)`): at national size a
    municipality's access log has millions of rows, and a full COUNT(*) on every changelist view
    would read them all. Pages past CAP rows are not offered; narrow the search instead."""

    CAP = 10_000

    @cached_property
    def count(self):
        return self.object_list[:self.CAP].count()


class ShortCountPaginator(CappedCountPaginator):
    """Counts at most 1,000 rows (20 admin changelist pages of 50). Counting 10,000 children or
    events through the joins to their municipality was most of the changelist's queries at national
    size (40-100 ms); past that, narrow the list by a filter or the search."""

    CAP = 1_000


class UncountedPaginator(Paginator):
    """A Django admin changelist's paginator that never counts: it reads the asked page plus one
    row, and `count` is the rows up to there (so the changelist offers the next page when that row
    exists). For the access log, where even a capped count reads 10,000 rows of a month partition.
    `number` is the page the changelist will ask for (the admin's `?p=`)."""

    def __init__(self, object_list, per_page, *, number: int = 1, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.number = max(1, number)

    @cached_property
    def _rows(self) -> list:
        offset = (self.number - 1) * self.per_page
        return list(self.object_list[offset:offset + self.per_page + 1])

    @cached_property
    def count(self):
        return (self.number - 1) * self.per_page + len(self._rows)

    @property
    def has_next_page(self) -> bool:
        return len(self._rows) > self.per_page

    def page(self, number):
        number = self.validate_number(number)
        if number == self.number:
            return self._get_page(self._rows[:self.per_page], number, self)
        return super().page(number)


def uncounted_page_of(object_list, per_page: int, *, number: int = 1, **kwargs) -> UncountedPaginator:
    """The admin's paginator for a table never to be counted (the access log): see UncountedPaginator."""
    return UncountedPaginator(object_list, per_page, number=number, **kwargs)
