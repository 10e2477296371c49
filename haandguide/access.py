"""Scope and the access log: the one place that decides who may see which child.

Views never filter children themselves: they call `get_child_for_user` (one child) or
`Child.objects.visible_to(user)` (lists), and every read or change writes an AccessLog row.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass

from django import forms
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from django.utils import timezone

from haandguide import roles
from haandguide.actors import Actor
from haandguide.lib.ids import parse_id
from haandguide.lib.statements import statement
from haandguide.lib.pages import page_number, page_without_count
from haandguide.models import AccessLog, Child, Municipality

Action = AccessLog.Action


class OutOfScope(Http404):
    """A 404 for an object outside the user's scope. The denial is logged by
    `AccessDeniedLogMiddleware` after the request's transaction has rolled back, so it survives.
    `model` (when known) lets the log find whose object it was and file the denial there."""

    def __init__(self, object_type: str, object_id, child_id: int | None = None, *, model=None):
        super().__init__("Siden findes ikke.")
        self.object_type = object_type
        self.object_id = object_id
        self.child_id = child_id
        self.model = model


# --- denials --------------------------------------------------------------------------------------


@dataclass
class Denial:
    """One refused attempt, written by `AccessDeniedLogMiddleware` once the request is over."""

    object_type: str
    object_id: object = None
    child_id: int | None = None
    model: type | None = None
    detail: str = ""
    user: object = None  # who tried, if not the request's user (a refused admin login)
    action: str = Action.DENIED  # or Action.REFUSED: in scope, but a workflow rule said no


# The request being answered, so that a form field deep in a view can note a tampered id.
_current_request: ContextVar = ContextVar("haandguide_current_request", default=None)


def note_denial(request, denial: Denial) -> None:
    """Remember a refusal that did not raise (a tampered form field, a refused admin login); the
    middleware logs it after the view's transaction is over, so it survives a rollback."""
    request = request or _current_request.get()
    if request is not None and hasattr(request, "access_denials"):
        request.access_denials.append(denial)


_MUNICIPALITY_WAY = ("municipality", "district", "institution", "child", "council", "case", "plan", "submission",
                     "decision", "meeting", "effort", "group", "session", "observation", "user", "counsellor")


def owner_of(obj, depth: int = 0) -> tuple[int | None, int | None]:
    """(municipality id, child id) of any object: follows its foreign keys towards the municipality
    (a consent → its child → institution → district → municipality). Used only for denials."""
    if obj is None or depth > 8:
        return None, None
    if isinstance(obj, Municipality):
        return obj.pk, None
    if isinstance(obj, Child):
        return obj.institution.district.municipality_id, obj.pk
    if getattr(obj, "municipality_id", None) is not None:
        return obj.municipality_id, getattr(obj, "child_id", None)
    for name in _MUNICIPALITY_WAY:
        try:
            field = obj._meta.get_field(name)
        except Exception:  # noqa: BLE001 - the model has no such field
            continue
        if field.concrete and (field.many_to_one or field.one_to_one):
            municipality_id, child_id = owner_of(getattr(obj, name, None), depth + 1)
            if municipality_id is not None:
                return municipality_id, child_id
    return None, None


def _model_named(object_type: str):
    matches = [m for m in apps.get_models() if m._meta.model_name == object_type]
    return matches[0] if len(matches) == 1 else None


def denial_target(denial: Denial) -> tuple[int | None, int | None]:
    """Whose object the denial was aimed at: (municipality id, child id), or (None, None) when the
    id names nothing that exists (the denial then stays with the user's own municipality)."""
    model = denial.model or _model_named(denial.object_type)
    pk = parse_id(denial.object_id)
    if model is not None and pk is not None:
        obj = model._base_manager.filter(pk=pk).first()
        if obj is not None:
            return owner_of(obj)
    if denial.child_id is not None:
        child = Child.objects.filter(pk=denial.child_id).select_related("institution__district").first()
        if child is not None:
            return child.institution.district.municipality_id, child.pk
    return None, None


