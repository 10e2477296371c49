"""Every periodic job (CELERY_BEAT_SCHEDULE): a run with nothing new does next to nothing – the
same small number of queries at two data sizes – because each job finds its work in SQL (a due
date, a mark, a dirty set) instead of reading every open case. The benchmark (bench/stats.py)
times the same jobs at national size."""

from importlib import import_module

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.generate import generate
from haandguide.models import Notice
from handleplan.models import Effort
from handleplan.reminders import EVALUATION_KEY_PREFIX

pytestmark = pytest.mark.django_db(transaction=False)

# The most queries a run with nothing new may make, whatever the data size (on PostgreSQL the
# access-log purge looks at its month partitions: 7).
NOTHING_NEW = 8


def run(name: str) -> int:
    entry = settings.CELERY_BEAT_SCHEDULE[name]
    module, _, attr = entry["task"].rpartition(".")
    task = getattr(import_module(module), attr)
    with CaptureQueriesContext(connection) as context:
        task.run(**entry.get("kwargs", {}))
    return len(context.captured_queries)


@pytest.fixture(params=[120, 480], ids=["120-children", "480-children"])
def history(request):
    generate(request.param, 2, 500, 7)
    return request.param


@pytest.mark.parametrize("job", list(settings.CELERY_BEAT_SCHEDULE))
def test_a_run_with_nothing_new_does_next_to_nothing(history, job):
    run(job)  # the work there is
    assert run(job) <= NOTHING_NEW


def test_the_evaluation_reminders_did_their_work_first(history):
    assert run("handleplan-evaluation-reminders") > NOTHING_NEW
    reminded = Effort.objects.filter(reminded_for__isnull=False)
    assert reminded.exists()
    # The generated data has a leader for its first institution only: those efforts have a notice.
    assert Notice.objects.filter(key__startswith=EVALUATION_KEY_PREFIX).exists()
    assert run("handleplan-evaluation-reminders") <= NOTHING_NEW
