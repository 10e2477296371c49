from django.contrib import admin

from cases.models import (
    CaseEvent, ConsentPurpose, CounsellingBooking, CounsellingSession, FamilyGroup, FamilyGroupParticipant,
    FamilyGroupSession, MeetingType, ObservationType,
)
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


class CounsellingBookingInline(admin.TabularInline):
    model = CounsellingBooking
    extra = 0
    fields = ["slot", "booker", "professional", "booked_by", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CounsellingSession)
class CounsellingSessionAdmin(AuditedAdmin):
    """Aabenraa's open counselling: the calendar is edited here too; bookings only on the page."""

    municipality_path = "institution__district__municipality"
    list_display = ["__str__", "institution", "slots", "professionals"]
    list_filter = ["institution__district"]
    inlines = [CounsellingBookingInline]


class FamilyGroupParticipantInline(admin.TabularInline):
    model = FamilyGroupParticipant
    extra = 0
    fields = ["child", "guardian", "joined_on"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class FamilyGroupSessionInline(admin.TabularInline):
    model = FamilyGroupSession
    extra = 0
    fields = ["held_on", "theme", "activity"]


@admin.register(FamilyGroup)
class FamilyGroupAdmin(AuditedAdmin):
    municipality_path = "institution__district__municipality"
    list_display = ["name", "institution", "active"]
    list_filter = ["active", "institution__district"]
    inlines = [FamilyGroupParticipantInline, FamilyGroupSessionInline]
