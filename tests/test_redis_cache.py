"""The production cache (haandguide/lib/redis_cache.py) against a real Redis: one client per
connection pool, reused by every get and set, and the cache behaves as Django's (runs in CI's
second pass, where .ci/run starts Redis)."""

import os

import pytest

from haandguide.lib.redis_cache import SharedClientRedisCache

pytestmark = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (runs in CI's second pass)")


def test_every_operation_reuses_one_client_and_the_cache_works():
    cache = SharedClientRedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": "test-shared-client"})
    cache.clear()
    cache.set("plan", {"goals": ["Alma beder om hjælp"]}, 30)
    assert cache.get("plan") == {"goals": ["Alma beder om hjælp"]}
    assert cache.get_many(["plan", "none"]) == {"plan": {"goals": ["Alma beder om hjælp"]}}
    cache.delete("plan")
    assert cache.get("plan") is None
    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client() is client and cache._cache.get_client("plan", write=True) is client
