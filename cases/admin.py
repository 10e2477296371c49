from django.contrib import admin

from cases.models import CaseEvent, ConsentPurpose, MeetingType, ObservationType
from haandguide.admin import AuditedAdmin, ReadOnlyAdmin


@admin.register(ObservationType)
class ObservationTypeAdmin(AuditedAdmin):
    municipality_path = "municipality"
    list_display = ["name", "municipality", "has_topi_position", "active", "order"]
    list_filter = ["municipality", "active"]
    list_editable = ["order", "active"]


@admin.register(ConsentPurpose)
class ConsentPurposeAdmin(AuditedAdmin):
    municipality_path = "municipality"
    list_display = ["name", "code", "municipality", "active"]
    list_filter = ["municipality", "active"]


@admin.register(MeetingType)
class MeetingTypeAdmin(AuditedAdmin):
    municipality_path = "municipality"
    list_display = ["name", "municipality", "requires_consent", "parents_take_part", "active", "order"]
    list_filter = ["municipality", "active"]
    list_editable = ["order", "active"]


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    """The timeline is written by the services and never edited."""

    municipality_path = "case__child__institution__district__municipality"

    list_display = ["at", "case", "action", "from_state", "to_state", "actor"]
    list_filter = ["action"]
    list_select_related = ["case__child", "actor"]
    show_full_result_count = False
