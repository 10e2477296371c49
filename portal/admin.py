from django.contrib import admin

from haandguide.admin import AuditedAdmin
from portal.models import PortalSettings


@admin.register(PortalSettings)
class PortalSettingsAdmin(AuditedAdmin):
    municipality_path = "municipality"
    list_display = ["__str__", "show_staff_names"]
