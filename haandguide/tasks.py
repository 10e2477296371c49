from celery import shared_task
from django.db import OperationalError

from haandguide import services
from haandguide.actors import Actor


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def purge_access_log() -> int:
    return services.accesslog_purge(actor=Actor.job("accesslog_purge"))


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def seal_access_log() -> int:
    """Every minute: chain the rows written since the last run (writers take no lock)."""
    return services.accesslog_seal()


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def ensure_access_log_partitions() -> int:
    """Daily: the next months' partitions of the access log exist before rows arrive (PostgreSQL)."""
    return len(services.accesslog_partitions_ensure())


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def verify_access_log() -> int:
    """Nightly: every municipality's hash chain is intact, or its administrators are told."""
    return len(services.accesslog_verify())


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def anonymise_due_children() -> int:
    from haandguide import retention

    return retention.run(actor=Actor.job("retention_run"))
