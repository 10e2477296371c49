"""Sign-in pages: the login page (local form, a button per identity provider, the second factor
for local accounts in production), the provider's round trip and sign-out."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from haandguide.access import Action, Denial, note_denial
from haandguide.forms import LoginForm
from haandguide.models import User
from sso import oidc, totp
from sso.handlers import SignInRefused, handler_for
from sso.models import Audience, IdentityProvider


_admin_site_login = admin.site.login


class CodeForm(forms.Form):
    code = forms.CharField(label="Kode", max_length=20, strip=True,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True,
                                                         "inputmode": "text"}),
                           error_messages={"required": "Skriv koden fra din godkendelsesapp."})


def staff_providers():
    return (IdentityProvider.objects.filter(active=True, audience=Audience.STAFF)
            .select_related("municipality").order_by("municipality__name", "name"))


def _provider(slug: str) -> IdentityProvider | None:
    return IdentityProvider.objects.filter(slug=slug, active=True).select_related("municipality").first()


def note_sign_in_refused(request, provider: IdentityProvider | None, refused: SignInRefused) -> None:
    """Logged under the provider's municipality (nobody is signed in), naming the user if known.
    An answer that belongs to no sign-in started here names no provider."""
    note_denial(request, Denial("identityprovider", provider.pk if provider else None, model=IdentityProvider,
                                action=Action.REFUSED, user=refused.user,
                                detail=f"Login afvist [{refused.code}]: {refused.reason}"[:200]))


def _login_page(request, error: str = "", status: int = 200):
    response = LoginView.as_view(extra_context={"sso_error": error})(request)
    response.status_code = status
    return response


class LoginView(auth_views.LoginView):
    """Django's login, with a button per municipality's identity provider above the local form.
    In production a correct password leads on to the second factor (`sso.totp`) instead."""

    authentication_form = LoginForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["identity_providers"] = staff_providers()
        return context

    def form_valid(self, form):
        if not totp.required():
            return super().form_valid(form)
        totp.park(self.request, form.get_user(), self.get_success_url())
        return redirect("totp_verify")


def _note_wrong_code(request, user) -> None:
    note_denial(request, Denial("user", user.pk, model=User, action=Action.REFUSED, user=user,
                                detail=f"Login afvist [{totp.WRONG_CODE.code}]: {totp.WRONG_CODE.reason}"[:200]))


@login_not_required
def totp_verify(request):
    """The second step of a local login: a code from the app or a recovery code."""
    user, pending = totp.parked_user(request)
    if user is None:
        return redirect("login")
    if not totp.has_app(user):
        return redirect("totp_enrol")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if totp.verify(request, user, pending, form.cleaned_data["code"]):
            return HttpResponseRedirect(pending.get("next") or resolve_url(settings.LOGIN_REDIRECT_URL))
        _note_wrong_code(request, user)
        form.add_error("code", totp.WRONG_CODE.reason)
    return render(request, "sso/totp_verify.html", {"form": form})


@login_not_required
def totp_enrol(request):
    """First local login in production: connect an authenticator app, get recovery codes once."""
    user, pending = totp.parked_user(request)
    if user is None:
        return redirect("login")
    if totp.has_app(user):
        return redirect("totp_verify")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = totp.enrol(request, user, pending, form.cleaned_data["code"])
        if codes is not None:
            return render(request, "sso/totp_recovery_codes.html",
                          {"codes": codes, "next": pending.get("next") or resolve_url(settings.LOGIN_REDIRECT_URL)})
        _note_wrong_code(request, user)
        form.add_error("code", "Koden passer ikke til den nye hemmelighed. Skan den nye QR-kode herunder, "
                               "og skriv den kode, appen viser.")
    device = totp.new_app(user)  # a new secret on every showing: one shown is never shown again
    return render(request, "sso/totp_enrol.html",
                  {"form": form, "qr": totp.qr_svg(device), "secret": totp.secret_of(device)})


@login_not_required  # as Django's own admin login is
def admin_login(request, extra_context=None):
    """Django's admin login, except where local logins need a second factor: then the one login
    page (password, then code), so the admin is no way around the second factor."""
    if totp.required() and not request.user.is_authenticated:
        return redirect_to_login(request.GET.get("next") or reverse("admin:index"))
    return _admin_site_login(request, extra_context)


@login_not_required
@require_GET
def start(request):
    """The login page's link: off to the provider, with state, nonce and PKCE remembered here.
    A link, not a form: the CSP's form-action 'self' stops a form's redirect to another origin."""
    provider = _provider(request.GET.get("udbyder", ""))
    if provider is None:
        return _login_page(request, "Vælg kommunens login på listen.", status=400)
    try:
        url = oidc.begin(request, provider, next_url=request.GET.get("next", ""))
    except SignInRefused as refused:
        note_sign_in_refused(request, provider, refused)
        return _login_page(request, refused.reason, status=503)
    return HttpResponseRedirect(url)


@login_not_required
@require_GET
def callback(request):
    """The provider's answer: verified, then handed to the handler of the provider's audience."""
    provider = None
    try:
        provider, verified = oidc.complete(request)
        handler = handler_for(provider.audience)
        if handler is None:
            raise oidc.refuse("sso_unavailable")
        return handler(request, provider, verified)
    except SignInRefused as refused:
        note_sign_in_refused(request, refused.provider or provider, refused)
        return _login_page(request, refused.reason)


@login_not_required
@require_POST
def sign_out(request):
    """Ends the session here, then at the provider when the user came through one."""
    signed_in_with = request.session.get("sso") or {}
    logout(request)
    provider = IdentityProvider.objects.filter(pk=signed_in_with.get("provider")).first()
    if provider is not None and signed_in_with.get("id_token"):
        url = oidc.end_session_url(request, provider, signed_in_with["id_token"])
        if url:
            # A page that goes on to the provider, not a redirect: the CSP's form-action 'self'
            # stops the log-out form's redirect to another origin; a followed page is no form.
            return render(request, "sso/signed_out.html", {"end_session_url": url, "provider": provider})
    return redirect("login")
