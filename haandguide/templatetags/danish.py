"""{{ value|dato }}, {{ value|tidspunkt }}, {{ value|kr }}: see haandguide.lib.formats. Loaded as a
template builtin (settings.TEMPLATES), so every template and print template uses the same format."""

from django import template

from haandguide.lib import formats

register = template.Library()
register.filter("dato", formats.date_da)
register.filter("tidspunkt", formats.datetime_da)
register.filter("kr", formats.kroner)