def log_denial(request, denial: Denial) -> AccessLog:
    """Write one "afvist" row, filed under the municipality whose object was aimed at, so that its
    administrators find it in their search and in the child's access export."""
    actor = getattr(request, "actor", None) or Actor.from_request(request)
    if denial.user is not None:  # a refused admin login: the person who tried, not the anonymous request
        actor = actor.as_user(denial.user)
    municipality_id, child_id = denial_target(denial)
    row = log_access(actor, denial.action, object_type=denial.object_type, object_id=denial.object_id,
                     child_id=child_id if child_id is not None else denial.child_id, detail=denial.detail,
                     municipality_id=municipality_id, path=request.path)
    return row


def note_refused(reason: str, *, code: str = "") -> None:
    """A workflow rule refused an action (`exceptions.Refused` calls this): the middleware logs it
    with the URL's target once the request is over, so the trace survives the rollback. The row
    carries the refusal's code, so the log can be searched without the Danish wording."""
    request = _current_request.get()
    if request is not None and hasattr(request, "access_denials"):
        request.access_denials.append(Denial("", action=Action.REFUSED, detail=f"Nægtet [{code}]: {reason}"[:200]))


def _note_foreign_choices(field, values) -> None:
    """A posted id that the field's (scoped) queryset does not offer but that exists: tampering."""
    request = _current_request.get()
    if request is None or field.queryset is None:
        return
    key = field.to_field_name or "pk"
    values = [v for v in values if v not in field.empty_values]
    try:
        existing = set(field.queryset.model._base_manager.filter(**{f"{key}__in": values}).values_list(key, flat=True))
        offered = set(field.queryset.filter(**{f"{key}__in": values}).values_list(key, flat=True))
    except (ValueError, TypeError, ValidationError):
        return
    model = field.queryset.model
    for value in sorted(existing - offered, key=str):
        note_denial(request, Denial(model._meta.model_name, value, model=model,
                                    detail="Formularfelt med id uden for brugerens adgang"))


def _watch(field_class, as_list) -> None:
    original = field_class.clean

    def clean(self, value):
        try:
            return original(self, value)
        except ValidationError as error:
            if any(getattr(e, "code", None) in ("invalid_choice", "invalid_pk_value") for e in error.error_list):
                _note_foreign_choices(self, as_list(value))
            raise

    clean.__wrapped__ = original
    field_class.clean = clean


def watch_model_choices() -> None:
    """The one helper every form uses: a choice field whose queryset is scoped answers "invalid
    choice" for another institution's or municipality's id, and this notes that id as a denial.
    Installed once on Django's ModelChoiceField, so every form (ModelForms and the admin's included)
    is covered without each form remembering it. Called from HaandguideConfig.ready()."""
    if hasattr(forms.ModelChoiceField.clean, "__wrapped__"):
        return
    _watch(forms.ModelMultipleChoiceField, lambda value: list(value) if isinstance(value, (list, tuple)) else [value])
    _watch(forms.ModelChoiceField, lambda value: [value])


def log_access(
    actor: Actor,
    action: str,
    obj: models.Model | None = None,
    *,
    object_type: str | None = None,
    object_id=None,
    child_id: int | None = None,
    detail: str = "",
    municipality_id: int | None = None,
    path: str | None = None,
) -> AccessLog:
    """Write one access-log row as `actor` (who, and through what: haandguide/actors.py). `obj` may
    be a child or anything that has a `child_id`. `municipality_id` defaults to the actor's (a
    denial is filed under the target's instead, a job's row under its object's)."""
    if obj is not None:
        object_type = object_type or obj._meta.model_name
        object_id = obj.pk if object_id is None else object_id
        if child_id is None:
            child_id = obj.pk if isinstance(obj, Child) else getattr(obj, "child_id", None)
        request = _current_request.get()
        if request is not None and action == Action.VIEW and getattr(request, "access_target", None) is None:
            # What this request is about: a refusal later in it is logged against this object.
            request.access_target = Denial(object_type, object_id, child_id, model=type(obj))
    overrides = {"municipality_id": municipality_id} if municipality_id is not None else {}
    if path is not None:
        overrides["path"] = path
    row = AccessLog.written_by(
        actor, action=action, object_type=object_type or "",
        object_id="" if object_id is None else str(object_id)[:50], child_id=child_id, detail=detail, **overrides)
    row.save()
    return row


