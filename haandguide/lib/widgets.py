"""Form widgets rendered in Python where a page renders them on every view.

Django renders a `<select>` through its form templates, two template includes per option: on the
child list, whose filter bar is three selects, that was a quarter of the page's render time
(issue 16, throughput). `Select` writes the same HTML from its choices, without building Django's
per-option context (a copy of the attributes for every option); option groups and multiple choice,
which no such filter uses, still go through Django's templates."""

from html import escape

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


def _attrs(attrs: dict) -> SafeString:
    """As django/forms/widgets/attrs.html: in order, True as a bare name, False left out."""
    return format_html_join("", "{}", ((format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
                                       for name, value in attrs.items() if value is not False))


class Select(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        choices = list(self.choices)
        if self.allow_multiple_selected or any(isinstance(label, (list, tuple)) for _, label in choices):
            return super().render(name, value, attrs, renderer)
        chosen, options = set(self.format_value(value)), []
        for option_value, label in choices:
            option_value = "" if option_value is None else str(option_value)
            # As Django: the first option whose value is chosen is selected, and no other.
            selected = option_value in chosen
            chosen = set() if selected else chosen
            label = label.__html__() if hasattr(label, "__html__") else escape(str(label))
            options.append(f'\n  <option value="{escape(option_value)}"{" selected" if selected else ""}>{label}</option>')
        return format_html('<select name="{}"{}>{}\n</select>', name, _attrs(self.build_attrs(self.attrs, attrs)),
                           mark_safe("".join(options)))
