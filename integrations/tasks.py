"""Celery tasks: thin wrappers around the outbox; idempotent, retried."""

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from haandguide.actors import Actor
from integrations import outbox
from integrations.models import OutboxItem


@shared_task(bind=True, autoretry_for=(OperationalError, ConnectionError), retry_backoff=True,
             max_retries=outbox.MAX_ATTEMPTS)
def send_outbox_item(self, item_id: int) -> str | None:
    status = outbox.outbox_send(item_id, actor=Actor.job("outbox_send"))
    if status == OutboxItem.Status.FAILED and not settings.CELERY_TASK_ALWAYS_EAGER:
        # In eager mode (tests, development) the sweep retries instead of a blocking loop here.
        raise self.retry(countdown=min(60 * 2 ** self.request.retries, 3600))
    return status


@shared_task(autoretry_for=(OperationalError, ConnectionError), retry_backoff=True, max_retries=5)
def send_outbox_due() -> int:
    return outbox.outbox_send_due(actor=Actor.job("outbox_send_due"))
