"""The identity providers in the scoped admin: an administrator edits the own municipality's
provider and group mapping, sees who is linked, and removes a local account's second factor
(a lost phone). Secrets are never shown or stored: only where the app looks for them."""

from django.conf import settings
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from haandguide.admin import AuditedAdmin, MunicipalityScopeMixin
from sso import secrets
from sso.models import ExternalIdentity, GroupMapping, IdentityProvider


class GroupMappingInline(MunicipalityScopeMixin, admin.TabularInline):
    model = GroupMapping
    extra = 1
    fields = ["group", "role", "institutions", "districts", "order"]
    raw_id_fields = ["institutions"]
    filter_horizontal = ["districts"]


@admin.register(IdentityProvider)
class IdentityProviderAdmin(AuditedAdmin):
    municipality_path = "municipality"
    list_display = ["name", "municipality", "audience", "issuer", "active"]
    list_filter = ["active", "audience"]
    inlines = [GroupMappingInline]
    readonly_fields = ["registration"]
    fieldsets = [
        (None, {"fields": ["municipality", "audience", "protocol", "name", "slug", "active"]}),
        ("Udbyderen", {"fields": ["issuer", "client_id", "scopes", "registration", "end_session"]}),
        ("Claims", {"fields": ["link_claim", "email_claim", "given_name_claim", "family_name_claim", "groups_claim",
                               "cpr_claim"]}),
        ("To faktorer", {"fields": ["mfa_claim", "mfa_values"]}),
        ("Brugere", {"fields": ["auto_create"]}),
    ]

    @admin.display(description="Registrering hos udbyderen")
    def registration(self, obj):
        base = settings.SITE_URL.rstrip("/")  # the address the provider sends the browser back to
        configured = obj and obj.pk and secrets.client_secret(obj) is not None
        return format_html(
            "Redirect-URI: <code>{}</code><br>Logout-URI (post_logout_redirect_uri): <code>{}</code><br>"
            "Klienthemmelighed: miljøvariablen <code>{}</code> eller filen <code>&lt;SSO_SECRETS_DIR&gt;/{}</code> "
            "– {}",
            base + reverse("sso:callback"), base + reverse("login"), secrets.env_name(obj.slug if obj else "<kort-navn>"),
            obj.slug if obj else "<kort-navn>", "fundet" if configured else "ikke fundet")


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(AuditedAdmin):
    """Who is linked to which provider; deleting a link makes the next sign-in link anew."""

    municipality_path = "provider__municipality"
    list_display = ["user", "provider", "subject", "linked_at", "last_sign_in"]
    list_filter = ["provider"]
    raw_id_fields = ["user"]
    readonly_fields = ["provider", "issuer", "subject", "user", "linked_at", "last_sign_in"]

    def has_add_permission(self, request):
        return False


# django-otp's own admins list every municipality's devices: replaced by scoped ones.
for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(AuditedAdmin):
    """A local account's authenticator app. Deleting it (a lost phone) makes the next login enrol anew."""

    municipality_path = "user__municipality"
    list_display = ["user", "name", "confirmed", "last_used_at"]
    raw_id_fields = ["user"]
    fields = ["user", "name", "confirmed"]
    readonly_fields = ["user", "name", "confirmed"]

    def has_add_permission(self, request):
        return False


@admin.register(StaticDevice)
class StaticDeviceAdmin(TOTPDeviceAdmin):
    """A local account's recovery codes."""
