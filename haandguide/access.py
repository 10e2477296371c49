"""Scope and the access log: the one place that decides who may see which child.

Views never filter children themselves: they call `get_child_for_user` (one child) or
`Child.objects.visible_to(user)` (lists), and every read or change writes an AccessLog row.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.http import Http404

from haandguide.lib.ids import parse_id
from haandguide.models import AccessLog, Child

Action = AccessLog.Action


class OutOfScope(Http404):
    """A 404 for an object outside the user's scope. The denial is logged by
    `AccessDeniedLogMiddleware` after the request's transaction has rolled back, so it survives."""

    def __init__(self, object_type: str, object_id, child_id: int | None = None):
        super().__init__("Siden findes ikke.")
        self.object_type = object_type
        self.object_id = object_id
        self.child_id = child_id


def _actor(request_or_user):
    user = getattr(request_or_user, "user", request_or_user)
    path = getattr(request_or_user, "path", "")
    return user, path


def log_access(
    request_or_user,
    action: str,
    obj: models.Model | None = None,
    *,
    object_type: str | None = None,
    object_id=None,
    child_id: int | None = None,
    detail: str = "",
) -> AccessLog:
    """Write one access-log row. `obj` may be a child or anything that has a `child_id`."""
    user, path = _actor(request_or_user)
    if obj is not None:
        object_type = object_type or obj._meta.model_name
        object_id = obj.pk if object_id is None else object_id
        if child_id is None:
            child_id = obj.pk if isinstance(obj, Child) else getattr(obj, "child_id", None)
    authenticated = getattr(user, "is_authenticated", False)
    return AccessLog.objects.create(
        user=user if authenticated else None,
        username=user.get_username() if authenticated else "(anonym)",
        role=getattr(user, "role", "") if authenticated else "",
        action=action,
        object_type=object_type or "",
        object_id="" if object_id is None else str(object_id)[:50],
        child_id=child_id,
        municipality_id=getattr(user, "municipality_id", None) if authenticated else None,
        detail=detail,
        path=path,
    )


def log_children_listed(request, children: Iterable[Child], detail: str = "") -> None:
    """One row per child whose name was shown in a list, written with a single query."""
    user = request.user
    rows = [
        AccessLog(
            user=user,
            username=user.get_username(),
            role=user.role,
            action=Action.LIST,
            object_type="child",
            object_id=str(child.pk),
            child_id=child.pk,
            municipality_id=user.municipality_id,
            detail=detail[:255],
            path=request.path[:255],
        )
        for child in children
    ]
    if rows:
        AccessLog.objects.bulk_create(rows)


def get_in_scope(queryset: models.QuerySet, object_type: str, pk, *, child_id: int | None = None):
    """The object with this id from a queryset already limited to the user's scope (e.g. the
    attachments of a child the user may see), otherwise a logged 404 like any other denial."""
    number = parse_id(pk)
    obj = queryset.filter(pk=number).first() if number is not None else None
    if obj is None:
        raise OutOfScope(object_type, pk, child_id=child_id)
    return obj


def get_child_for_user(request, pk, *, action: str = Action.VIEW, detail: str = "") -> Child:
    """The child with this id if the user may see it (logged), otherwise a logged 404.

    404 rather than 403: whether a child with a given id exists is itself personal data.
    """
    child_pk = parse_id(pk)
    child = None
    if child_pk is not None:
        child = (
            Child.objects.visible_to(request.user)
            .select_related("institution__district__municipality")
            .filter(pk=child_pk)
            .first()
        )
    if child is None:
        raise OutOfScope("child", pk, child_id=child_pk)
    log_access(request, action, child, detail=detail)
    return child
