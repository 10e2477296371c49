"""Reports: request one (the page) and build it (the Celery task)."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from haandguide.actors import Actor
from haandguide.lib.pdf import render_pdf
from haandguide.lib.queue import enqueue
from reports import cache, presentation
from reports.models import Report
from reports.scope import Period, Scope, allowed, scope_of

logger = logging.getLogger(__name__)


def report_request(*, actor: Actor, scope: Scope, period: Period) -> Report:
    """Store a pending report and enqueue its build once the row is committed. If the broker is
    down, `reports_pending_build` (the periodic sweep) picks the report up later."""
    from reports.tasks import build_report  # tasks import this module

    report = Report.objects.create(**scope.report_fields(), period_start=period.start, period_end=period.end,
                                   requested_by=actor.user)
    enqueue(build_report, report.pk)
    return report


def reports_pending_build(now=None, *, grace_minutes: int = 5, stuck_minutes: int = 30) -> list[int]:
    """Reports the queue lost: pending for more than a few minutes, or running for so long that
    their worker must have died. The sweep task sends them again (the build is idempotent)."""
    now = now or timezone.now()
    lost = Report.objects.filter(
        Q(status=Report.Status.PENDING, created_at__lt=now - timedelta(minutes=grace_minutes))
        | Q(status=Report.Status.RUNNING, started_at__lt=now - timedelta(minutes=stuck_minutes))
    )
    return list(lost.order_by("created_at").values_list("pk", flat=True)[:50])


def scope_of_report(report: Report) -> Scope | None:
    """The report's scope as seen by the user who requested it (None if they lost access)."""
    return allowed(report.requested_by, report.scope_kind, report.scope_pk)


def _progress(report_id: int, percent: int) -> None:
    # Its own statement, outside any transaction in the worker, so the page's poll sees it.
    Report.objects.filter(pk=report_id).update(progress=percent)


def render_report_pdf(report: Report, context: dict) -> bytes:
    """The report's PDF from `presentation.build`'s context: long tables shortened for print
    (`presentation.print_sections`; the CSV has every row)."""
    return render_pdf("reports/print/report.html", {**context, "sections": presentation.print_sections(context["sections"])})


def report_build(report_id: int) -> Report:
    """Build the PDF. Idempotent: a finished report is left as it is; a report left running by a
    worker that died is built again from the start."""
    report = Report.objects.select_related("requested_by", "municipality").get(pk=report_id)
    if report.status == Report.Status.DONE:
        return report
    Report.objects.filter(pk=report_id).update(status=Report.Status.RUNNING, progress=5, started_at=timezone.now(),
                                               error="")
    scope = scope_of_report(report)
    if scope is None:
        Report.objects.filter(pk=report_id).update(status=Report.Status.FAILED, finished_at=timezone.now(),
                                                   error="Bestilleren har ikke længere adgang til området.")
        report.refresh_from_db()
        return report
    period = Period(report.period_start, report.period_end)
    context = presentation.build(scope, period)
    _progress(report_id, 60)
    pdf = render_report_pdf(report, {**context, "report": report, "generated_at": timezone.now()})
    _progress(report_id, 90)
    Report.objects.filter(pk=report_id).update(
        status=Report.Status.DONE, progress=100, pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest(),
        finished_at=timezone.now())
    report.refresh_from_db()
    return report


def report_fail(report_id: int, message: str) -> None:
    Report.objects.filter(pk=report_id).exclude(status=Report.Status.DONE).update(
        status=Report.Status.FAILED, finished_at=timezone.now(), error=message[:255])


def statistics_warm(*, refresh: bool = False) -> int:
    """First rebuild the institution-months that writes bypassing the signals marked dirty
    (`aggregates.rebuild_dirty`: nothing to do, one query), then fill the figures cache for every
    municipality and every district, for the page's default period (the last 12 months up to
    today), so the first view of the day is fast too.

    Idempotent: figures already cached for the current data are left alone, unless `refresh`
    (the nightly run), which computes them again – the safety net for a change whose cache
    invalidation was lost while the cache was unreachable. Returns the number of scopes computed."""
    from haandguide.models import District, Municipality
    from reports import aggregates
    from reports.forms import default_period

    aggregates.rebuild_dirty()
    period = default_period()
    scopes = [scope_of(m) for m in Municipality.objects.order_by("pk")]
    scopes += [scope_of(d) for d in District.objects.select_related("municipality").order_by("municipality_id", "pk")]
    computed = 0
    for scope in scopes:
        if refresh or not cache.is_cached(scope, period):
            cache.report_figures(scope, period, refresh=True)
            computed += 1
    return computed
