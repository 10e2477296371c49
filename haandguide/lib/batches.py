"""Periodic jobs work through their backlog in batches: a constant number of queries per batch."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet

# Rows per batch: large enough that a daily run is one batch, small enough to keep memory flat.
BATCH_SIZE = 500


def in_batches(queryset: QuerySet, size: int = BATCH_SIZE) -> Iterator[list]:
    """The queryset's rows in primary-key order, `size` at a time, one query per batch. Each batch
    starts after the last one's key, so rows the job marks as done (and so leave the queryset)
    shift nothing, and a row it could not mark is not read again in the same run."""
    batch = list(queryset.order_by("pk")[:size])
    while batch:
        yield batch
        batch = list(queryset.filter(pk__gt=batch[-1].pk).order_by("pk")[:size]) if len(batch) == size else []
