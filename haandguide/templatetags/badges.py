"""{% level_badge level %} and {% topi_badge topi %}: the one level badge and the one TOPI badge.

Written in Python rather than as included templates because a list shows two per row: on the
child list the includes were a fifth of the page's render time (issue 16, throughput). The
includes `includes/level_badge.html` and `cases/includes/topi_badge.html` call these tags, so
every page shows the same badge."""

from functools import lru_cache

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import capfirst

register = template.Library()

_NO_CASE = mark_safe('<span class="badge rounded-pill text-bg-light border">Ingen sag</span>')
_TOPI_LABELS = {"groen": "TOPI grøn", "gul": "TOPI gul", "roed": "TOPI rød"}


@register.simple_tag
@lru_cache(maxsize=16)  # a handful of levels, asked for on every row of a list
def level_badge(level) -> str:
    """A case's state or an effort's level; without one, the child has no case."""
    if level:
        return format_html('<span class="badge rounded-pill level-{}">{}</span>', level, capfirst(level))
    return _NO_CASE


@register.simple_tag
@lru_cache(maxsize=16)
def topi_badge(topi) -> str:
    """A TOPI position (grøn, gul, rød); nothing without one."""
    label = _TOPI_LABELS.get(topi)
    return format_html('<span class="badge topi topi-{}">{}</span>', topi, label) if label else ""
