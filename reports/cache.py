"""The statistics figures, cached: computed once per scope, period and *data version*.

`selectors.report_figures` is the source of truth (aggregate queries over the event rows); this
module only remembers its result in Django's cache (Redis in production, locmem in development and
tests) so a repeat view of the page, the CSV or a PDF costs two cache reads instead of a second of
aggregation. What is cached are the raw figures, before `privacy.suppress`: `presentation.build`
suppresses and draws them on every view, exactly as on the uncached path.

The data version
----------------
Each municipality has a version token in the cache (`reports:figures-version:<pk>`, a random
string). The figures' key contains the token of the scope's municipality, so changing the token
makes every cached figure of that municipality unreachable; the next view computes afresh.

The token changes whenever a row the figures read is saved or deleted: a `post_save`/`pre_delete`
receiver (connected in `ReportsConfig.ready`) for each model in `WATCHED` resolves the row's
municipality (one small query by primary key; on an update, the municipality before the save as
well, in case the row moved) and replaces the token. That covers the app's services, the admin,
the periodic jobs and the retention job alike, without each of them having to remember the cache.
The token is replaced twice: at once, inside the writer's transaction (so the same process – and
the tests, whose transaction never commits – see the change), and again on commit, because a
concurrent reader may have computed from the not-yet-committed state under the first new token.
A reader that sees the final token therefore computes from data that includes the change.

Why not the data's own high-water mark (max primary key, latest timestamp)? Several inputs change
by update, not insert (an effort's evaluation date, a submission sent, a child moved to another
institution, an institution or resource type renamed, a measure edited); and a max primary key is
not committed in order, so a reader can see id 11 before id 10 commits and cache figures missing
row 10 under a version that will never change again.

Writes that bypass signals (`bulk_create`, `QuerySet.update`) must call `bump(municipality_id)`
themselves; in the app only family-group attendance (followed by the session's save, which bumps)
and retention (followed by the child's save, which bumps) do so, and `bench/generate.py` bumps
after generating. Day-dependent figures (overdue evaluations "as of today") carry the date in
their key, so a new day is a new entry.

If the cache is unreachable, the page computes the figures directly and a write still succeeds
(the failure is logged). A token change lost that way – Redis unreachable at the moment of a
change, but reachable before and after – is repaired by entries expiring after `TIMEOUT`; the
warm-up (`reports.services.statistics_warm`, before the working day and hourly) computes only
the scopes whose entry is missing, so its work follows what changed, not the country's size
(`refresh=True` recomputes everything, by hand).
"""

from __future__ import annotations

import datetime
import logging
import uuid

from django.core.cache import cache
from django.db import models, transaction
from django.db.models.signals import post_save, pre_delete, pre_save
from django.utils import timezone

from reports import selectors
from reports.scope import Period, Scope

logger = logging.getLogger(__name__)

# Part of every key: raise it when the shape of selectors.report_figures changes, so a deploy
# never reads figures pickled by the previous code.
FORMAT = 4  # 4: sections say which rows are their parts (the PDF shortens long tables)
# An entry lives at most this long (a little over a day: the nightly warm-up replaces it).
TIMEOUT = 25 * 60 * 60


def _watched() -> dict[type[models.Model], str]:
    """Every model whose rows `selectors.report_figures` reads, with the path to its municipality."""
    from cases.models import (
        CaseEvent, CounsellingBooking, CounsellingSession, FamilyGroup, FamilyGroupAttendance, FamilyGroupSession,
        Meeting, MeetingType, Observation,
    )
    from districtcouncil.models import Decision, ResourceType, Submission
    from haandguide.models import Child, District, Institution
    from handleplan.models import Effort, Evaluation
    from reports.models import Measure
    from community.models import ReflectiveEvaluation, TopiRating, TopiRound

    child = "child__institution__district__municipality"
    return {
        CaseEvent: f"case__{child}",
        Observation: child,
        Meeting: f"case__{child}",
        Effort: f"plan__case__{child}",
        Evaluation: f"effort__plan__case__{child}",
        Decision: "institution__district__municipality",
        Submission: "institution__district__municipality",
        CounsellingSession: "institution__district__municipality",
        CounsellingBooking: "session__institution__district__municipality",
        FamilyGroup: "institution__district__municipality",
        FamilyGroupSession: "group__institution__district__municipality",
        FamilyGroupAttendance: "session__group__institution__district__municipality",
        ReflectiveEvaluation: "institution__district__municipality",
        TopiRound: "institution__district__municipality",
        TopiRating: "round__institution__district__municipality",
        # Names and configuration shown with the figures, and the organisation that scopes them.
        ResourceType: "municipality",
        MeetingType: "municipality",
        Measure: "municipality",
        Child: "institution__district__municipality",
        Institution: "district__municipality",
        District: "municipality",
    }


