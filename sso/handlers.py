"""After a verified sign-in, who the person is: one handler per audience.

The relying-party code (`sso.oidc`) verifies the provider's answer and hands the verified claims
to the handler registered for the provider's audience: staff (`sso.staff`: match or create the
User, map groups to roles) or citizens (the parents' portal registers its own, taking the
verified CPR claim). A handler returns the response to send (a redirect into its part of the
site) or raises `SignInRefused`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.http import HttpRequest, HttpResponse

from haandguide.exceptions import Refusal, Refused
from sso.models import Audience, IdentityProvider

if TYPE_CHECKING:
    from sso.oidc import Verified

Handler = Callable[[HttpRequest, IdentityProvider, "Verified"], HttpResponse]
_handlers: dict[str, Handler] = {}


class SignInRefused(Refused):
    """A sign-in refused: `code` for tests and the log, `reason` (Danish) for the person, and the
    user it concerned when one was found (the log then names them). Unlike other refusals it is
    logged by the sign-in view against the identity provider (so under its municipality: nobody
    is signed in yet), not against the URL."""

    def __init__(self, code: str, reason: str, *, user=None):
        Exception.__init__(self, reason)
        self.refusal = Refusal(code, reason)
        self.code = code
        self.reason = self.message = reason
        self.user = user
        self.provider = None  # set by sso.oidc.complete once the sign-in it answers is known


def register(audience: str, handler: Handler) -> None:
    """`handler(request, provider, verified)` for sign-ins of this audience; `verified` is an
    `sso.oidc.Verified` (`claims`, `id_token`, `next_url`)."""
    _handlers[audience] = handler


def handler_for(audience: str) -> Handler | None:
    return _handlers.get(audience)


__all__ = ["Audience", "Handler", "SignInRefused", "handler_for", "register"]
