"""Periodic job: evaluation reminders. The task only calls the service, which is idempotent, so
a retry or a second run sends nothing twice."""

from smtplib import SMTPException

from celery import shared_task
from django.db import OperationalError

from handleplan.reminders import evaluation_reminders_send


@shared_task(
    autoretry_for=(OperationalError, SMTPException, ConnectionError, TimeoutError),
    retry_backoff=60, retry_backoff_max=3600, retry_jitter=True, max_retries=5,
)
def send_evaluation_reminders() -> int:
    return evaluation_reminders_send()
