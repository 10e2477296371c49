"""The home page's panels. Each app registers a function from its AppConfig.ready() (the core
cannot import the apps to its right); the function returns a panel for the user, or None.

A panel is `Panel(template, context, order)`: the template is included on the home page with the
context. Each panel answers with a fixed, small number of queries, so the home page's query count
does not grow with the data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from haandguide import roles
from haandguide.lib.statements import statement
from haandguide.models import Institution, Notice


@dataclass
class Panel:
    template: str
    context: dict = field(default_factory=dict)
    order: int = 50


_panels: list[Callable] = []


def register(panel: Callable) -> None:
    if panel not in _panels:
        _panels.append(panel)


def panels_for(request) -> list[Panel]:
    shown = [panel(request) for panel in _panels]
    return sorted((p for p in shown if p is not None), key=lambda p: p.order)


# --- what the home page itself shows (statements: compiled once per process) ------------------------


def unseen_notices(user) -> list[Notice]:
    """The user's five newest unread messages."""
    return _unseen_notices(*roles.child_scope(user), user.pk)


@statement(shape=1)
def _unseen_notices(kind: str, ids: tuple, user_id: int):
    return Notice.objects.for_scope(kind, ids, user_id).filter(seen_at__isnull=True)[:5]


def own_institutions(user) -> list[Institution]:
    """The institutions a pædagog or leader works at, with their district (the home page's heading)."""
    if not roles.is_institution_staff(user):
        return []
    return _institutions_with_district(roles.sorted_institution_ids(user))


@statement
def _institutions_with_district(ids: tuple):
    return Institution.objects.filter(pk__in=ids).select_related("district")
