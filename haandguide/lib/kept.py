"""What every page reads and an administrator seldom changes, kept in the shared cache between
requests.

The signed-in user's row and municipality, the municipality's meeting types, readiness rules and
external counsellors: read on every page view, changed a few times a year. `kept` reads the answer
from the cache (one Redis round trip, no SQL to build), and from the database only when it is not
there; `forget_on_change` drops the kept copy when a row of the model is saved or deleted, at once
and again after the transaction commits, so the next page reads the edit. A change that bypasses
signals (`update()`, a migration) is read at the latest after the kept answer's seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")

SECONDS = 300


def _key(name: str, key) -> str:
    return f"kept:{name}:{key}"


def kept(name: str, key, read: Callable[[], T], seconds: int = SECONDS) -> T:
    """`read()`'s answer for `key` (a municipality's id, a user's), from the cache when it is there.
    An answer of None is not kept: it is read again next time."""
    cache_key = _key(name, key)
    answer = cache.get(cache_key)
    if answer is None:
        answer = read()
        if answer is not None:
            cache.set(cache_key, answer, seconds)
    return answer


def forget(name: str, key) -> None:
    cache.delete(_key(name, key))


def forget_on_change(model, name: str, *, key: str = "municipality_id",
                     unless_only: frozenset[str] = frozenset()) -> None:
    """Drop the kept `name` under the row's `key` attribute whenever a row of `model` is saved or
    deleted; a save of only the fields `unless_only` (a user's `last_login`) changes nothing kept."""

    def changed(sender, instance, **kwargs):
        update_fields = kwargs.get("update_fields")
        if unless_only and update_fields and set(update_fields) <= unless_only:
            return
        value = getattr(instance, key)
        if value is None:
            return
        transaction.on_commit(lambda: forget(name, value))
        forget(name, value)  # and now, for reads inside the same transaction

    post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"kept-{name}")
    post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"kept-{name}-delete")
