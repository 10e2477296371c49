"""Form widgets rendered in Python where a page renders them on every view.

Django renders a `<select>` through its form templates, two template includes per option: on the
child list, whose filter bar is three selects, that was a quarter of the page's render time
(issue 16, throughput). `Select` writes the same HTML with `format_html`; option groups, which no
such filter uses, still go through Django's templates."""

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString


def _attrs(attrs: dict) -> SafeString:
    """As django/forms/widgets/attrs.html: in order, True as a bare name, False left out."""
    return format_html_join("", "{}", ((format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
                                       for name, value in attrs.items() if value is not False))


class Select(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        if any(group_name for group_name, _, _ in widget["optgroups"]):
            return super().render(name, value, attrs, renderer)
        options = format_html_join(
            "", '\n  <option value="{}"{}>{}</option>',
            ((option["value"], _attrs(option["attrs"]), option["label"])
             for _, group, _ in widget["optgroups"] for option in group))
        return format_html('<select name="{}"{}>{}\n</select>', widget["name"], _attrs(widget["attrs"]), options)
