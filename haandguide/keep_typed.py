"""Nothing typed is lost when the session ends (issue 14).

Three layers, each enough on its own for a different way of losing text:

1. While a person types, `static/js/keep-typed.js` sends a heartbeat to `session_keepalive`
   (only after real input since the last one, every SESSION_KEEPALIVE_SECONDS), so the idle
   timeout counts from the last keystroke, not the last page load. Without input, nothing is
   sent and the session still ends after SESSION_IDLE_MINUTES.
2. The same script keeps a draft of every long-text form in the browser's localStorage (per user,
   form address and base version) and offers it back; the server says which forms were saved
   (the SAVED_COOKIE below), and their drafts are removed.
3. A save that arrives after the session has ended is parked here, in the new (anonymous)
   session of the same browser, and completed after the person signs in again: the middleware
   replays it as the POST it was, so the view's own rules, scope checks, access log and conflict
   handling all apply. A view opts in with `@keeps_typed`.

Why the save reaches us at all: `CsrfViewMiddleware` checks the token before
`LoginRequiredMiddleware` redirects to the login page, and the token lives in its own cookie
(not in the session), so it is still valid after the session expired. The park happens in
`process_view` after the CSRF check and before the login redirect. (If the person signed in
again in another tab, the CSRF cookie was rotated: the script copies the current cookie into the
form just before it is sent.)

Who gets the parked save: the user of the *expired* session the browser still presents (its row
is read, never revived), and only after that same user signs in again in that browser. Another
user signing in there never sees it: it is dropped on their first request. Nothing is parked
without an expired session of an active user whose password has not changed since.
"""

from __future__ import annotations

import datetime
from urllib.parse import quote, unquote
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.contrib.sessions.models import Session
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import resolve_url
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.datastructures import MultiValueDict
from django.views.decorators.http import require_POST

from haandguide.middleware import IdleTimeoutMiddleware

PARKED = "keep_typed_parked"   # session key: saves that arrived after the session ended
OWNER = "keep_typed_owner"     # session key: whose session this browser had when it ended
SAVED_COOKIE = "hg_drafts_saved"  # cookie: form addresses saved since the script last looked
PARK_HOURS = 12                # how long an ended session may be to park its save, and a park kept
MAX_PARKED = 5
NOT_POSTED = {"csrfmiddlewaretoken"}

RESUMED_MESSAGE = ("Din session udløb, før du trykkede «Gem». Det, du skrev, er ikke tabt: "
                   "det er sendt igen nu, hvor du er logget ind.")
PARKED_MESSAGE = ("Din session er udløbet, fordi der gik for lang tid uden aktivitet. Det, du skrev, er ikke tabt: "
                  "log ind igen, så gemmer vi det.")


def keeps_typed(view: Callable) -> Callable:
    """Mark a view whose POST is kept and completed if it arrives after the session ended."""
    view.keeps_typed = True
    return view


def _ended_session_owner(request: HttpRequest) -> int | None:
    """The user whose session this browser presented, if that session ended by timeout lately.

    The first answer after the session ended deletes its cookie (Django's SessionMiddleware does
    that for any request, a heartbeat or another tab's page), so the owner is written into the
    browser's new session then, and read from there afterwards. A logged-out session is deleted by
    `logout`, so it never names anyone."""
    claim = request.session.get(OWNER)
    if claim and _fresh(claim):
        return claim["user"]
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if (not key or not request.session.is_empty()
            or not settings.SESSION_ENGINE.endswith(("sessions.backends.db", "sessions.backends.cached_db"))):
        return None
    now = timezone.now()
    row = Session.objects.filter(session_key=key, expire_date__lte=now,
                                 expire_date__gt=now - datetime.timedelta(hours=PARK_HOURS)).first()
    if row is None:
        return None
    data = row.get_decoded()
    user = get_user_model().objects.filter(pk=data.get(SESSION_KEY), is_active=True).first()
    if user is None or not constant_time_compare(data.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash()):
        return None
    request.session[OWNER] = {"user": user.pk, "at": now.isoformat()}
    return user.pk


