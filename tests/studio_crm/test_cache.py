"""The cache on Redis: one set of connections for the process, and a count in one round trip, as rate limits
count every public request."""

import os

import pytest
import redis
from django.core.cache import cache, caches

from tests.asgi_requests import ask

pytestmark = [pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL)"),
              pytest.mark.usefixtures("fresh_limits")]


@pytest.fixture
def commands(monkeypatch):
    """The names of the commands sent to Redis."""
    sent = []
    send = redis.Redis.execute_command

    def counted(self, *args, **options):
        sent.append(args[0])
        return send(self, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", counted)
    return sent


def test_incrementing_a_counter_is_one_command(commands):
    cache.set("hits", 0, 60)
    cache.incr("hits")  # a Redis that has not seen the script yet is sent it once
    commands.clear()
    assert cache.incr("hits") == 2 and cache.incr("hits", 5) == 7
    assert commands == ["EVALSHA", "EVALSHA"] and cache.get("hits") == 7


def test_incrementing_a_missing_counter_fails_as_django_does_and_creates_nothing():
    with pytest.raises(ValueError):
        cache.incr("never-set")
    assert cache.get("never-set") is None


def test_a_rate_limited_request_counts_in_two_commands(db, client, commands, settings):
    settings.PUBLIC_RATE_LIMITS = {**settings.PUBLIC_RATE_LIMITS, "availability_ip": "2/h"}
    statuses = []
    for _ in range(3):
        commands.clear()
        statuses.append(client.get("/api/v1/availability?space=nowhere&date=2030-01-01").status_code)
    assert statuses == [404, 404, 429]
    assert commands[:2] == ["SET", "EVALSHA"]  # add (the window's counter exists), then the increment


@pytest.mark.django_db(transaction=True)
def test_requests_under_asgi_use_the_connections_the_process_already_has(monkeypatch):
    """Each ASGI request has a cache backend of its own; they share one pool (Django's own opened a connection
    to Redis for every request)."""
    opened = []
    connect = redis.connection.Connection._connect
    monkeypatch.setattr(redis.connection.Connection, "_connect", lambda self: opened.append(self) or connect(self))
    cache.get("warm")  # the process's first connection
    statuses = [ask("/api/v1/availability", query="space=nowhere&date=2030-01-01")[0] for _ in range(10)]
    assert statuses == [404] * 10
    assert len(opened) <= 1


def test_two_backends_of_one_process_share_a_pool():
    first, second = caches.create_connection("default"), caches.create_connection("default")
    assert first is not second
    assert first._cache.get_client(write=True).connection_pool is second._cache.get_client(write=True).connection_pool


def test_the_job_queue_keeps_one_client_for_the_process(settings):
    import django_rq

    assert settings.RQ_QUEUES["default"]["USE_REDIS_CACHE"] == "default"
    queue, again = django_rq.get_queue("default"), django_rq.get_queue("default")
    assert queue.connection is again.connection and queue.connection.ping()
    # Its own pool: a worker's socket timeout, which rq writes into the pool it is given, is not the cache's.
    assert queue.connection.connection_pool is not cache._cache.get_client(write=True).connection_pool