WATCHED: dict[type[models.Model], str] = {}


# --- the data version ---------------------------------------------------------------------------


def _version_key(kind: str, pk: int) -> str:
    return f"reports:figures-version:{kind}:{pk}"


def _token(kind: str, pk: int) -> str:
    return cache.get_or_set(_version_key(kind, pk), uuid.uuid4().hex, timeout=None)


def data_version(scope: Scope) -> str:
    """The scope's current version: its municipality's token (configuration, names: everything)
    and the scope's own (the data of its institutions); new ones if the cache has none. Both read
    in one round trip (a warm page's)."""
    keys = [_version_key(ALL, scope.municipality_id), _version_key(scope.kind, scope.pk)]
    found = cache.get_many(keys)
    if len(found) < len(keys):
        return f"{_token(ALL, scope.municipality_id)}.{_token(scope.kind, scope.pk)}"
    return f"{found[keys[0]]}.{found[keys[1]]}"


def _replace_tokens(keys: list[tuple[str, int]]) -> None:
    try:
        cache.set_many({_version_key(kind, pk): uuid.uuid4().hex for kind, pk in keys}, timeout=None)
    except Exception:  # noqa: BLE001 - a write must never fail because the cache is away
        logger.warning("Statistikkens cache kunne ikke markeres som forældet: %s", keys, exc_info=True)


def bump(municipality_id: int | None, district_id: int | None = None, institution_id: int | None = None) -> None:
    """Data changed: cached figures that include it must not be shown again. With an institution,
    only its own, its district's and its municipality's figures (a change in one institution leaves
    the other districts' and institutions' entries warm); without, every figure of the
    municipality. Now, and once more when the transaction commits (see the module docstring)."""
    if municipality_id is None:
        return
    if institution_id is None:
        keys = [(ALL, municipality_id)]
    else:
        keys = [("institution", institution_id), ("distrikt", district_id), ("kommune", municipality_id)]
    _replace_tokens(keys)
    transaction.on_commit(lambda: _replace_tokens(keys), robust=True)


ALL = "alt"


def _place_path(model: type[models.Model]) -> tuple[str, ...] | None:
    """The paths to the row's institution, district and municipality; None for a row that concerns
    the whole municipality (configuration, a district)."""
    path = WATCHED[model]
    if path == "district__municipality":  # the Institution itself
        return "pk", "district_id", path
    if path.endswith("institution__district__municipality"):
        institution = path.removesuffix("__district__municipality")
        return institution, f"{institution}__district", path
    return None


def _places_of(model: type[models.Model], pk) -> set[tuple]:
    """(municipality, district, institution) of the row as stored, or (municipality, None, None)."""
    paths = _place_path(model)
    if paths is None:
        municipality = model._base_manager.filter(pk=pk).values_list(WATCHED[model], flat=True).first()
        return {(municipality, None, None)}
    row = model._base_manager.filter(pk=pk).values_list(paths[2], paths[1], paths[0]).first()
    return {row} if row else set()


def _new_places_of(instance: models.Model) -> set[tuple]:
    """The same for the row as it is now in memory (its foreign keys as set)."""
    model = type(instance)
    first, _, rest = WATCHED[model].partition("__")
    field = instance._meta.get_field(first)
    parent_pk = getattr(instance, field.attname)
    if parent_pk is None:
        return set()
    paths = _place_path(model)
    if paths is None or model._meta.model_name == "institution":
        if not rest:  # the row points at the municipality itself
            return {(parent_pk, None, None)}
        municipality = field.related_model._base_manager.filter(pk=parent_pk).values_list(rest, flat=True).first()
        if paths is None:
            return {(municipality, None, None)}
        return {(municipality, parent_pk, instance.pk)}
    inner = [p.partition("__")[2] or "pk" for p in (paths[2], paths[1], paths[0])]
    row = field.related_model._base_manager.filter(pk=parent_pk).values_list(*inner).first()
    return {row} if row else set()