def log_access_each(actor: Actor, action: str, objects: Iterable[models.Model], *, detail,
                    municipality_id) -> list[AccessLog]:
    """`log_access` for each of many objects, in one insert (a job's batch): `detail(obj)` and
    `municipality_id(obj)` say what each row says and whose chain it joins."""
    rows = []
    for obj in objects:
        child_id = obj.pk if isinstance(obj, Child) else getattr(obj, "child_id", None)
        rows.append(AccessLog.written_by(actor, action=action, object_type=obj._meta.model_name,
                                         object_id=str(obj.pk)[:50], child_id=child_id, detail=detail(obj),
                                         municipality_id=municipality_id(obj)))
    return AccessLog.objects.bulk_create(rows) if rows else []


def log_children_listed(actor: Actor, children: Iterable[Child | int], detail: str = "") -> AccessLog | None:
    """One row for a list page, whatever its length: `child_ids` holds every child whose name was
    shown (in the order shown), so `rows_for_child` finds the list among the child's rows.
    `children` may be children or their ids (a list that has `child_id` need not load the child)."""
    child_ids = list(dict.fromkeys(getattr(child, "pk", child) for child in children))
    if not child_ids:
        return None
    row = AccessLog.written_by(actor, action=Action.LIST, object_type="child", object_id=str(len(child_ids)),
                               child_ids=child_ids, detail=detail)
    row.save()
    return row


def rows_for_child(child_id: int, *, since=None, until=None, municipality_id: int | None = None) -> models.QuerySet:
    """Every access-log row about one child, newest first: its own rows and the list views that
    showed it. For the administrators' search, the citizen's indsigt (the parents' portal) and
    "who saw this child". `since` (inclusive) and `until` (exclusive) are moments; bounding the
    period lets PostgreSQL read only those months' partitions."""
    rows = AccessLog.objects.for_child(child_id)
    if municipality_id is not None:
        rows = rows.filter(municipality_id=municipality_id)
    if since is not None:
        rows = rows.filter(at__gte=since)
    if until is not None:
        rows = rows.filter(at__lt=until)
    return rows.order_by("-at", "-pk")


class NewestFirst:
    """A child's rows newest first, read back in time in growing windows (a day, 4, 16, 64 …).

    The GIN index finds the list views that name a child but cannot return them in time order, so
    one query over a year fetches and sorts every row of the child's year (over a second at
    national volume). A window holds about the rows a page needs: the first page is one query
    when the newest day fills it, and five years are at most seven windows. Slice it like a queryset
    (`page_without_count` does); `since`/`until` bound the period (default: the retention period).
    A slice that skips rows (a deep page asked by its number) reads only the skipped rows' moments
    and ids, then the page's rows by id: the rows themselves are ten times the bytes."""

    FIRST_WINDOW = datetime.timedelta(days=1)

    def __init__(self, rows: models.QuerySet, *, since=None, until=None):
        now = timezone.now()
        self.rows = rows
        self.until = until or now + datetime.timedelta(minutes=1)
        # Whole months are purged, so a row may outlive the period by up to a month.
        self.since = since or now - datetime.timedelta(days=settings.ACCESS_LOG_RETENTION_DAYS + 31)

    def _newest(self, rows: models.QuerySet, need: int) -> list:
        found: list = []
        end, width = self.until, self.FIRST_WINDOW
        while end > self.since and len(found) < need:
            start = max(self.since, end - width)
            found += rows.filter(at__gte=start, at__lt=end).order_by("-at", "-pk")[:need - len(found)]
            end, width = start, width * 4
        return found

    def __getitem__(self, window: slice) -> list:
        skip, need = window.start or 0, window.stop
        if not skip:
            return self._newest(self.rows, need)
        keys = self._newest(self.rows.values_list("at", "pk"), need)[skip:]
        if not keys:
            return []
        found = {row.pk: row for row in self.rows.filter(
            pk__in=[pk for _, pk in keys], at__gte=keys[-1][0], at__lte=keys[0][0])}
        return [found[pk] for _, pk in keys if pk in found]


# --- pages of the log, one after another -----------------------------------------------------

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_MICROSECOND = datetime.timedelta(microseconds=1)


