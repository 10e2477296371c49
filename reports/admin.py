from django.contrib import admin

from haandguide.admin import AuditedAdmin
from reports.models import Measure, Report


@admin.register(Report)
class ReportAdmin(AuditedAdmin):
    """Read-only: reports are made on the statistics page, never edited; an administrator sees
    (and may delete) the own municipality's reports only."""

    municipality_path = "municipality"
    list_display = ["__str__", "scope_kind", "municipality", "district", "institution", "requested_by", "status",
                    "created_at", "finished_at"]
    list_filter = ["status", "scope_kind"]
    readonly_fields = ["sha256"]
    exclude = ["pdf"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Measure)
class MeasureAdmin(AuditedAdmin):
    """The municipality's own measures on the statistics page (seeded from its profile)."""

    municipality_path = "municipality"
    list_display = ["title", "kind", "municipality", "threshold_days", "meeting_type", "active", "order"]
    list_filter = ["municipality", "active", "kind"]
    list_editable = ["order", "active"]
