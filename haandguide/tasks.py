from celery import shared_task
from django.db import OperationalError

from haandguide import services


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def purge_access_log() -> int:
    return services.accesslog_purge()


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def verify_access_log() -> int:
    """Nightly: every municipality's hash chain is intact, or its administrators are told."""
    return len(services.accesslog_verify())


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def anonymise_due_children() -> int:
    from haandguide import retention

    return retention.run()