def _park(request: HttpRequest, owner: int) -> None:
    path = request.get_full_path()
    post = {name: request.POST.getlist(name) for name in request.POST if name not in NOT_POSTED}
    parked = [p for p in request.session.get(PARKED, []) if p["path"] != path][-(MAX_PARKED - 1):]
    parked.append({"path": path, "owner": owner, "at": timezone.now().isoformat(), "post": post})
    request.session[PARKED] = parked


def _fresh(entry: dict) -> bool:
    """Parked saves and owner claims are kept PARK_HOURS."""
    parked_at = datetime.datetime.fromisoformat(entry["at"])
    return timezone.now() - parked_at < datetime.timedelta(hours=PARK_HOURS)


def _replay(request: HttpRequest, entry: dict) -> None:
    """Hand the view the parked POST, as if it had arrived now from the signed-in user.

    The CSRF check was passed when the save arrived; this request is the GET the login sends
    the person back to, and it can only replay what this browser's session holds."""
    post = QueryDict(mutable=True)
    for name, values in entry["post"].items():
        post.setlist(name, values)
    post._mutable = False
    request.method = "POST"
    request.POST = post
    request._files = MultiValueDict()
    request.keep_typed_resumed = True


class KeepTypedMiddleware:
    """Parks a late save, completes it after sign-in, and remembers which forms were saved.

    Must sit after CsrfViewMiddleware, AuthenticationMiddleware and MessageMiddleware and before
    LoginRequiredMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (request.method == "POST" and user is not None and user.is_authenticated
                and 300 <= response.status_code < 400 and request.path != resolve_url(settings.LOGIN_URL)):
            # A saved form: its drafts in the browser can go (the script reads this and removes them).
            # A cookie, not the session: a heartbeat running alongside would write the session
            # back as it read it, and the mark would be lost.
            saved = [p for p in unquote(request.COOKIES.get(SAVED_COOKIE, "")).split(" ") if p]
            if request.path not in saved:
                saved = [*saved, request.path][-MAX_PARKED:]
            response.set_cookie(SAVED_COOKIE, quote(" ".join(saved), safe=""), max_age=600,
                                secure=settings.SESSION_COOKIE_SECURE, samesite="Lax")
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        keeps = getattr(view_func, "keeps_typed", False)
        if not request.user.is_authenticated:
            owner = _ended_session_owner(request)
            # A file cannot be kept in a session: such a form relies on the browser's draft of its text.
            if keeps and request.method == "POST" and not request.FILES:
                if owner is not None:
                    _park(request, owner)
                    messages.warning(request, PARKED_MESSAGE)
                    return redirect_to_login(request.get_full_path())
            return None
        request.session.pop(OWNER, None)  # signed in: whoever it is, the claim has done its work
        parked = request.session.get(PARKED)
        if not parked:
            return None
        # Only the person who typed it, and only while it is fresh: anything else is dropped unseen.
        mine = [p for p in parked if p["owner"] == request.user.pk and _fresh(p)]
        entry = None
        if keeps and request.method == "GET":
            entry = next((p for p in mine if p["path"] == request.get_full_path()), None)
            if entry is not None:
                mine.remove(entry)
        if mine:
            request.session[PARKED] = mine
        else:
            del request.session[PARKED]
        if entry is not None:
            messages.info(request, RESUMED_MESSAGE)
            _replay(request, entry)
        return None


@login_not_required
@require_POST
def session_keepalive(request: HttpRequest) -> HttpResponse:
    """The heartbeat of a person typing. Answering it renews the session (always, unlike a page
    view: IdleTimeoutMiddleware); an ended session answers 401, so the script can say so instead of
    the person finding out on «Gem»."""
    if not request.user.is_authenticated:
        return JsonResponse({"active": False}, status=401)
    IdleTimeoutMiddleware.renew(request.session)
    return JsonResponse({"active": True, "idle_seconds": settings.SESSION_COOKIE_AGE})


def context(request: HttpRequest) -> dict:
    """For base.html: the heartbeat's interval."""
    return {"keepalive_seconds": settings.SESSION_KEEPALIVE_SECONDS}
