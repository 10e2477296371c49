"""A real `celery worker` whose Digital Post delivery stops, for two minutes, right after the MeMo
file is written and before the outbox row is marked sent: tests/test_integrations_worker.py kills
it there. The pause lives here, in the test's own process, so production code has no test hook.

Run as `python -m tests.worker_paused_mid_send worker --pool solo ...` (celery's own arguments).
"""

import sys
import time

import django

django.setup()

from integrations import channels  # noqa: E402

from haandguide.celery import app  # noqa: E402

_send = channels.DigitalPostChannel.send


def _paused_send(self, *args, **kwargs):
    receipt = _send(self, *args, **kwargs)
    time.sleep(120)  # the test kills this process long before
    return receipt


channels.DigitalPostChannel.send = _paused_send

if __name__ == "__main__":
    app.worker_main(sys.argv[1:])  # ["worker", "--pool", "solo", ...]
