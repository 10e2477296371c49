"""Celery tasks: thin wrappers that call the services; idempotent, retried on transient errors."""

from celery import shared_task
from django.db import OperationalError

from districtcouncil import services

RETRY = {"autoretry_for": (OperationalError, ConnectionError), "retry_backoff": True, "max_retries": 5}


@shared_task(**RETRY)
def close_due_agendas() -> int:
    return services.agendas_close_due()


@shared_task(**RETRY)
def close_agenda(meeting_id: int) -> int | None:
    return services.agenda_close(meeting_id)


@shared_task(**RETRY)
def send_draft_reminders() -> int:
    return services.draft_reminders_send()


@shared_task(**RETRY)
def notify_due_reassessments() -> int:
    return services.reassessments_notify_due() + services.reassessments_remind_overdue()


@shared_task(**RETRY)
def send_follow_up_reminders() -> int:
    return services.follow_ups_remind_due()
