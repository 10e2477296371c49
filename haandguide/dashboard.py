"""The home page's panels. Each app registers a function from its AppConfig.ready() (the core
cannot import the apps to its right); the function returns a panel for the user, or None.

A panel is `Panel(template, context, order)`: the template is included on the home page with the
context. Each panel answers with a fixed, small number of queries, so the home page's query count
does not grow with the data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


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
