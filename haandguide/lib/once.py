"""Read once per page.

A page that only reads (the child page) asks several services the same question: the child's
case, its handleplan and efforts, its granted resource. Each service reads its answer fresh, as it
must around a change (a case kept on an object went stale when a service escalated it). Inside
`one_page()` nothing changes, so each answer is read once and handed to every asker; outside it,
`once` reads every time, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

_answers: ContextVar[dict | None] = ContextVar("once_per_page", default=None)


@contextmanager
def one_page() -> Iterator[None]:
    """The reads of one page that changes nothing: within the block, `once` remembers."""
    token = _answers.set({})
    try:
        yield
    finally:
        _answers.reset(token)


def once(key: Hashable, read: Callable[[], T]) -> T:
    """`read()`, or inside `one_page()` the answer already read under `key`."""
    answers = _answers.get()
    if answers is None:
        return read()
    if key not in answers:
        answers[key] = read()
    return answers[key]