def position_of(row: AccessLog) -> str:
    """Where a page of the log ended: its last row's moment (µs) and id, newest first."""
    return f"{(row.at - _EPOCH) // _MICROSECOND}.{row.pk}"


def parse_position(text: str) -> tuple[datetime.datetime, int] | None:
    moment, _, pk = (text or "").strip().partition(".")
    if not (moment.isascii() and moment.isdigit() and parse_id(pk)) or len(moment) > 18:
        return None
    return _EPOCH + int(moment) * _MICROSECOND, parse_id(pk)


@dataclass
class LogPage:
    """A page of log rows and the trail to the pages after and before it (`log_page`)."""

    page: object
    trail: str


def log_page(rows: models.QuerySet, number, trail: str = "", *, since=None, until=None) -> LogPage:
    """Page `number` of `rows` newest first, without counting them. `trail` holds where each page
    before it ended (`position_of`, comma-separated), so page n starts right after the end of page
    n - 1: every page costs what the first does (a keyset, not an OFFSET that reads every row it
    skips). A page whose start is not in the trail (a number typed in) skips the rows before it.
    The rows are read back in time window by window (`NewestFirst`): a child's rows cannot come
    from an index in time order, and any page reads only the newest months' partitions. The
    returned trail runs to the end of this page, for its "next" and "previous" buttons."""
    number = page_number(number)
    tokens = [t if parse_position(t) else "" for t in trail.split(",")][:number - 1] if trail else []
    tokens += [""] * (number - 1 - len(tokens))
    start = parse_position(tokens[-1]) if tokens else None
    if start is not None:
        moment, pk = start
        # `at <= moment` bounds an index scan; the OR only drops the rows of that moment already shown.
        rows = rows.filter(models.Q(at__lt=moment) | models.Q(at=moment, pk__lt=pk), at__lte=moment)
        until = min(until, moment + _MICROSECOND) if until else moment + _MICROSECOND
    page = page_without_count(NewestFirst(rows, since=since, until=until), 1 if start is not None else number)
    page.number = number
    if page.object_list:
        tokens.append(position_of(page.object_list[-1]))
    return LogPage(page, ",".join(tokens))


def oldest_first(rows: models.QuerySet, *, since=None, until=None, window=datetime.timedelta(days=31)):
    """Every row of `rows` oldest first, read a month at a time (each window's query reads one or
    two month partitions and sorts only them), so an export of a child's five years starts at
    once and holds one window's rows in memory, not the whole period's."""
    now = timezone.now()
    start = since or now - datetime.timedelta(days=settings.ACCESS_LOG_RETENTION_DAYS + 31)
    until = until or now + datetime.timedelta(minutes=1)
    while start < until:
        end = min(until, start + window)
        yield from rows.filter(at__gte=start, at__lt=end).order_by("at", "pk").iterator(chunk_size=2000)
        start = end


def get_in_scope(queryset: models.QuerySet, object_type: str, pk, *, child_id: int | None = None):
    """The object with this id from a queryset already limited to the user's scope (e.g. the
    attachments of a child the user may see), otherwise a logged 404 like any other denial."""
    number = parse_id(pk)
    obj = queryset.filter(pk=number).first() if number is not None else None
    if obj is None:
        raise OutOfScope(object_type, pk, child_id=child_id, model=queryset.model)
    return obj


@statement(shape=2)
def _child_in_scope(kind: str, related: tuple, scope_ids: tuple, child_pk: int):
    return (Child.objects.in_scope(kind, scope_ids).select_related("institution__district__municipality", *related)
            .filter(pk=child_pk).order_by("pk")[:1])


def get_child_for_user(request, pk, *, action: str = Action.VIEW, detail: str = "", related: tuple = ()) -> Child:
    """The child with this id if the user may see it (logged), otherwise a logged 404.

    404 rather than 403: whether a child with a given id exists is itself personal data.
    `related`: more one-to-one relations to read in the same query (the child page: its case).
    """
    child_pk = parse_id(pk)
    child = None
    if child_pk is not None:
        kind, scope_ids = roles.child_scope(request.user)
        child = _child_in_scope.first(kind, related, scope_ids, child_pk)
    if child is None:
        raise OutOfScope("child", pk, child_id=child_pk, model=Child)
    log_access(request.actor, action, child, detail=detail)
    return child
