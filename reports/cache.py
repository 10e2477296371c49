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
change, but reachable before and after – is repaired by the nightly warm-up, which recomputes
every municipality's and district's figures (`reports.services.statistics_warm(refresh=True)`),
and by entries expiring after `TIMEOUT`.
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
FORMAT = 2
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


def _version_key(municipality_id: int) -> str:
    return f"reports:figures-version:{municipality_id}"


def data_version(municipality_id: int) -> str:
    """The municipality's current token (a new one if the cache has none, e.g. after a restart)."""
    return cache.get_or_set(_version_key(municipality_id), uuid.uuid4().hex, timeout=None)


def _replace_token(municipality_id: int) -> None:
    try:
        cache.set(_version_key(municipality_id), uuid.uuid4().hex, timeout=None)
    except Exception:  # noqa: BLE001 - a write must never fail because the cache is away
        logger.warning("Statistikkens cache kunne ikke markeres som forældet for kommune %s", municipality_id,
                       exc_info=True)


def bump(municipality_id: int | None) -> None:
    """The municipality's data changed: cached figures must not be shown again. Now, and once more
    when the transaction commits (see the module docstring)."""
    if municipality_id is None:
        return
    _replace_token(municipality_id)
    transaction.on_commit(lambda: _replace_token(municipality_id), robust=True)


def _municipality_of(model: type[models.Model], pk) -> int | None:
    path = WATCHED[model]
    return model._base_manager.filter(pk=pk).values_list(path, flat=True).first()


def _new_municipality_of(instance: models.Model) -> int | None:
    """The municipality the row belongs to as it is now in memory (its foreign keys as set)."""
    first, _, rest = WATCHED[type(instance)].partition("__")
    field = instance._meta.get_field(first)
    parent_pk = getattr(instance, field.attname)
    if parent_pk is None:
        return None
    if not rest:  # the row points at the municipality itself
        return parent_pk
    parent = field.related_model
    return parent._base_manager.filter(pk=parent_pk).values_list(rest, flat=True).first()


def _before_save(sender, instance, raw=False, **kwargs) -> None:
    if raw or instance._state.adding or instance.pk is None:
        return
    # The row may be moving (a child to another institution): its old municipality changes too.
    instance._reports_municipality_before = _municipality_of(sender, instance.pk)


def _after_save(sender, instance, raw=False, **kwargs) -> None:
    before = instance.__dict__.pop("_reports_municipality_before", None)
    after = _new_municipality_of(instance)
    for municipality_id in {before, after} - {None}:
        bump(municipality_id)


def _before_delete(sender, instance, **kwargs) -> None:
    # pre_delete: the rows on the way to the municipality still exist (a cascade deletes them next).
    bump(_new_municipality_of(instance))


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
        key = figures_key(scope, period, data_version(scope.municipality_id))
        cached = None if refresh else cache.get(key)
    except Exception:  # noqa: BLE001 - the page works without the cache
        logger.warning("Statistikkens cache svarer ikke; tallene beregnes direkte", exc_info=True)
        return selectors.report_figures(scope, period)
    if cached is not None:
        return cached
    return _compute_and_store(scope, period, key)


def is_cached(scope: Scope, period: Period) -> bool:
    """Whether the figures for the current data are in the cache (tests, the warm-up)."""
    return cache.get(figures_key(scope, period, data_version(scope.municipality_id))) is not None
