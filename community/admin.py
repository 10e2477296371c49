from django.contrib import admin

from community.models import ChildGroup, TopiCriterion, TopiSchedule
from haandguide.admin import AuditedAdmin


@admin.register(ChildGroup)
class ChildGroupAdmin(AuditedAdmin):
    """The institutions' groups (stuer) and their children: master data the administrator keeps
    until it comes from the municipality's institution system."""

    municipality_path = "institution__district__municipality"
    list_display = ["name", "institution", "active"]
    list_filter = ["institution__district", "active"]
    search_fields = ["name"]
    raw_id_fields = ["institution", "children"]


@admin.register(TopiSchedule)
class TopiScheduleAdmin(AuditedAdmin):
    """When the municipality holds its TOPI rounds (Haderslev: spring and autumn)."""

    municipality_path = "municipality"
    list_display = ["name", "month", "municipality"]
    list_filter = ["municipality"]


@admin.register(TopiCriterion)
class TopiCriterionAdmin(AuditedAdmin):
    """The criteria shown beside each position in a round."""

    municipality_path = "municipality"
    list_display = ["position", "municipality"]
    list_filter = ["municipality"]
