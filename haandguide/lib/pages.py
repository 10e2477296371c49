"""One page size for every list (settings.PAGE_SIZE), the page number from `?side=`."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Page, Paginator


def page_of(items, number: str | int | None) -> Page:
    """The page `number` of `items`, settings.PAGE_SIZE long; a missing, bad or too high number
    gives the first or last page instead of an error."""
    return Paginator(items, settings.PAGE_SIZE).get_page(number)
