import time

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.shortcuts import resolve_url

from haandguide.access import Denial, OutOfScope, _current_request, log_denial


def _url_target(match) -> Denial:
    """What a URL with ids aims at, for a refusal given before any view looked the id up (a 405, a
    login redirect): the child where the URL names one, otherwise the URL's first id."""
    kwargs = match.kwargs
    model_admin = getattr(match.func, "model_admin", None)
    if model_admin is not None and "object_id" in kwargs:
        return Denial(model_admin.model._meta.model_name, kwargs["object_id"], model=model_admin.model)
    if "child_pk" in kwargs:
        return Denial("child", kwargs["child_pk"], child_id=kwargs["child_pk"])
    if match.namespace == "cases" and "pk" in kwargs:
        return Denial("child", kwargs["pk"], child_id=kwargs["pk"])
    key = "object_id" if "object_id" in kwargs else next(iter(kwargs))
    return Denial(match.url_name or "url", kwargs[key])


class AccessDeniedLogMiddleware:
    """Logs every refusal, in one place, after the request's transaction is over:

    - a 404 for an object outside the user's scope (`OutOfScope`);
    - every 403 (a role refusal, a failed CSRF check);
    - a 405 on a URL that carries an id;
    - an anonymous request for a URL with ids, before the login redirect;
    - a user who is not an administrator at Django's admin (sent to its login, or refused there);
    - a form whose chosen or hidden id exists but lies outside the user's scope
      (`access.watch_model_choices` notes it while the form is cleaned);
    - an action a workflow rule refused (`exceptions.Refused`, action "nægtet", with its reason).

    The view's transaction (ATOMIC_REQUESTS) has rolled back by the time these rows are written,
    so a denial is never lost with the rest of the request. A denial aimed at another
    municipality's object is filed under that municipality (`access.log_denial`).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.access_denials = []
        token = _current_request.set(request)
        try:
            response = self.get_response(request)
        finally:
            _current_request.reset(token)
        denials = request.access_denials
        raised = getattr(request, "_denial_raised", None)
        if raised is not None:
            denials.insert(0, raised)
        elif (denial := self._refusal(request, response)) is not None:
            denials.insert(0, denial)
        for denial in denials:
            if not denial.object_type:  # a refused action: aimed at what the request looked up
                target = getattr(request, "access_target", None) or (
                    _url_target(request.resolver_match) if request.resolver_match and request.resolver_match.kwargs
                    else Denial(getattr(request.resolver_match, "url_name", "") or "side"))
                denial.object_type, denial.object_id, denial.child_id = \
                    target.object_type, target.object_id, target.child_id or denial.child_id
                denial.model = target.model
            log_denial(request, denial)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, OutOfScope):
            request._denial_raised = Denial(exception.object_type, exception.object_id, child_id=exception.child_id,
                                            model=exception.model, detail="Uden for brugerens adgang")
        elif isinstance(exception, PermissionDenied):
            request._denial_raised = self._role_refusal(request, str(exception))
        return None

    @staticmethod
    def _role_refusal(request, reason: str = "") -> Denial:
        match = request.resolver_match
        denial = _url_target(match) if match is not None and match.kwargs else Denial(
            match.url_name if match is not None and match.url_name else "side")
        denial.detail = f"Afvist (403): {reason}" if reason else "Afvist (403)"
        return denial

    def _refusal(self, request, response) -> Denial | None:
        match = request.resolver_match
        status = response.status_code
        if status == 403:
            return self._role_refusal(request)
        if match is None:
            return None
        user = request.user
        if status == 405 and match.kwargs:
            denial = _url_target(match)
            denial.detail = f"Metoden {request.method} er ikke tilladt"
            return denial
        if status in (301, 302) and not user.is_authenticated and match.kwargs:
            location = response.get("Location", "")
            if location.startswith((resolve_url(settings.LOGIN_URL), resolve_url("admin:login"))):
                denial = _url_target(match)
                denial.detail = "Ikke logget ind"
                return denial
        if (match.app_name == "admin" and user.is_authenticated and not user.is_staff
                and match.url_name != "login" and status in (301, 302)):
            denial = _url_target(match) if match.kwargs else Denial("admin")
            denial.detail = "Administrationen er kun for administratorer"
            return denial
        return None


class IdleTimeoutMiddleware:
    """The inactivity timeout without a session write on every request.

    The session expires SESSION_COOKIE_AGE after it was last saved. Saving it on every request
    (SESSION_SAVE_EVERY_REQUEST) cost a write per page view; instead the session is renewed when
    its last renewal is older than a thirtieth of the idle timeout (60 s of 30 min), so a person
    is signed out between 29 and 30 minutes after their last request, and a page view writes no
    session row in between. The typing heartbeat always renews (keep_typed.session_keepalive).
    Placed right after SessionMiddleware, so the session is saved on the way out."""

    KEY = "_idle_renewed"

    def __init__(self, get_response):
        self.get_response = get_response

    @classmethod
    def renew(cls, session) -> None:
        session[cls.KEY] = int(time.time())

    @classmethod
    def signed_in(cls, sender, request, user, **kwargs) -> None:
        """Signing in saves a fresh session anyway: count it as the first renewal."""
        if getattr(request, "session", None) is not None:
            cls.renew(request.session)

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.session_key and not session.modified and not session.is_empty():
            every = min(60, settings.SESSION_COOKIE_AGE / 30)
            if time.time() - session.get(self.KEY, 0) >= every:
                self.renew(session)
        return response
