"""How a letter left Haandguide (the outbox's channels and the records system), asked through one
small interface: the integrations app, to the right, registers the answer. No answer, no rows."""

from __future__ import annotations

from collections.abc import Callable

_provider: Callable[[list[int]], dict] | None = None


def register(provider: Callable[[list[int]], dict]) -> None:
    global _provider
    _provider = provider


def attach(letters) -> None:
    """Sets `letter.deliveries` (each with `channel_label`, `get_status_display`, `sent_at`,
    `receipt`, `last_error`) on each letter, in one query."""
    answers = _provider([letter.pk for letter in letters]) if _provider and letters else {}
    for letter in letters:
        letter.deliveries = answers.get(letter.pk, [])
