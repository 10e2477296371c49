"""Who acts, and through what: the one argument every service takes instead of an HTTP request.

A service needs to know who did something (for its refusal functions and the event row) and
through which door (for the access log): a staff member in the browser, an administrator in
Django's admin, a scheduled job, and next a parent in the portal or an integration client.
pretix passes `user=` and `auth=` into its services for the same reason: a job or an API calls
the same function without a fake request, and the log says who it was.

Views pass `request.actor` (set by `ActorMiddleware`); jobs pass `Actor.job("<job name>")`;
admin actions `Actor.admin(request)`; the demo, commands and tests `Actor.staff(user)`.
A parent or an integration client need not be a staff `User`: `party` holds what they are
(a guardian, an API client) and `label` the name the log shows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.functional import SimpleLazyObject

if TYPE_CHECKING:
    from haandguide.models import User


class ActorKind(models.TextChoices):
    STAFF = "personale", "Medarbejder i browseren"
    ADMIN = "admin", "Administrator i administrationen"
    JOB = "job", "Planlagt job"
    # The parents' portal (portal/) and the integration API (integrations/).
    PARENT = "foraelder", "Forælder i forældreportalen"
    CLIENT = "integration", "Integration"


@dataclass(frozen=True)
class Actor:
    """Who acts (`user`, or `party` for someone who is not staff) and through what (`kind`, `path`)."""

    kind: str
    user: User | None = None  # None for a job, a parent or an integration client (see `party`)
    path: str = ""  # the address the action came through (empty for a job)
    label: str = ""  # the job's name, the client's name, the parent's name
    party: Any = None  # what a non-staff actor is: a Guardian for a parent, an API client

    # -- constructors -------------------------------------------------------------------------
    @classmethod
    def from_request(cls, request) -> Actor:
        """The person behind a browser request (an administrator when it came through the admin)."""
        from django.urls import reverse

        kind = ActorKind.ADMIN if request.path.startswith(reverse("admin:index")) else ActorKind.STAFF
        return cls(kind=kind, user=request.user, path=request.path)

    @classmethod
    def staff(cls, user, *, path: str = "") -> Actor:
        """A staff member acting outside a request (the demo, a management command, a test)."""
        return cls(kind=ActorKind.STAFF, user=user, path=path)

    @classmethod
    def admin(cls, request) -> Actor:
        """An administrator acting through Django's admin (an admin action)."""
        return cls(kind=ActorKind.ADMIN, user=request.user, path=request.path)

    @classmethod
    def job(cls, name: str) -> Actor:
        """A scheduled job, named as in the beat schedule (`agendas_close_due`)."""
        return cls(kind=ActorKind.JOB, label=name)

    @classmethod
    def parent(cls, guardian, *, path: str = "") -> Actor:
        """A custodian in the parents' portal: no staff `User`; `party` is the guardian row they
        signed in as (portal/scope.py finds the person's other rows), `label` their name."""
        return cls(kind=ActorKind.PARENT, party=guardian, label=guardian.name if guardian else "", path=path)

    @classmethod
    def client(cls, client, *, path: str = "") -> Actor:
        """An integration client of the API (integrations.models.ApiClient), acting for its
        municipality: the log names it by its name."""
        return cls(kind=ActorKind.CLIENT, party=client, label=client.name, path=path)

    def as_user(self, user) -> Actor:
        """The same door, another person: a refused admin login is logged as who tried."""
        return replace(self, user=user)

    # -- what the log and the services read ----------------------------------------------------
    @property
    def is_authenticated(self) -> bool:
        return bool(getattr(self.user, "is_authenticated", False))

    @property
    def name(self) -> str:
        """The name the access log shows: the username, else the label (a job's name)."""
        if self.is_authenticated:
            return self.user.get_username()
        if self.kind == ActorKind.JOB:
            return "(system)"
        return self.label or "(anonym)"

    @property
    def role(self) -> str:
        return getattr(self.user, "role", "") if self.is_authenticated else ""

    @property
    def municipality_id(self) -> int | None:
        if self.is_authenticated:
            return self.user.municipality_id
        return getattr(self.party, "municipality_id", None)


class ActorMiddleware:
    """Sets `request.actor` after authentication; lazily, so a page that never asks costs nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.actor = SimpleLazyObject(lambda: Actor.from_request(request))
        return self.get_response(request)
