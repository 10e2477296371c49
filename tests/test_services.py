"""Real PostgreSQL and Redis: the suite runs against them in CI (.ci/run sets the URLs)."""

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
    assert type(cache).__name__ == "RedisCache"
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
