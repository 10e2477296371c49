from django.contrib import admin

from haandguide.admin import AuditedAdmin
from handleplan.models import EffortCatalogueEntry


@admin.register(EffortCatalogueEntry)
class EffortCatalogueAdmin(AuditedAdmin):
    """The municipality's effort catalogue per level; plans copy an entry's name when chosen."""

    municipality_path = "municipality"

    list_display = ["name", "level", "municipality", "active", "order"]
    list_filter = ["municipality", "level", "active"]
    list_editable = ["active", "order"]
    search_fields = ["name", "description"]
