"""Real PostgreSQL and Redis: the suite runs against them in CI (.ci/run sets the URLs)."""

import logging
import os
import uuid

import pytest
from django.core.cache import caches
from django.db import connection

needs_redis = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL not set (SQLite/eager run)")
needs_postgres = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="DATABASE_URL is not PostgreSQL"
)


@needs_redis
def test_cache_is_redis_and_round_trips():
    key = f"haandguide-test-{uuid.uuid4()}"
    cache = caches["default"]
    from django.core.cache.backends.redis import RedisCache

    assert isinstance(cache, RedisCache)  # haandguide.lib.redis_cache: Django's, one client per pool
    cache.set(key, "æøå", 10)
    assert cache.get(key) == "æøå"


@needs_redis
def test_celery_broker_is_reachable():
    from haandguide.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1)
        assert conn.transport_cls.startswith("redis") or "redis" in conn.as_uri()


@needs_postgres
def test_database_is_postgresql(db):
    assert connection.vendor == "postgresql"


@pytest.mark.django_db(transaction=True)
def test_enqueue_survives_a_broker_outage(caplog):
    """Redis down: the request still succeeds; the send is logged for the periodic sweep."""
    from celery import shared_task
    from django.db import transaction

    from haandguide.celery import app
    from haandguide.lib.queue import enqueue

    @shared_task(name="tests.noop")
    def noop():
        return None

    app.conf.task_always_eager = False
    old = app.conf.broker_url
    old_pool, app._pool = app._pool, None
    old_producers, app.amqp._producer_pool = app.amqp._producer_pool, None
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        # at_level on the module's logger: an in-process Celery worker (test_faults) may have left
        # the root logger at ERROR, which would drop this warning before any handler sees it.
        with caplog.at_level(logging.WARNING, logger="haandguide.lib.queue"), transaction.atomic():
            enqueue(noop)
    finally:
        if app._pool is not None:
            app._pool.force_close_all()
        app._pool = old_pool
        app.amqp._producer_pool = old_producers
        app.conf.task_always_eager = True
        app.conf.broker_url = old
    assert "periodiske opsamling" in caplog.text


def test_every_beat_entry_names_a_registered_task(db):
    """A typo in the beat schedule would silently never run a deadline job."""
    from django.conf import settings

    from haandguide.celery import app

    app.loader.import_default_modules()
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"districtcouncil.tasks.close_due_agendas", "handleplan.tasks.send_evaluation_reminders",
            "reports.tasks.build_pending_reports", "haandguide.tasks.purge_access_log"} <= names
    assert names <= set(app.tasks), names - set(app.tasks)


def test_a_refusal_carries_a_stable_code_beside_its_danish_reason():
    from haandguide.exceptions import Refusal, Refused

    refusal = Refusal("consent_missing", "Der mangler samtykke.")
    assert (refusal, refusal.code) == ("Der mangler samtykke.", "consent_missing")
    raised = Refused(refusal)
    assert (raised.code, raised.message, raised.refusal) == ("consent_missing", "Der mangler samtykke.", refusal)
    assert Refused("deadline_passed", "Fristen er overskredet.").code == "deadline_passed"
    with pytest.raises(TypeError):  # a refusal without a code is a programming error, not a message
        Refused("Fristen er overskredet.")


@needs_postgres
@pytest.mark.django_db
def test_postgresql_binds_parameters_on_the_server_and_prepares_repeated_statements():
    """settings.database_from_url: a statement run five times on a connection is prepared, so
    PostgreSQL reuses its plan (issue 16, throughput)."""
    from haandguide.models import Municipality

    connection.ensure_connection()
    assert connection.connection.prepare_threshold == 5
    for _ in range(6):
        list(Municipality.objects.filter(pk=-1))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                       ['%"haandguide_municipality"%'])
        assert cursor.fetchone()[0] >= 1
