"""Hand work to Celery without letting a broker outage break the page.

Tasks are sent after the transaction commits. If Redis is down, the send is logged and dropped:
every job that matters is also found by a periodic sweep (agendas past their deadline, pending
reports, due reminders), so the work is done when the broker is back, and done once because the
jobs are idempotent.
"""

from __future__ import annotations

import logging

from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError

logger = logging.getLogger(__name__)


def enqueue(task, *args, **kwargs) -> None:
    def send():
        try:
            task.apply_async(args=args, kwargs=kwargs, retry=False)
        except (BrokerError, ConnectionError, OSError) as error:
            logger.warning("Kunne ikke sende %s til køen (%s); den periodiske opsamling tager den.", task.name, error)

    transaction.on_commit(send)
