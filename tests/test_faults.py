"""Faults: Redis down while people work, and a Celery worker killed in the middle of a PDF.

Both need the real services (CI's second pass): the broker is a real Redis URL, first pointing at
a port where nothing listens, then at the real Redis; the killed worker is a real `celery worker`
process against the test's PostgreSQL database.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from haandguide.models import Notice
from handleplan import services as plan_services
from handleplan.models import Handleplan
from handleplan.reminders import EVALUATION_KEY_PREFIX
from reports.models import Report
from tests.case_fixtures import as_user, guardians, handleplan  # noqa: F401
from tests.test_districtcouncil import case, config, draft, meeting_at  # noqa: F401

pytestmark = pytest.mark.skipif(
    not (os.environ.get("REDIS_URL") and os.environ.get("DATABASE_URL", "").startswith("postgres")),
    reason="needs PostgreSQL and Redis (runs in CI's second pass)")

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1
BASE_DIR = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def broker(url: str):
    """Send tasks for real (not eagerly) to `url`, with fresh connection pools."""
    from kombu import pools

    from haandguide.celery import app

    def fresh_pools():
        # kombu keeps one pool per broker URL in a process-wide registry; empty it (closing the
        # pools) so neither this block nor the next test reuses a connection to the other broker.
        pools.reset()
        app._pool, app.amqp._producer_pool = None, None

    old_url = app.conf.broker_url
    fresh_pools()
    app.conf.broker_url = url
    app.conf.task_always_eager = False
    try:
        yield app
    finally:
        fresh_pools()
        app.conf.broker_url = old_url
        app.conf.task_always_eager = True


def redis():
    from redis import Redis

    return Redis.from_url(os.environ["REDIS_URL"])


def forget_queued_messages() -> None:
    """Start from an empty queue: a message left by another test must not run in ours. (The
    queue and kombu's unacknowledged-message keys in the test run's own Redis database.)"""
    redis().delete("celery", "unacked", "unacked_index")


def wait_for(condition, seconds: float = 60, what: str = "condition"):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def queue_drained() -> bool:
    r = redis()
    return r.llen("celery") == 0 and r.hlen("unacked") == 0


def delivered_longer_ago_than(seconds: float) -> bool:
    """Every unacknowledged message was delivered more than `seconds` ago (kombu scores
    `unacked_index` by delivery time), so Redis hands it out again on the next poll."""
    oldest = redis().zrange("unacked_index", 0, -1, withscores=True)
    return bool(oldest) and all(time.time() - score > seconds for _, score in oldest)


def nothing_redelivered_for(seconds: float) -> None:
    """The queue stays drained on every poll for `seconds`: a redelivery would show as a message."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert queue_drained(), "a finished task's message was handed out again"
        time.sleep(0.2)


@contextlib.contextmanager
def tasks_finished():
    """A live count of tasks the in-process worker has finished (celery's task_postrun signal)."""
    from celery.signals import task_postrun

    finished = []

    def count(**kwargs):
        finished.append(kwargs["task_id"])

    task_postrun.connect(count, weak=False)
    try:
        yield finished
    finally:
        task_postrun.disconnect(count)


# --- Redis down -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_with_redis_down_pages_work_and_the_sweeps_do_the_work_once_it_is_back(
        client_for, settings, caplog, lars, birgitte, chef, municipality, case, config):
    from celery.contrib.testing.worker import start_worker

    from districtcouncil.tasks import close_due_agendas
    from handleplan.tasks import send_evaluation_reminders
    from reports.tasks import build_pending_reports

    forget_queued_messages()
    now = timezone.now()
    days = municipality.submission_deadline_days
    meeting = meeting_at(config, now + datetime.timedelta(days=days, hours=2))  # deadline in two hours
    submission = draft(lars, case, meeting)
    plan_services.effort_add(actor=as_user(lars), plan=Handleplan.objects.get(case=case), data={
        "name": "ICDP", "carried_out_by": "Stuens pædagoger", "responsible": lars,
        "started_on": now.date() - datetime.timedelta(days=30), "evaluation_date": now.date()})

    # Redis is down: the broker and the cache point at a port where nothing listens.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": DEAD_REDIS}}
    with broker(DEAD_REDIS):
        began = time.monotonic()
        ordered = client_for(chef).post(reverse("reports:report_create", args=["kommune", municipality.pk]),
                                        {"fra": "2026-01-01", "til": "2026-03-31"}, follow=True)
        assert ordered.status_code == 200 and "Rapporten dannes" in ordered.content.decode()
        sent = client_for(lars).post(reverse("districtcouncil:submission_submit", args=[submission.pk]), follow=True)
        assert sent.status_code == 200 and "Indstillingen er sendt" in sent.content.decode()
        assert client_for(lars).get(reverse("cases:child_list")).status_code == 200
        assert time.monotonic() - began < 15, "pages must not hang on the broker"
    assert "periodiske opsamling" in caplog.text  # the lost send is logged, not raised
    report = Report.objects.get()
    assert report.status == Report.Status.PENDING
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": os.environ["REDIS_URL"]}}

    # Redis is back. Beat sends the sweeps; later than the agenda deadline and the report's grace
    # time. Each sweep is sent twice (beat's next tick): the second run must do nothing.
    members = {lars.pk, birgitte.pk, chef.pk}  # the leader, the consultant and the head of daycare
    with time_machine.travel(now + datetime.timedelta(hours=3)), broker(os.environ["REDIS_URL"]) as app:
        with root_logger_kept(), start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10), \
                tasks_finished() as finished:
            sweeps = (build_pending_reports, close_due_agendas, send_evaluation_reminders)
            for sweep in sweeps:
                sweep.delay()
            wait_for(lambda: Report.objects.get().status == Report.Status.DONE, what="the report")
            wait_for(queue_drained, what="the first sweeps")
            report = Report.objects.get()
            meeting.refresh_from_db()
            assert meeting.agenda_closed_at is not None
            notices, reminders, emails = Notice.objects.count(), Notice.objects.filter(key__startswith=EVALUATION_KEY_PREFIX).count(), len(mail.outbox)
            assert set(Notice.objects.filter(key=f"dagsorden-klar-{meeting.pk}").values_list("user_id", flat=True)) \
                == members
            assert reminders == 1

            first_round = len(finished)
            for sweep in sweeps:
                sweep.delay()
            # The second round is done when the worker has finished each sweep again (and any task
            # they sent) and acknowledged them: no fixed pause that a slow machine outruns.
            wait_for(lambda: len(finished) >= first_round + len(sweeps) and queue_drained(), what="the second sweeps")

    assert (Notice.objects.count(), Notice.objects.filter(key__startswith=EVALUATION_KEY_PREFIX).count(), len(mail.outbox)) == (notices, reminders, emails)
    again = Report.objects.get()
    assert (again.status, again.finished_at, again.sha256) == (Report.Status.DONE, report.finished_at, report.sha256)
    assert hashlib.sha256(bytes(again.pdf)).hexdigest() == again.sha256


