"""Django's admin, in Danish, for administrators: organisation, users and configuration.

Every change made here also writes an AccessLog row (besides Django's own LogEntry), and opening
a child's record counts as a read of the child's data.

Tenancy: an administrator sees, chooses and filters only the own municipality's rows. Every
queryset, choice list, raw-id label, list filter and autocomplete goes through `scoped_queryset`,
which denies by default (a model without a known way to its municipality offers nothing), and an
id of another municipality (in the URL, in `?<field>=` initial values or in a POST) answers a
logged 404. A superuser *without* a municipality is the installation's operator (created with
`createsuperuser` to set up municipalities and their administrators) and sees every municipality;
a superuser with a municipality is scoped like an administrator.
"""

import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.filters import RelatedFieldListFilter, RelatedOnlyFieldListFilter
from django.contrib.admin.options import BaseModelAdmin
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.utils import timezone

from haandguide import roles, services
from haandguide.access import Action, OutOfScope, log_access, log_children_listed
from haandguide.actors import Actor
from haandguide.exceptions import Refused
from haandguide.lib import cpr as cprlib
from haandguide.lib.ids import parse_id
from haandguide.lib.pages import ShortCountPaginator, uncounted_page_of
from haandguide.models import (
    AccessLog, Child, ChildTransferRequest, CounsellorAssignment, District, Guardian, Institution, Municipality, User,
    municipality_id_of,
)

# How each organisation model reaches its municipality; other models name it on their ModelAdmin
# (`municipality_path`) or have a `municipality` field.
MUNICIPALITY_PATHS = {
    Municipality: "pk", District: "municipality", Institution: "district__municipality",
    Child: "institution__district__municipality", User: "municipality",
}


def sees_every_municipality(user) -> bool:
    """Only the installation's operator: a superuser who belongs to no municipality."""
    return roles.is_operator(user)


def municipality_path_for(model) -> str | None:
    if model in MUNICIPALITY_PATHS:
        return MUNICIPALITY_PATHS[model]
    model_admin = admin.site._registry.get(model)
    if getattr(model_admin, "municipality_path", None):
        return model_admin.municipality_path
    if any(f.name == "municipality" for f in model._meta.fields):
        return "municipality"
    return None


def scoped_queryset(model, request, queryset=None):
    """`model`'s rows in the administrator's municipality. Deny by default: a model with no known
    way to a municipality (e.g. auth groups) offers nothing to a scoped administrator."""
    queryset = model._default_manager.all() if queryset is None else queryset
    if sees_every_municipality(request.user):
        return queryset
    path = municipality_path_for(model)
    if path is None or request.user.municipality_id is None:
        return queryset.none()
    return queryset.filter(**{path: request.user.municipality_id})


def require_in_scope(request, field, values) -> None:
    """Every id in `values` for relation `field` lies in the municipality, else a logged 404
    (an id that does not exist answers the same: whether it exists is not told)."""
    related = field.remote_field.model
    ids = {str(v).strip() for v in values if v is not None and str(v).strip() != ""}
    if not ids:
        return
    to_field = getattr(field.remote_field, "field_name", None) or related._meta.pk.name
    try:
        found = {str(v) for v in scoped_queryset(related, request)
                 .filter(**{f"{to_field}__in": ids}).values_list(to_field, flat=True)}
    except (ValueError, TypeError, ValidationError):
        found = set()
    missing = sorted(ids - found)
    if missing:
        child_id = parse_id(missing[0]) if related is Child else None
        raise OutOfScope(related._meta.model_name, missing[0][:50], child_id=child_id)


class ScopedRawIdWidget(ForeignKeyRawIdWidget):
    """The raw-id box names the chosen object only if it lies in the municipality (Django's own
    widget looks the id up in the whole table)."""

    def __init__(self, rel, admin_site, attrs=None, using=None, *, scope=None):
        super().__init__(rel, admin_site, attrs=attrs, using=using)
        self.scope = scope

    def label_and_url_for_value(self, value):
        key = self.rel.get_related_field().name
        try:
            in_scope = self.scope is not None and self.scope.filter(**{key: value}).exists()
        except (ValueError, TypeError, ValidationError):
            in_scope = False
        return super().label_and_url_for_value(value) if in_scope else ("", "")


