"""Django's admin, in Danish, for administrators: organisation, users and configuration.

Every change made here also writes an AccessLog row (besides Django's own LogEntry), and opening
a child's record counts as a read of the child's data.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from haandguide.access import Action, OutOfScope, log_access
from haandguide.lib import cpr as cprlib
from haandguide.models import (
    AccessLog, Child, CounsellorAssignment, District, Guardian, Institution, Municipality, User,
)


class AuditedAdmin(admin.ModelAdmin):
    """Administrators only (role, not a flag), every change lands in the access log, and an
    administrator sees only the own municipality's rows (`municipality_path` names the way there)."""

    municipality_path: str | None = None

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self.municipality_path is None or request.user.is_superuser:
            return queryset
        return queryset.filter(**{self.municipality_path: request.user.municipality_id})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        _limit_to_municipality(field, request)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        _limit_to_municipality(field, request)
        return field

    def get_object(self, request, object_id, from_field=None):
        """Another municipality's row (or one that does not exist) answers 404 like everywhere
        else, and the attempt is logged by AccessDeniedLogMiddleware."""
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise OutOfScope(self.model._meta.model_name, str(object_id)[:64])
        return obj

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_administrator

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    has_add_permission = has_view_permission

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def log_addition(self, request, obj, message):
        log_access(request, Action.CREATE, obj, detail="Administration: oprettet")
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        log_access(request, Action.UPDATE, obj, detail="Administration: ændret")
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            log_access(request, Action.DELETE, obj, detail="Administration: slettet")
        return super().log_deletions(request, queryset)


# How each organisation model reaches its municipality, for limiting choices in admin forms.
MUNICIPALITY_PATHS = {
    Municipality: "pk", District: "municipality", Institution: "district__municipality",
    Child: "institution__district__municipality", User: "municipality",
}


def _limit_to_municipality(field, request) -> None:
    if field is None or request.user.is_superuser or not hasattr(field, "queryset"):
        return
    model = field.queryset.model
    path = MUNICIPALITY_PATHS.get(model) or getattr(model, "municipality_path", None)
    if path is None and any(f.name == "municipality" for f in model._meta.fields):
        path = "municipality"
    if path:
        field.queryset = field.queryset.filter(**{path: request.user.municipality_id})


class ReadOnlyAdmin(AuditedAdmin):
    """For records the services write and nobody edits (logs, timelines)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Municipality)
class MunicipalityAdmin(AuditedAdmin):
    municipality_path = "pk"
    list_display = ["name", "submission_deadline_days", "resource_period_months", "evaluation_reminder_days"]


@admin.register(District)
class DistrictAdmin(AuditedAdmin):
    municipality_path = "municipality"
    list_display = ["name", "municipality"]
    list_filter = ["municipality"]


@admin.register(Institution)
class InstitutionAdmin(AuditedAdmin):
    municipality_path = "district__municipality"
    list_display = ["name", "kind", "district"]
    list_filter = ["district", "kind"]
    search_fields = ["name"]


class GuardianInline(admin.TabularInline):
    model = Guardian
    extra = 0


@admin.register(Child)
class ChildAdmin(AuditedAdmin):
    municipality_path = "institution__district__municipality"
    list_display = ["__str__", "masked", "institution", "left_at"]
    list_filter = ["institution__district", "institution"]
    search_fields = ["first_name", "last_name"]
    list_select_related = ["institution"]
    inlines = [GuardianInline]
    show_full_result_count = False

    @admin.display(description="CPR")
    def masked(self, obj):
        return cprlib.mask(obj.cpr)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET" and self.get_queryset(request).filter(pk=object_id).exists():
            log_access(request, Action.VIEW, object_type="child", object_id=object_id,
                       child_id=int(object_id) if str(object_id).isdigit() else None,
                       detail="Administration: åbnet")
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    municipality_path = "municipality"
    list_display = ["username", "first_name", "last_name", "role", "municipality", "is_active"]
    list_filter = ["role", "municipality", "is_active"]
    filter_horizontal = ["institutions", "districts"]
    fieldsets = DjangoUserAdmin.fieldsets[:2] + (
        ("Rolle og adgang", {"fields": ("role", "counsellor_kind", "municipality", "institutions", "districts")}),
        ("Status", {"fields": ("is_active", "last_login", "date_joined")}),
    )
    add_fieldsets = DjangoUserAdmin.add_fieldsets + (
        ("Rolle og adgang", {"fields": ("first_name", "last_name", "email", "role", "municipality")}),
    )
    readonly_fields = ["last_login", "date_joined"]


@admin.register(CounsellorAssignment)
class CounsellorAssignmentAdmin(AuditedAdmin):
    municipality_path = "child__institution__district__municipality"
    list_display = ["child", "counsellor", "assigned_at", "ended_at"]
    raw_id_fields = ["child"]


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    """The access log is append-only."""

    municipality_path = "municipality_id"

    list_display = ["at", "username", "role", "action", "object_type", "object_id", "child_id"]
    list_filter = ["action", "role"]
    search_fields = ["username"]
    show_full_result_count = False
