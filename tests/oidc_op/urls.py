"""The provider's pages: its login, django-oauth-toolkit under /o/, and the tests' controls."""

import json

from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.http import HttpResponseBadRequest, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from oauth2_provider.models import get_application_model
from oauth2_provider.settings import oauth2_settings

from tests.oidc_op import state
from tests.oidc_op.settings import new_private_key_pem


def upsert_client(data: dict) -> None:
    Application = get_application_model()
    app = Application.objects.filter(client_id=data["client_id"]).first() or Application(client_id=data["client_id"])
    app.name = data.get("name", data["client_id"])
    app.client_type = Application.CLIENT_CONFIDENTIAL
    app.authorization_grant_type = Application.GRANT_AUTHORIZATION_CODE
    app.client_secret = data["client_secret"]
    app.hash_client_secret = True
    app.redirect_uris = " ".join(data["redirect_uris"])
    app.post_logout_redirect_uris = " ".join(data.get("post_logout_redirect_uris", []))
    app.algorithm = Application.RS256_ALGORITHM
    app.skip_authorization = True
    app.save()


def upsert_user(data: dict) -> None:
    User = get_user_model()
    user = User.objects.filter(username=data["username"]).first() or User(username=data["username"])
    user.set_password(data["password"])
    user.is_active = data.get("active", True)
    user.save()
    state.USERS[data["username"]] = {k: v for k, v in data.items() if k != "password"}


def _json(request):
    try:
        return json.loads(request.body or b"{}")
    except ValueError:
        return None


@csrf_exempt
@require_POST
def control(request, what):
    data = _json(request)
    if data is None:
        return HttpResponseBadRequest("json")
    if what == "client":
        upsert_client(data)
    elif what == "user":
        upsert_user(data)
    elif what == "fault":
        try:
            state.set_fault(data["fault"])
        except (KeyError, ValueError):
            return HttpResponseBadRequest("unknown fault")
    elif what == "rotate":  # a new signing key; the old one stays published as inactive
        old = oauth2_settings.OIDC_RSA_PRIVATE_KEY
        oauth2_settings.OIDC_RSA_PRIVATE_KEYS_INACTIVE = [old, *oauth2_settings.OIDC_RSA_PRIVATE_KEYS_INACTIVE]
        oauth2_settings.OIDC_RSA_PRIVATE_KEY = new_private_key_pem()
    else:
        return HttpResponseBadRequest("unknown control")
    return JsonResponse({"ok": True})


urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("test/<str:what>/", control),
]
