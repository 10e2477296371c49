from django.contrib import admin

from reports.models import Report


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """Read-only: reports are made on the statistics page, never edited."""

    list_display = ["__str__", "scope_kind", "municipality", "district", "institution", "requested_by", "status",
                    "created_at", "finished_at"]
    list_filter = ["status", "scope_kind"]
    readonly_fields = ["sha256"]
    exclude = ["pdf"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