def _before_save(sender, instance, raw=False, **kwargs) -> None:
    if raw or instance._state.adding or instance.pk is None:
        return
    # The row may be moving (a child to another institution): where it was changes too.
    instance._reports_places_before = _places_of(sender, instance.pk)


def _after_save(sender, instance, raw=False, **kwargs) -> None:
    before = instance.__dict__.pop("_reports_places_before", set())
    for place in before | _new_places_of(instance):
        bump(*place)


def _before_delete(sender, instance, **kwargs) -> None:
    # pre_delete: the rows on the way to the municipality still exist (a cascade deletes them next).
    for place in _new_places_of(instance):
        bump(*place)


def connect_signals() -> None:
    """Called from ReportsConfig.ready."""
    WATCHED.update(_watched())
    for model in WATCHED:
        pre_save.connect(_before_save, sender=model, dispatch_uid=f"reports-figures-pre-{model._meta.label}")
        post_save.connect(_after_save, sender=model, dispatch_uid=f"reports-figures-post-{model._meta.label}")
        pre_delete.connect(_before_delete, sender=model, dispatch_uid=f"reports-figures-del-{model._meta.label}")


# --- the figures ------------------------------------------------------------------------------


def _as_of(period: Period, today: datetime.date | None = None) -> datetime.date:
    """The day the day-dependent figures are read (selectors.evaluations: overdue as of)."""
    return min(period.end, today or timezone.localdate())


def figures_key(scope: Scope, period: Period, version: str) -> str:
    return (f"reports:figures:{FORMAT}:{scope.kind}:{scope.pk}:{period.start:%Y%m%d}:{period.end:%Y%m%d}:"
            f"{_as_of(period):%Y%m%d}:{version}")


def _compute_and_store(scope: Scope, period: Period, key: str | None) -> dict:
    figures = selectors.report_figures(scope, period)
    if key is not None:
        try:
            cache.set(key, figures, timeout=TIMEOUT)
        except Exception:  # noqa: BLE001
            logger.warning("Statistikken kunne ikke gemmes i cachen", exc_info=True)
    return figures


def report_figures(scope: Scope, period: Period, *, refresh: bool = False) -> dict:
    """`selectors.report_figures(scope, period)`, from the cache when the municipality's data has
    not changed since it was computed. `refresh` computes and stores it regardless (the warm-up).
    The caller has checked the scope (`reports.scope`): the cache is never asked before that."""
    try:
        key = figures_key(scope, period, data_version(scope))
        cached = None if refresh else cache.get(key)
    except Exception:  # noqa: BLE001 - the page works without the cache
        logger.warning("Statistikkens cache svarer ikke; tallene beregnes direkte", exc_info=True)
        return selectors.report_figures(scope, period)
    if cached is not None:
        return cached
    return _compute_and_store(scope, period, key)


def is_cached(scope: Scope, period: Period) -> bool:
    """Whether the figures for the current data are in the cache (tests, the warm-up)."""
    return cache.get(figures_key(scope, period, data_version(scope))) is not None


def remembered(scope: Scope, period: Period, name: str, compute):
    """What `compute()` makes of the figures (the built sections, the page's HTML), cached beside
    the figures under the same version, so a repeat view neither suppresses, draws nor renders
    again. Nothing in it depends on who looks (the scope check came first)."""
    try:
        key = f"{figures_key(scope, period, data_version(scope))}:{name}"
        value = cache.get(key)
    except Exception:  # noqa: BLE001 - the page works without the cache
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(key, value, timeout=TIMEOUT)
        except Exception:  # noqa: BLE001
            logger.warning("Statistikken kunne ikke gemmes i cachen", exc_info=True)
    return value


def rendered(scope: Scope, period: Period, render) -> str:
    """The sections' HTML (`render()`), remembered beside the figures."""
    from django.utils.safestring import mark_safe

    return mark_safe(remembered(scope, period, "html", lambda: str(render())))  # noqa: S308 - our template's output
