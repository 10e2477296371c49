"""Sign-in pages: the login page (local form, a button per identity provider, the second factor
for local accounts in production), the provider's round trip and sign-out."""

from __future__ import annotations

from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponseRedirect
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


def _provider(slug: str) -> IdentityProvider:
    provider = IdentityProvider.objects.filter(slug=slug, active=True).select_related("municipality").first()
    if provider is None:
        raise Http404("Ukendt identitetsudbyder.")
    return provider


def note_sign_in_refused(request, provider: IdentityProvider, refused: SignInRefused) -> None:
    """Logged under the provider's municipality (nobody is signed in), naming the user if known."""
    note_denial(request, Denial("identityprovider", provider.pk, model=IdentityProvider, action=Action.REFUSED,
                                detail=f"Login afvist [{refused.code}]: {refused.reason}"[:200], user=refused.user))


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
def start(request, slug: str):
    """The login page's button: off to the provider, with state, nonce and PKCE remembered here."""
    provider = _provider(slug)
    try:
        url = oidc.begin(request, provider, next_url=request.POST.get("next", ""))
    except SignInRefused as refused:
        note_sign_in_refused(request, provider, refused)
        return _login_page(request, refused.reason, status=503)
    return HttpResponseRedirect(url)


@login_not_required
@require_GET
def callback(request, slug: str):
    """The provider's answer: verified, then handed to the handler of the provider's audience."""
    provider = _provider(slug)
    try:
        verified = oidc.complete(request, provider)
        handler = handler_for(provider.audience)
        if handler is None:
            raise oidc.refuse("sso_unavailable")
        return handler(request, provider, verified)
    except SignInRefused as refused:
        note_sign_in_refused(request, provider, refused)
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
