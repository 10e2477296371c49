from django.contrib import admin

from cases.models import (
    CaseEvent, ConsentPurpose, CounsellingBooking, CounsellingSession, FamilyGroup, FamilyGroupParticipant,
    FamilyGroupSession, MeetingType, ObservationType,
)
from haandguide.access import log_children_listed
from haandguide.lib.ids import parse_id
from haandguide.admin import AuditedAdmin, MunicipalityScopeMixin, ReadOnlyAdmin
from haandguide.lib.pages import ShortCountPaginator


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
    list_display = ["name", "municipality", "requires_consent", "parents_take_part", "allows_ppv_referral",
                    "allows_viso_referral", "active", "order"]
    list_filter = ["municipality", "active"]
    list_editable = ["order", "active"]


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    """The timeline is written by the services and never edited."""

    municipality_path = "case__child__institution__district__municipality"
    listed_child_id = "case.child_id"

    list_display = ["at", "case", "action", "from_state", "to_state", "actor"]
    list_filter = ["action"]
    list_select_related = ["case__child", "actor"]
    raw_id_fields = ["case", "actor"]  # 86,000 cases and 20,000 users nationally: never a <select>
    sortable_by = ["at"]  # both ways along caseevent_at; any other column would sort every event
    show_full_result_count = False
    paginator = ShortCountPaginator  # 1.5 M events nationally: the count stops at 1,000
    list_per_page = 50  # rendering is per row: the most of the page once the count is short


class ReadOnlyInline(MunicipalityScopeMixin, admin.TabularInline):
    """Shown to administrators (decided by role, like AuditedAdmin), never edited here."""

    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_administrator

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CounsellingBookingInline(ReadOnlyInline):
    model = CounsellingBooking
    fields = ["slot", "booker", "professional", "booked_by", "created_at"]
    readonly_fields = fields


@admin.register(CounsellingSession)
class CounsellingSessionAdmin(AuditedAdmin):
    """Aabenraa's open counselling: the calendar is edited here too; bookings only on the page."""

    municipality_path = "institution__district__municipality"
    list_display = ["__str__", "institution", "slots", "professionals"]
    list_filter = ["institution__district"]
    inlines = [CounsellingBookingInline]


class FamilyGroupParticipantInline(ReadOnlyInline):
    model = FamilyGroupParticipant
    fields = ["child", "guardian", "joined_on"]
    readonly_fields = fields


class FamilyGroupSessionInline(ReadOnlyInline):
    model = FamilyGroupSession
    fields = ["held_on", "theme", "activity"]
    readonly_fields = fields


@admin.register(FamilyGroup)
class FamilyGroupAdmin(AuditedAdmin):
    municipality_path = "institution__district__municipality"
    list_display = ["name", "institution", "active"]
    list_filter = ["active", "institution__district"]
    inlines = [FamilyGroupParticipantInline, FamilyGroupSessionInline]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The participant inline names children: opening the group is a logged read of each."""
        pk = parse_id(object_id)
        group = self.get_queryset(request).filter(pk=pk).first() if pk is not None else None
        if request.method == "GET" and group is not None:
            log_children_listed(request.actor, [p.child for p in group.participants.select_related("child")],
                                detail=f"Administration: familiegruppe {group.pk}")
        return super().change_view(request, object_id, form_url, extra_context)
