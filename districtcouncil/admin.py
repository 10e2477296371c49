from django import forms
from django.contrib import admin

from cases.models import Basis
from districtcouncil.models import (
    GRANT_BASES, Council, CouncilMeeting, CouncilMeetingType, LetterWording, Mellemform, ResourceType,
)
from haandguide.admin import AuditedAdmin


@admin.register(Council)
class CouncilAdmin(AuditedAdmin):
    municipality_path = "district__municipality"
    list_display = ["name", "district"]


@admin.register(CouncilMeetingType)
class CouncilMeetingTypeAdmin(AuditedAdmin):
    municipality_path = "municipality"
    list_display = ["name", "municipality"]


@admin.register(CouncilMeeting)
class CouncilMeetingAdmin(AuditedAdmin):
    municipality_path = "council__district__municipality"
    list_display = ["council", "type", "starts_at", "location", "agenda_closed_at"]
    list_filter = ["council", "type"]
    date_hierarchy = "starts_at"


class ResourceTypeForm(forms.ModelForm):
    bases = forms.MultipleChoiceField(
        label="Kan tildeles efter", required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(b.value, Basis(b).label) for b in GRANT_BASES],
        help_text="Grundlag og ressourcetype skal passe sammen: § 32 → et § 32-tilbud, kronisk sygdom → ekstra ressourcer.")

    class Meta:
        model = ResourceType
        fields = "__all__"


@admin.register(ResourceType)
class ResourceTypeAdmin(AuditedAdmin):
    form = ResourceTypeForm
    municipality_path = "municipality"
    list_display = ["name", "municipality", "grants_resource", "has_amount", "has_hours", "needs_mellemform",
                    "consultant_only", "order", "active"]
    list_filter = ["municipality", "active"]
    list_editable = ["order", "active"]


@admin.register(Mellemform)
class MellemformAdmin(AuditedAdmin):
    municipality_path = "district__municipality"
    list_display = ["name", "district", "active"]
    list_filter = ["district"]


@admin.register(LetterWording)
class LetterWordingAdmin(AuditedAdmin):
    municipality_path = "municipality"
    list_display = ["__str__", "municipality"]
