"""Django's Redis cache with one client per connection pool instead of one per operation.

`django.core.cache.backends.redis.RedisCacheClient.get_client` builds a new `redis.Redis` for every
get and set (its constructor fills a table of ~170 response callbacks: about 90 µs, as much as the
round trip itself). A page reads the session, the signed-in user, the municipality and its kept
configuration from the cache, so that was a millisecond of every request. `redis.Redis` is safe to
share between threads (each command takes a connection from the pool), so one is built per pool
and reused."""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class SharedClient(RedisCacheClient):
    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)
        return client


class SharedClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClient
