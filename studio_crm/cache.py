"""The cache on Redis, with ``incr`` in one round trip and one client object per connection pool.

Django's Redis backend increments in two round trips (``EXISTS``, then ``INCRBY``), and every rate-limit check of
the public API increments a counter (django-ratelimit: ``add``, then ``incr`` once the window's counter exists).
A short script does both steps in one call to Redis, atomically, with the same answer: the new value, or
ValueError for a key that is not there. Django also builds a new ``redis.Redis`` for every operation (0.2 ms
each here); a client is safe to share between threads (its pool hands each command a connection), so one per
pool serves them all.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient

INCREMENT_EXISTING = """
if redis.call('EXISTS', KEYS[1]) == 1 then
    return redis.call('INCRBY', KEYS[1], ARGV[1])
end
return false
"""


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._lib.Redis(connection_pool=pool)
        return client

    def incr(self, key, delta):
        client = self.get_client(key, write=True)
        value = client.eval(INCREMENT_EXISTING, 1, key, delta)
        if value is None:
            raise ValueError(f"Key '{key}' not found.")
        return value


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
