"""The administrator's pages for integrations, scoped to the municipality like every ModelAdmin
(haandguide/admin.py): API clients (the key is shown once, at creation or rotation), outbound
channels, the outbox (status and a retry), and file import (upload → preview → apply → report)."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from haandguide.access import OutOfScope
from haandguide.actors import Actor
from haandguide.admin import AuditedAdmin, ReadOnlyAdmin
from haandguide.lib.ids import parse_id
from integrations import imports
from integrations.forms import ApiClientForm, ChannelSettingForm, ImportApplyForm, ImportUploadForm
from integrations.models import ApiClient, ChannelSetting, ExternalRef, ImportFile, OutboxItem


@admin.register(ApiClient)
class ApiClientAdmin(AuditedAdmin):
    municipality_path = "municipality"
    form = ApiClientForm
    list_display = ["name", "municipality", "active", "key_prefix", "created_at", "rotated_at", "last_used_at"]
    readonly_fields = ["key_prefix", "created_at", "rotated_at", "last_used_at"]

    def save_model(self, request, obj, form, change):
        key = None
        if not change or form.cleaned_data.get("rotate"):
            key = obj.new_key()
            if change:
                from django.utils import timezone

                obj.rotated_at = timezone.now()
        super().save_model(request, obj, form, change)
        if key:
            messages.warning(request, f"Nøglen til «{obj.name}» er {key} – kopiér den nu; den vises ikke igen.")


@admin.register(ChannelSetting)
class ChannelSettingAdmin(AuditedAdmin):
    municipality_path = "municipality"
    form = ChannelSettingForm
    list_display = ["purpose", "channel", "active", "municipality"]


@admin.register(OutboxItem)
class OutboxItemAdmin(ReadOnlyAdmin):
    municipality_path = "municipality"
    list_display = ["document", "document_id", "channel", "status", "attempts", "sent_at", "last_error"]
    list_filter = ["status", "channel", "document"]
    actions = ["retry"]
    show_full_result_count = False

    @admin.action(description="Prøv igen")
    def retry(self, request, queryset):
        from haandguide.lib.queue import enqueue
        from integrations.tasks import send_outbox_item

        ids = list(queryset.filter(status=OutboxItem.Status.GAVE_UP).values_list("pk", flat=True))
        OutboxItem.objects.filter(pk__in=ids).update(status=OutboxItem.Status.FAILED, attempts=0)
        for pk in ids:
            enqueue(send_outbox_item, pk)
        messages.info(request, f"{len(ids)} forsendelse(r) prøves igen.")

    def has_change_permission(self, request, obj=None):  # the action needs it; no field is editable
        return obj is None and self.has_module_permission(request)


@admin.register(ExternalRef)
class ExternalRefAdmin(ReadOnlyAdmin):
    municipality_path = "municipality"
    list_display = ["kind", "external_id", "object_id"]
    list_filter = ["kind"]
    search_fields = ["external_id"]
    show_full_result_count = False


@admin.register(ImportFile)
class ImportFileAdmin(AuditedAdmin):
    municipality_path = "municipality"
    list_display = ["original_name", "uploaded_at", "uploaded_by", "status", "applied_at"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [path("<path:object_id>/anvend/", self.admin_site.admin_view(self.apply_view),
                     name="integrations_importfile_apply")] + super().get_urls()

    def _municipality(self, request):
        if request.user.municipality_id:
            return request.user.municipality
        return None

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            return redirect("admin:index")
        self.get_changeform_initial_data(request)  # ?uploaded_by=<another municipality's id>: a logged 404
        if request.method == "POST":
            self.require_posted_relations_in_scope(request)
        form = ImportUploadForm(request.POST or None, request.FILES or None)
        municipality = self._municipality(request)
        status = 200
        if request.method == "POST" and form.is_valid():
            if municipality is None:
                form.add_error(None, "Kun en administrator i en kommune kan indlæse filer.")
            else:
                try:
                    record = imports.import_preview(actor=Actor.admin(request), municipality=municipality,
                                                    kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"])
                except ValidationError as error:
                    form.add_error("file", error.messages[0])
                else:
                    return redirect("admin:integrations_importfile_change", record.pk)
        if request.method == "POST":
            status = 400
        context = {**self.admin_site.each_context(request), "title": "Indlæs fil", "form": form,
                   "opts": self.model._meta}
        return TemplateResponse(request, "integrations/import_upload.html", context, status=status)

    def _record(self, request, object_id) -> ImportFile:
        number = parse_id(object_id)
        record = self.get_queryset(request).filter(pk=number).first() if number is not None else None
        if record is None:
            raise OutOfScope("importfile", str(object_id)[:64], model=ImportFile)
        return record

    def change_view(self, request, object_id, form_url="", extra_context=None):
        record = self._record(request, object_id)
        from haandguide.access import Action, log_access

        log_access(Actor.admin(request), Action.VIEW, record, municipality_id=record.municipality_id,
                   detail="Filimportens rapport vist")
        return self._report(request, record, ImportApplyForm())

    def _report(self, request, record, form, status=200):
        preview = record.report.get("preview", [])
        applied = record.report.get("applied")
        context = {**self.admin_site.each_context(request), "title": f"Filimport: {record.original_name}",
                   "record": record, "rows": applied if applied is not None else preview, "applied": applied is not None,
                   "counts": imports.summary(applied if applied is not None else preview),
                   "refused": any(r["status"] == "afvist" for r in preview), "form": form, "opts": self.model._meta,
                   "apply_url": reverse("admin:integrations_importfile_apply", args=[record.pk])}
        return TemplateResponse(request, "integrations/import_report.html", context, status=status)

    def apply_view(self, request, object_id):
        record = self._record(request, object_id)
        if request.method != "POST":
            return redirect("admin:integrations_importfile_change", record.pk)
        form = ImportApplyForm(request.POST)
        form.is_valid()
        record = imports.import_apply(actor=Actor.admin(request), record_id=record.pk,
                                      accept_valid=form.cleaned_data.get("accept_valid", False))
        if record.status != ImportFile.Status.APPLIED:
            messages.error(request, "Intet er anvendt: filen har afviste rækker. Ret filen og indlæs den igen, "
                                    "eller vælg at anvende de gyldige rækker.")
        else:
            counts = imports.summary(record.report["applied"])
            messages.success(request, f"Filen er anvendt: {counts['oprettet']} oprettet, {counts['aendret']} ændret, "
                                      f"{counts['uaendret']} uændret, {counts['afvist']} afvist.")
        return redirect("admin:integrations_importfile_change", record.pk)