@contextlib.contextmanager
def root_logger_kept():
    """An in-process worker reconfigures the root logger (level ERROR, its own handlers); put it
    back so later tests' log assertions see their warnings."""
    root = logging.getLogger()
    level, handlers = root.level, root.handlers[:]
    try:
        yield
    finally:
        root.setLevel(level)
        root.handlers[:] = handlers


# --- a worker killed mid-PDF ------------------------------------------------------------------


VISIBILITY_TIMEOUT = 2  # seconds; CELERY_VISIBILITY_TIMEOUT of the workers started below


def start_worker_process(tmp_path: Path, name: str, *, paused_mid_build: bool = False,
                         module: str = "") -> subprocess.Popen:
    """A real `celery worker` (solo pool) against the test database and the test run's Redis.
    `paused_mid_build`: its report build stops once the report is running (tests/worker_paused_mid_build.py);
    `module`: another such worker module (tests/worker_paused_mid_send.py)."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "haandguide.settings",
        "DATABASE_URL": f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "LOG_LEVEL": "WARNING",
        # A short visibility timeout so the test need not wait the production two hours for a dead
        # worker's unacknowledged message to be handed out again.
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
    }
    log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
    module = "tests.worker_paused_mid_build" if paused_mid_build else module
    program = ["-m", module] if module else ["-m", "celery", "-A", "haandguide.celery:app"]
    return subprocess.Popen(
        [sys.executable, *program, "worker", "--pool", "solo",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO", "-n", f"{name}@%h"],
        cwd=BASE_DIR, env=environment, stdout=log, stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # warm shutdown
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_while_building_a_pdf_leaves_it_to_the_next_worker_which_builds_it_once(
        client_for, chef, municipality, tmp_path):
    forget_queued_messages()
    with broker(os.environ["REDIS_URL"]):
        response = client_for(chef).post(reverse("reports:report_create", args=["kommune", municipality.pk]),
                                         {"fra": "2026-01-01", "til": "2026-03-31"})
    assert response.status_code == 302
    report = Report.objects.get()
    first = start_worker_process(tmp_path, "doomed", paused_mid_build=True)
    try:
        wait_for(lambda: Report.objects.get().status == Report.Status.RUNNING, what="the build to start")
        first.send_signal(signal.SIGKILL)  # kill -9: no warm shutdown, no chance to requeue
        first.wait(timeout=10)
    finally:
        stop(first)
    report.refresh_from_db()
    assert report.status == Report.Status.RUNNING and report.pdf is None
    assert redis().hlen("unacked") == 1, "acks_late: the dead worker's message is kept, not lost"

    wait_for(lambda: delivered_longer_ago_than(VISIBILITY_TIMEOUT), what="the dead worker's message to time out")
    second = start_worker_process(tmp_path, "rescuer")
    try:
        wait_for(lambda: Report.objects.get().status == Report.Status.DONE, seconds=90, what="the rebuilt report")
        done = Report.objects.get()
        wait_for(queue_drained, what="the message to be acknowledged")
        # For a visibility timeout and more, every poll finds nothing handed out a second time.
        nothing_redelivered_for(VISIBILITY_TIMEOUT + 1)
    finally:
        stop(second)

    final = Report.objects.get()
    assert Report.objects.count() == 1
    assert (final.status, final.progress, final.error) == (Report.Status.DONE, 100, "")
    assert final.finished_at == done.finished_at and final.started_at == done.started_at  # built once
    pdf = bytes(final.pdf)
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == final.sha256
    log = (tmp_path / "rescuer.log").read_text()
    assert log.count("reports.tasks.build_report") >= 1 and log.count("succeeded in") == 1, log
