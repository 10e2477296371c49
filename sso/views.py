"""Sign-in pages: the login page (local form, a button per identity provider, the second factor
for local accounts in production), the provider's round trip and sign-out."""

from __future__ import annotations

from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from haandguide.access import Action, Denial, note_denial
from haandguide.forms import LoginForm
from sso import oidc
from sso.handlers import SignInRefused, handler_for
from sso.models import Audience, IdentityProvider


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
    """Django's login, with a button per municipality's identity provider above the local form."""

    authentication_form = LoginForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["identity_providers"] = staff_providers()
        return context


@login_not_required
@require_POST
def start(request):
    """The login page's button: off to the provider, with state, nonce and PKCE remembered here."""
    provider = _provider(request.POST.get("udbyder", ""))
    if provider is None:
        return _login_page(request, "Vælg kommunens login på listen.", status=400)
    try:
        url = oidc.begin(request, provider, next_url=request.POST.get("next", ""))
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
            return HttpResponseRedirect(url)
    return redirect("login")
