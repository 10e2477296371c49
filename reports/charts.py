"""Charts drawn as SVG on the server: the same markup in the page and in the PDF.

No JavaScript and no style attributes (the Content Security Policy forbids inline styles); only
SVG presentation attributes (fill=, font-size=). Each chart is an accessible image – role="img",
aria-label, <title> and <desc> – and the page puts a table with the same figures beside it.
A value of None is a hidden one (a suppressed small count): no bar, and its text says why.
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify

FONT = 'font-family="DejaVu Sans, Arial, sans-serif"'
TEXT = "#212529"
MUTED = "#6c757d"
GRID = "#dee2e6"
BAR = "#1f5c4a"


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".").replace(".", ",")


def _open(title: str, description: str, width: int, height: int) -> tuple[str, str]:
    ident = "chart-" + (slugify(title) or "diagram")
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart img-fluid" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-label="{escape(title)}" aria-describedby="{ident}-desc">'
        f'<title id="{ident}-title">{escape(title)}</title><desc id="{ident}-desc">{escape(description)}</desc>'
    )
    return head, "</svg>"


def bar_chart(title: str, items: list[tuple[str, float | None, str]], *, description: str = "",
              width: int = 640, bar_color: str = BAR) -> SafeString:
    """Horizontal bars: one (label, value, text shown after the bar) per row. The text alternative
    lists every bar's text, so a hidden one ("< 5", "skjult") is said there as well."""
    row, top, label_width = 28, 10, 290
    height = top * 2 + row * max(len(items), 1)
    listed = "; ".join(f"{label}: {text}" for label, _, text in items)
    head, tail = _open(title, f"{description or title}. {listed}." if listed else (description or title), width, height)
    parts = [head]
    values = [v for _, v, _ in items if v is not None]
    largest = max(values, default=0) or 1
    span = width - label_width - 90
    for i, (label, value, text) in enumerate(items):
        y = top + i * row
        parts.append(f'<text x="{label_width - 8}" y="{y + 18}" text-anchor="end" font-size="12" fill="{TEXT}" {FONT}>'
                     f"{escape(label)}</text>")
        length = 0 if value is None else max(span * value / largest, 1 if value else 0)
        if length:
            parts.append(f'<rect x="{label_width}" y="{y + 5}" width="{length:.1f}" height="{row - 10}" '
                         f'fill="{bar_color}"></rect>')
        parts.append(f'<text x="{label_width + length + 6:.1f}" y="{y + 18}" font-size="12" '
                     f'fill="{MUTED if value is None else TEXT}" {FONT}>{escape(text)}</text>')
    if not items:
        parts.append(f'<text x="{width / 2}" y="{top + 18}" text-anchor="middle" font-size="12" fill="{MUTED}" {FONT}>'
                     "Ingen data i perioden</text>")
    parts.append(tail)
    return mark_safe("".join(parts))


def _hidden_box(x: float, y: float, width: float, height: float) -> str:
    return (f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" fill="none" stroke="{MUTED}" '
            'stroke-width="1" stroke-dasharray="3 2"></rect>')


def stacked_bars(title: str, categories: list[str], series: list[tuple[str, list[float | None], str]], *,
                 description: str = "", maximum: float = 100, unit: str = "%", width: int = 640,
                 height: int = 300, hidden: list[bool] | None = None,
                 hidden_note: str = "skjult: færre end 5") -> SafeString:
    """Vertical stacked bars, one per category (month), one segment per series, with a legend.

    `hidden[i]` marks a category whose values are (partly) withheld: the gap is drawn as a dashed
    box saying "skjult", the legend carries `hidden_note`, and the text alternative names the
    categories – a reader is told a month is hidden instead of seeing a silent gap."""
    hidden = [bool(h) for h in (hidden or [])] + [False] * (len(categories) - len(hidden or []))
    hidden_names = [c for c, h in zip(categories, hidden) if h]
    if hidden_names:
        description = (f"{description or title} {hidden_note[0].upper()}{hidden_note[1:]}: "
                       f"{', '.join(hidden_names)}.")
    left, right, top, bottom = 44, 10, 34, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    head, tail = _open(title, description or title, width, height)
    parts = [head]
    # legend
    x = left
    for name, _, color in series:
        parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{color}"></rect>')
        parts.append(f'<text x="{x + 16}" y="16" font-size="12" fill="{TEXT}" {FONT}>{escape(name)}</text>')
        x += 28 + 7 * len(name)
    if hidden_names:
        parts.append(_hidden_box(x, 6, 12, 12))
        parts.append(f'<text x="{x + 16}" y="16" font-size="12" fill="{TEXT}" {FONT}>{escape(hidden_note)}</text>')
    # axis and grid
    for step in range(0, 5):
        value = maximum * step / 4
        y = top + plot_h - plot_h * step / 4
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}" '
                     'stroke-width="1"></line>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="10" fill="{MUTED}" {FONT}>'
                     f"{_number(value)}{escape(unit)}</text>")
    count = max(len(categories), 1)
    slot = plot_w / count
    bar = max(slot * 0.7, 1)
    every = max(1, -(-count // 12))  # at most about 12 labels under the bars
    for i, category in enumerate(categories):
        x = left + i * slot + (slot - bar) / 2
        base = top + plot_h
        for _, values, color in series:
            value = values[i] if i < len(values) else None
            if not value:
                continue
            h = plot_h * min(value, maximum) / maximum
            base -= h
            parts.append(f'<rect x="{x:.1f}" y="{base:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{color}">'
                         f"<title>{escape(category)}: {_number(value)}{escape(unit)}</title></rect>")
        if hidden[i] and base - top >= 1:
            middle = (top + base) / 2
            rotate = f' transform="rotate(-90 {x + bar / 2:.1f} {middle:.1f})"' if bar < 34 else ""
            parts.append(_hidden_box(x, top, bar, base - top))
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{middle + 3:.1f}" text-anchor="middle" font-size="9" '
                         f'fill="{MUTED}"{rotate} {FONT}><title>{escape(category)}: {escape(hidden_note)}</title>'
                         "skjult</text>")
        if i % every == 0:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{top + plot_h + 16}" text-anchor="middle" font-size="10" '
                         f'fill="{TEXT}" {FONT}>{escape(category)}</text>')
    if not categories:
        parts.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" font-size="12" fill="{MUTED}" {FONT}>'
                     "Ingen data i perioden</text>")
    parts.append(tail)
    return mark_safe("".join(parts))
