"""The cache on Redis: one connection pool per process, and ``incr`` in one round trip.

Django keeps a cache backend per thread and, under ASGI, per request context, and its Redis backend gives each
backend a connection pool of its own. Under ASGI every request therefore connected to Redis anew (20 new
connections for 20 availability asks, measured; none now): a TCP handshake before its first rate-limit count, and
a connection left for the garbage collector to close after it. Here the pools, and a ``redis.Redis`` client over
each, belong to the process and are shared by every backend: a client is safe to share between threads, its pool
hands each command a connection of its own. (Django's ticket for the same problem is open: django/django pull
request 18459.) The job queue has a client of its own, also one per process (``get_master_client``): rq writes its
worker's socket timeout into the pool it is given, which must not be the cache's.

Django's backend also increments in two round trips (``EXISTS``, then ``INCRBY``), and every rate-limit check of
the public API increments a counter (django-ratelimit: ``add``, then ``incr`` once the window's counter exists).
A short script (sent by its digest, ``EVALSHA``) does both steps in one call to Redis, atomically, with the same
answer: the new value, or ValueError for a key that is not there.
"""

import threading

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient

INCREMENT_EXISTING = """
if redis.call('EXISTS', KEYS[1]) == 1 then
    return redis.call('INCRBY', KEYS[1], ARGV[1])
end
return false
"""

# What the process keeps for its life, made once under the lock. redis-py's pool notices a fork and starts afresh
# in the child.
_per_process: dict[tuple, object] = {}
_per_process_lock = threading.Lock()


def _once(key: tuple, make):
    found = _per_process.get(key)
    if found is None:
        with _per_process_lock:
            found = _per_process.get(key)
            if found is None:
                found = _per_process[key] = make()
    return found


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._options_key = (self._pool_class, repr(sorted(self._pool_options.items())))

    def _shared(self, write: bool) -> tuple:
        """(pool, client, the increment script) of the server, shared by every backend with these options."""
        server = self._servers[self._get_connection_pool_index(write)]

        def make():
            pool = self._pool_class.from_url(server, **self._pool_options)
            client = self._lib.Redis(connection_pool=pool)
            return pool, client, client.register_script(INCREMENT_EXISTING)

        return _once(("cache", server, *self._options_key), make)

    def _get_connection_pool(self, write):
        return self._shared(write)[0]

    def get_client(self, key=None, *, write=False):
        return self._shared(write)[1]

    def incr(self, key, delta):
        value = self._shared(write=True)[2](keys=[key], args=[delta])
        if value is None:
            raise ValueError(f"Key '{key}' not found.")
        return value


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

    def get_master_client(self):
        """The job queue's Redis client: django-rq asks for it under ``USE_REDIS_CACHE`` (settings.RQ_QUEUES), and
        queues every job over it instead of opening a pool for each. One per process and server, with a pool of
        its own: rq sets its worker's socket timeout on the pool it is given, and runs a worker in a new process
        from the options of that pool (``SpawnWorker``), which takes plain ones."""
        server = self._servers[0]
        return _once(("queue", server), lambda: self._cache._lib.Redis.from_url(server))
