from django.contrib import admin

from haandguide.admin import AuditedAdmin
from handleplan.models import EffortCatalogueEntry, ReadinessRule


@admin.register(EffortCatalogueEntry)
class EffortCatalogueAdmin(AuditedAdmin):
    """The municipality's effort catalogue per level; plans copy an entry's name when chosen."""

    municipality_path = "municipality"

    list_display = ["name", "level", "municipality", "active", "order"]
    list_filter = ["municipality", "level", "active"]
    list_editable = ["active", "order"]
    search_fields = ["name", "description"]


@admin.register(ReadinessRule)
class ReadinessRuleAdmin(AuditedAdmin):
    """What the plan must hold before a level counts as described and evaluated (seeded from the
    profile); goals and an evaluation of every effort are always required."""

    municipality_path = "municipality"

    list_display = ["level", "municipality", "require_signs", "require_voice", "require_parents",
                    "require_effort_description", "require_effort_carried_out_by", "require_effort_evaluation_date"]
    list_filter = ["municipality", "level"]
