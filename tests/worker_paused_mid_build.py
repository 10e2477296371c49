"""A real `celery worker` whose report build stops, for two minutes, right after the report is
marked running: tests/test_faults.py kills it there. The pause lives here, in the test's own
process, so production code carries no test hook.

Run as `python -m tests.worker_paused_mid_build worker --pool solo ...` (celery's own arguments).
"""

import sys
import time

import django

django.setup()

from reports import presentation  # noqa: E402

from haandguide.celery import app  # noqa: E402

_build = presentation.build


def _paused_build(*args, **kwargs):
    time.sleep(120)  # the test kills this process long before
    return _build(*args, **kwargs)


presentation.build = _paused_build  # report_build calls it after marking the report running

if __name__ == "__main__":
    app.worker_main(sys.argv[1:])  # ["worker", "--pool", "solo", ...]
