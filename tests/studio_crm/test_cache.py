"""The cache on Redis counts in one round trip, as rate limits count every public request."""

import os

import pytest
import redis
from django.core.cache import cache

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
    cache.set("hits", 1, 60)
    commands.clear()
    assert cache.incr("hits") == 2 and cache.incr("hits", 5) == 7
    assert commands == ["EVAL", "EVAL"] and cache.get("hits") == 7


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
    assert commands[:2] == ["SET", "EVAL"]  # add (the window's counter exists), then the increment