class MunicipalityScopeMixin(BaseModelAdmin):
    """Choice lists, raw-id labels and list filters of a ModelAdmin or inline, limited to the
    administrator's municipality."""

    def get_field_queryset(self, db, db_field, request):
        queryset = super().get_field_queryset(db, db_field, request)
        model = db_field.remote_field.model
        if queryset is None:
            queryset = model._default_manager.using(db)
        return scoped_queryset(model, request, queryset)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_raw_id_fields(request) and "widget" not in kwargs:
            kwargs["widget"] = ScopedRawIdWidget(
                db_field.remote_field, self.admin_site, using=kwargs.get("using"),
                scope=self.get_field_queryset(kwargs.get("using"), db_field, request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_raw_id_fields(self, request):
        return self.raw_id_fields


class InScopeFieldListFilter(RelatedFieldListFilter):
    """A filter on a relation listing the related rows of the administrator's municipality (its
    districts, say). Django's RelatedOnlyFieldListFilter asks which related rows the listed rows
    point to: a SELECT DISTINCT over every listed row, 300,000 children at national size."""

    def field_choices(self, field, request, model_admin):
        related = field.remote_field.model
        ordering = self.field_admin_ordering(field, request, model_admin) or related._meta.ordering
        key = field.target_field.attname
        return [(getattr(row, key), str(row)) for row in scoped_queryset(related, request).order_by(*ordering)]


class AuditedAdmin(MunicipalityScopeMixin, admin.ModelAdmin):
    """Administrators only (role, not a flag), every change lands in the access log, and an
    administrator sees only the own municipality's rows (`municipality_path` names the way there)."""

    municipality_path: str | None = None
    # Where a listed row's child id is ("pk", "child_id", "case.child_id"): the changelist then
    # logs each child it names, like every other list of children.
    listed_child_id: str | None = None

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if sees_every_municipality(request.user):
            return queryset
        if self.municipality_path is None or request.user.municipality_id is None:
            return queryset.none()
        return queryset.filter(**{self.municipality_path: request.user.municipality_id})

    def _relation_fields(self):
        return [f for f in self.model._meta.get_fields()
                if f.is_relation and f.concrete and (f.many_to_one or f.one_to_one or f.many_to_many)]

    def get_changeform_initial_data(self, request):
        """`?child=<id>` and the like: an id outside the municipality is a logged 404, so the add
        form never names another municipality's child, institution or user."""
        initial = super().get_changeform_initial_data(request)
        for field in self._relation_fields():
            if field.name in initial:
                value = initial[field.name]
                require_in_scope(request, field, value if isinstance(value, list) else [value])
        return initial

    def require_posted_relations_in_scope(self, request) -> None:
        """Every posted id of a relation lies in the municipality, else a logged 404 (also for a
        ModelAdmin's own add page, e.g. the file import's)."""
        for field in self._relation_fields():
            for name in (field.name, field.attname):
                values = request.POST.getlist(name)
                if field.many_to_many:
                    values = [part for value in values for part in value.split(",")]
                require_in_scope(request, field, values)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and (object_id is not None or self.has_add_permission(request)):
            self.require_posted_relations_in_scope(request)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_list_filter(self, request):
        """A filter on a relation lists only the own municipality's rows (Django's plain filter
        lists the whole related table, i.e. every municipality's districts and institutions): those
        in scope where the related model has a way to its municipality, else only what the own
        rows point to."""
        filters = []
        for entry in super().get_list_filter(request):
            if isinstance(entry, str):
                try:
                    last = get_fields_from_path(self.model, entry)[-1]
                except FieldDoesNotExist:
                    last = None
                if last is not None and last.is_relation:
                    scoped = last.concrete and municipality_path_for(last.related_model) is not None
                    entry = (entry, InScopeFieldListFilter if scoped else RelatedOnlyFieldListFilter)
            filters.append(entry)
        return filters

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        if self.listed_child_id:
            children = []
            for row in changelist.result_list:
                value = row
                for part in self.listed_child_id.split("."):
                    value = getattr(value, part)
                children.append(Child(pk=value))
            log_children_listed(request.actor, children, detail=f"Administration: {self.model._meta.verbose_name_plural}")
        return changelist

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
        log_access(request.actor, Action.CREATE, obj, detail="Administration: oprettet")
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        log_access(request.actor, Action.UPDATE, obj, detail="Administration: ændret")
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            log_access(request.actor, Action.DELETE, obj, detail="Administration: slettet")
        return super().log_deletions(request, queryset)


_PERMISSION_CHECKS = ("has_module_permission", "has_view_permission", "has_add_permission",
                      "has_change_permission", "has_delete_permission")


def close_unscoped_admins(site) -> None:
    """Django's groups and django-axes' login records belong to no municipality, so only the
    installation's operator opens them (a superuser with a municipality does not). They register
    after our apps, so haandguide/urls.py calls this once the registry is complete."""
    for model_admin in site._registry.values():
        if isinstance(model_admin, AuditedAdmin) or getattr(model_admin, "_operator_only", False):
            continue
        for name in _PERMISSION_CHECKS:
            setattr(model_admin, name, _operator_only(getattr(model_admin, name)))
        model_admin._operator_only = True


def _operator_only(check):
    def wrapped(request, *args, **kwargs):
        return sees_every_municipality(request.user) and check(request, *args, **kwargs)
    return wrapped


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
    """An administrator edits the own municipality's settings; only the installation's operator
    adds or removes municipalities (one added by an administrator would lie outside their scope)."""

    municipality_path = "pk"

    def has_add_permission(self, request):
        return sees_every_municipality(request.user)

    def has_delete_permission(self, request, obj=None):
        return sees_every_municipality(request.user)
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
    show_full_result_count = False


class GuardianInline(MunicipalityScopeMixin, admin.TabularInline):
    model = Guardian
    extra = 0


class ChildAdminForm(forms.ModelForm):
    class Meta:
        model = Child
        fields = "__all__"

    def clean(self):
        """CPR numbers are unique within the municipality (the database's constraint names a field
        the form does not have, so the form asks itself; the administrator sees the municipality)."""
        data = super().clean()
        institution, cpr = data.get("institution"), data.get("cpr")
        try:
            cpr = cprlib.normalise(cpr) if cpr else None
        except ValidationError:
            cpr = None  # Child.clean reports the malformed number
        if institution and cpr and Child.objects.filter(
                municipality_id=municipality_id_of(institution.pk), cpr=cpr).exclude(pk=self.instance.pk).exists():
            self.add_error("cpr", "Der findes allerede et barn med dette CPR-nummer i kommunen.")
        return data


@admin.register(Child)
class ChildAdmin(AuditedAdmin):
    form = ChildAdminForm
    municipality_path = "institution__district__municipality"
    listed_child_id = "pk"
    list_display = ["__str__", "masked", "institution", "left_at"]
    # By district only: a filter by institution listed all 10,000 of them in the sidebar (850 KB
    # at national size); `?institution__id__exact=` from a link still narrows to one institution.
    list_filter = ["institution__district"]
    paginator = ShortCountPaginator  # 300,000 children: the count stops at 1,000
    list_per_page = 50  # rendering and logging are per row: the most of the page once the count is short
    search_fields = ["first_name", "last_name"]
    list_select_related = ["institution"]
    sortable_by = []  # the name order of child_municipality_name; a column's order would sort them all
    # A municipality has thousands of institutions and the country 10,000: no <select> of them all.
    raw_id_fields = ["institution"]
    inlines = [GuardianInline]
    show_full_result_count = False

    @admin.display(description="CPR")
    def masked(self, obj):
        return cprlib.mask(obj.cpr)

    def get_queryset(self, request):
        """Also by the child's own municipality column, so the index on (municipality, name) serves
        the changelist's name order: a page of 100 read in order instead of 300,000 children
        sorted. The way through the institution stays the rule; a row must pass both."""
        queryset = super().get_queryset(request)
        if sees_every_municipality(request.user):
            return queryset
        return queryset.filter(municipality_id=request.user.municipality_id)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET" and self.get_queryset(request).filter(pk=object_id).exists():
            log_access(request.actor, Action.VIEW, object_type="child", object_id=object_id,
                       child_id=parse_id(object_id),
                       detail="Administration: åbnet")
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    municipality_path = "municipality"
    list_display = ["username", "first_name", "last_name", "role", "municipality", "is_active"]
    list_filter = ["role", "municipality", "is_active"]
    # Districts are few per municipality; institutions are thousands (10,000 in the country).
    filter_horizontal = ["districts"]
    raw_id_fields = ["institutions"]
    show_full_result_count = False
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
    listed_child_id = "child_id"
    list_display = ["child", "counsellor", "assigned_at", "ended_at"]
    raw_id_fields = ["child", "counsellor"]
    show_full_result_count = False


@admin.register(ChildTransferRequest)
class ChildTransferRequestAdmin(AuditedAdmin):
    """A leader registered a CPR number another institution of the municipality holds: the
    administrator moves that child to the leader's institution (case and history go with it) or
    declines. Made only by the child form; never added or edited here."""

    municipality_path = "to_institution__district__municipality"
    listed_child_id = "child_id"
    list_display = ["child", "current_institution", "to_institution", "requested_by", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["child__institution", "to_institution", "requested_by"]
    raw_id_fields = ["child", "to_institution", "requested_by", "decided_by"]
    show_full_result_count = False
    fields = ["child", "current_institution", "to_institution", "requested_by", "created_at", "status",
              "decided_by", "decided_at"]
    readonly_fields = fields
    actions = ["apply", "decline"]

    @admin.display(description="nuværende institution")
    def current_institution(self, obj):
        return obj.child.institution

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        transfer = self.get_object(request, object_id)
        if request.method == "GET":
            log_access(request.actor, Action.VIEW, transfer, detail="Administration: anmodning om flytning åbnet")
        return super().change_view(request, object_id, form_url, extra_context)

    def _act(self, request, queryset, service, done: str):
        for transfer in queryset:
            try:
                service(actor=Actor.admin(request), transfer=transfer)
            except Refused as refusal:
                self.message_user(request, f"{transfer}: {refusal.message}", messages.WARNING)
            else:
                self.message_user(request, f"{transfer}: {done}", messages.SUCCESS)

    @admin.action(description="Flyt barnet til den ønskede institution")
    def apply(self, request, queryset):
        self._act(request, queryset, services.child_transfer_apply, "barnet er flyttet.")

    @admin.action(description="Afvis anmodningen")
    def decline(self, request, queryset):
        self._act(request, queryset, services.child_transfer_decline, "anmodningen er afvist.")


class AccessLogPeriodFilter(admin.SimpleListFilter):
    """The changelist shows this month unless asked otherwise: bounded on `at`, PostgreSQL reads
    one month partition (a page of the whole log merges every month's index)."""

    title = "periode"
    parameter_name = "periode"

    def lookups(self, request, model_admin):
        return [("dag", "I dag"), ("uge", "Sidste 7 dage"), ("forrige", "Forrige måned"), ("alle", "Hele loggen")]

    def choices(self, changelist):
        yield {"selected": self.value() is None, "display": "Denne måned",
               "query_string": changelist.get_query_string(remove=[self.parameter_name])}
        for value, label in self.lookup_choices:
            yield {"selected": self.value() == value, "display": label,
                   "query_string": changelist.get_query_string({self.parameter_name: value})}

    def queryset(self, request, queryset):
        now = timezone.localtime()
        month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        if self.value() == "alle":
            return queryset
        if self.value() == "dag":
            return queryset.filter(at__gte=now.replace(hour=0, minute=0, second=0, microsecond=0))
        if self.value() == "uge":
            return queryset.filter(at__gte=now - datetime.timedelta(days=7))
        if self.value() == "forrige":
            return queryset.filter(at__gte=(month - datetime.timedelta(days=1)).replace(day=1), at__lt=month)
        return queryset.filter(at__gte=month)


class AccessLogIdFilter(admin.ListFilter):
    """A box for an id instead of a list of choices (a list of every child or user in the log would
    read the whole log). The child's box finds its own rows and the list views that showed it."""

    template = "admin/haandguide/accesslog/id_filter.html"
    parameter_name = ""

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        if self.parameter_name in params:
            self.used_parameters[self.parameter_name] = params.pop(self.parameter_name)[-1]

    def value(self) -> int | None:
        return parse_id(self.used_parameters.get(self.parameter_name))

    def has_output(self):
        return True

    def expected_parameters(self):
        return [self.parameter_name]

    def choices(self, changelist):
        yield {"name": self.parameter_name, "value": self.used_parameters.get(self.parameter_name, ""),
               "others": [(k, v) for k, v in changelist.params.items() if k != self.parameter_name],
               "remove": changelist.get_query_string(remove=[self.parameter_name])}

    def queryset(self, request, queryset):
        if self.parameter_name not in self.used_parameters:
            return queryset
        return self.filter(queryset, self.value()) if self.value() is not None else queryset.none()


class AccessLogChildFilter(AccessLogIdFilter):
    title = "barn-id"
    parameter_name = "barn"

    def filter(self, queryset, child_id):
        return queryset.for_child(child_id)


class AccessLogUserFilter(AccessLogIdFilter):
    title = "bruger-id"
    parameter_name = "bruger"

    def filter(self, queryset, user_id):
        return queryset.filter(user_id=user_id)


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    """The access log is append-only. At national volume (tens of millions of rows a day) the
    changelist shows this month by default, never counts (`UncountedPaginator`: a page plus one
    row), filters by child or user through an id box, and its newest-first page is read from the
    index on (municipality, time) of each month partition."""

    municipality_path = "municipality_id"

    list_display = ["at", "username", "role", "actor_kind", "action", "object_type", "object_id", "child_id", "child_ids"]
    # Only choice filters and id boxes: a filter on `role` (no choices) runs SELECT DISTINCT over the whole log.
    list_filter = [AccessLogPeriodFilter, AccessLogChildFilter, AccessLogUserFilter, "action", "actor_kind"]
    search_fields = ["username"]
    raw_id_fields = ["user"]
    show_full_result_count = False
    list_max_show_all = 0  # "show all" would read the whole period

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        return uncounted_page_of(queryset, per_page, number=parse_id(request.GET.get("p")) or 1,
                                 orphans=orphans, allow_empty_first_page=allow_empty_first_page)

    def get_changelist(self, request, **kwargs):
        return UncountedChangeList


class UncountedChangeList(ChangeList):
    """A single page is shown from the rows the paginator read (Django would read them again)."""

    def get_results(self, request):
        super().get_results(request)
        if not self.multi_page:
            self.result_list = self.paginator.page(self.paginator.number).object_list