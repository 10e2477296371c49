from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from reports.privacy import HIDDEN, SUPPRESSED
from reports.privacy import suppress as _suppress

register = template.Library()


@register.filter
def suppress(count):
    """{{ n|suppress }}: see reports.privacy.suppress."""
    return _suppress(count)


@register.filter
def days(value):
    """A duration in days, rounded, or a dash when there is none."""
    return "–" if value is None else f"{value:.0f}"


def _danish(number: float, decimals: int) -> str:
    text = f"{number:,.{decimals}f}"  # 12,345.6
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


@register.filter
def cell(value):
    """A table cell as shown on the page and in the PDF: Danish number format, "–" for none."""
    from decimal import Decimal

    if value is None:
        return "–"
    if isinstance(value, bool) or isinstance(value, str):
        return value
    if isinstance(value, int):
        return _danish(value, 0)
    if isinstance(value, float):
        return _danish(value, 1)
    if isinstance(value, Decimal):
        return _danish(float(value), 0 if value == value.to_integral_value() else 1)
    return value


@register.filter
def is_number(value):
    return value is None or (not isinstance(value, str)) or value in (SUPPRESSED, HIDDEN)


@register.simple_tag
def scope_options(scopes, current):
    """The scope picker's <option>s, institutions indented under their district. Joined here rather
    than in a template loop (or format_html per option): a chief picks among hundreds of institutions."""
    return mark_safe("".join(
        f'<option value="{escape(s.key)}"{" selected" if s.key == current.key else ""}>'
        f'{"&nbsp;&nbsp;" if s.kind == "institution" else ""}{escape(s.label)}</option>' for s in scopes))
