"""A municipality's configuration, kept in the shared cache between requests.

Configuration that every child page asks about (the meeting types, the readiness rules) changes
when an administrator edits it, a few times a year, and is read on every page view. `kept` reads it
from the cache (one Redis round trip, no SQL to build), and from the database only when it is not
there; `forget_on_change` drops the kept copy when a row of the model is saved or deleted, after
the transaction commits, so the next page reads the edit. A change that bypasses signals
(`update()`, a migration) is read at the latest after `SECONDS`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")

SECONDS = 300


def _key(name: str, municipality_id: int) -> str:
    return f"kept:{name}:{municipality_id}"


def kept(name: str, municipality_id: int, read: Callable[[], T]) -> T:
    """`read()`'s answer for the municipality, from the cache when it is there."""
    key = _key(name, municipality_id)
    answer = cache.get(key)
    if answer is None:
        answer = read()
        cache.set(key, answer, SECONDS)
    return answer


def forget(name: str, municipality_id: int) -> None:
    cache.delete(_key(name, municipality_id))


def forget_on_change(model, name: str, *, unless_only: frozenset[str] = frozenset()) -> None:
    """Drop the kept `name` of a row's municipality whenever a row of `model` is saved or deleted;
    a save of only the fields `unless_only` (a user's `last_login`) changes nothing kept."""

    def changed(sender, instance, **kwargs):
        update_fields = kwargs.get("update_fields")
        if unless_only and update_fields and set(update_fields) <= unless_only:
            return
        municipality_id = instance.municipality_id
        if municipality_id is None:
            return
        transaction.on_commit(lambda: forget(name, municipality_id))
        forget(name, municipality_id)  # and now, for reads inside the same transaction

    post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"kept-{name}")
    post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"kept-{name}-delete")
