"""Celery tasks: build a report's PDF (takes the primary key) and warm the statistics cache. Both
idempotent, retried on transient errors."""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from reports import services

logger = logging.getLogger(__name__)
TRANSIENT = (OperationalError, InterfaceError, ConnectionError)
MAX_RETRIES = 5


@shared_task(bind=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=MAX_RETRIES)
def build_report(self, report_id: int) -> str:
    try:
        return services.report_build(report_id).status
    except TRANSIENT:
        if self.request.retries >= MAX_RETRIES:
            services.report_fail(report_id, "Databasen svarede ikke; prøv igen senere.")
        raise
    except Exception:
        # Not transient: retrying would fail the same way. Mark it so the page stops waiting.
        logger.exception("Rapport %s kunne ikke dannes", report_id)
        services.report_fail(report_id, "Rapporten kunne ikke dannes.")
        return "fejlet"


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=MAX_RETRIES)
def build_pending_reports() -> int:
    """Periodic sweep: send the reports the queue lost once more."""
    pending = services.reports_pending_build()
    for report_id in pending:
        build_report.delay(report_id)
    return len(pending)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=MAX_RETRIES)
def warm_statistics(refresh: bool = False) -> int:
    """Periodic: compute the default period's figures for every municipality and district into the
    cache (nightly with refresh=True, hourly for whatever changed since). Safe to run twice."""
    return services.statistics_warm(refresh=refresh)
