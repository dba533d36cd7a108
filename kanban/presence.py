"""Who else has the board open.

Every open board has an entry in one roster per board group that every process shares (a Redis hash with
REDIS_URL; without it, a dict of the one process, as the in-memory channel layer reaches no other): its
employee, and when it last beat. A board reads the roster once, when it opens, and writes its entry again
every ``BEAT_SECONDS``; an entry not written for ``FORGET_AFTER_SECONDS`` (its process died) is dropped by
the one board a beat that looks. When the roster changes, every board hears one summary of who is
looking: at most one per ``ANNOUNCE_SECONDS`` however many boards open or close meanwhile, and none when
the same people are still looking. So opening a board, or keeping it open, costs a fixed number of roster
operations, and 30 boards reconnecting together cost about one message to each board, not 30.

Presence is a courtesy: when the roster cannot be reached, boards work on and list nobody.
"""

import json
import logging
import threading
import time
from dataclasses import dataclass
from functools import lru_cache

import redis
from asgiref.sync import sync_to_async
from django.conf import settings

log = logging.getLogger("studio.kanban")

BEAT_SECONDS = 30
FORGET_AFTER_SECONDS = 3 * BEAT_SECONDS
ANNOUNCE_SECONDS = 0.25
# A claim to announce outlives a process that died holding it by this long at most.
CLAIM_SECONDS = 5


@dataclass(frozen=True)
class Viewer:
    employee_id: int
    name: str


class LocalStore:
    """The rosters of this process, for the in-memory channel layer."""

    def __init__(self):
        self.lock = threading.Lock()
        self.hashes: dict[str, dict[str, str]] = {}
        self.values: dict[str, tuple[str, float]] = {}

    def put(self, key: str, field: str, value: str) -> None:
        with self.lock:
            self.hashes.setdefault(key, {})[field] = value

    def remove(self, key: str, *fields: str) -> None:
        with self.lock:
            entries = self.hashes.get(key, {})
            for field in fields:
                entries.pop(field, None)
            if not entries:
                self.hashes.pop(key, None)

    def entries(self, key: str) -> dict[str, str]:
        with self.lock:
            return dict(self.hashes.get(key, {}))

    def claim(self, key: str, seconds: float) -> bool:
        with self.lock:
            held = self.values.get(key)
            if held is not None and held[1] > time.monotonic():
                return False
            self.values[key] = ("1", time.monotonic() + seconds)
            return True

    def release(self, key: str) -> None:
        with self.lock:
            self.values.pop(key, None)

    def swap(self, key: str, value: str, seconds: float) -> str | None:
        with self.lock:
            old = self.values.get(key)
            self.values[key] = (value, time.monotonic() + seconds)
            return old[0] if old is not None and old[1] > time.monotonic() else None


class RedisStore:
    """The rosters on Redis, shared by every process of the deployment."""

    def __init__(self, url: str):
        self.redis = redis.Redis.from_url(url, decode_responses=True, socket_timeout=2, socket_connect_timeout=2)

    def put(self, key: str, field: str, value: str) -> None:
        with self.redis.pipeline() as pipeline:
            pipeline.hset(key, field, value).expire(key, FORGET_AFTER_SECONDS).execute()

    def remove(self, key: str, *fields: str) -> None:
        self.redis.hdel(key, *fields)

    def entries(self, key: str) -> dict[str, str]:
        return self.redis.hgetall(key)

    def claim(self, key: str, seconds: float) -> bool:
        return bool(self.redis.set(key, "1", nx=True, px=int(seconds * 1000)))

    def release(self, key: str) -> None:
        self.redis.delete(key)

    def swap(self, key: str, value: str, seconds: float) -> str | None:
        return self.redis.set(key, value, px=int(seconds * 1000), get=True)


@lru_cache(maxsize=2)
def _store(redis_url: str | None) -> LocalStore | RedisStore:
    return RedisStore(redis_url) if redis_url else LocalStore()


async def _run(default, operation, *args):
    """``operation(*args)`` off the event loop; ``default`` if the roster cannot be reached."""
    try:
        return await sync_to_async(operation, thread_sensitive=False)(*args)
    except Exception:
        log.warning("kanban presence: the roster could not be reached", exc_info=True)
        return default


def _entry(text: str) -> tuple[int, str, float] | None:
    """A roster entry as (employee id, name, when written), or None if it is not one the studio wrote."""
    try:
        employee_id, name, written = json.loads(text)
    except (TypeError, ValueError):
        return None
    if type(employee_id) is not int or not isinstance(name, str) or not isinstance(written, int | float):
        return None
    return employee_id, name, written


class Roster:
    """The open boards of one group."""

    def __init__(self, group: str):
        self.key = f"{settings.CHANNEL_LAYER_PREFIX}{group}.presence"
        self.store = _store(settings.REDIS_URL)

    async def enter(self, channel: str, viewer: Viewer) -> None:
        """Add or refresh the entry of the board on ``channel``."""
        entry = json.dumps([viewer.employee_id, viewer.name, time.time()])
        await _run(None, self.store.put, self.key, channel, entry)

    async def leave(self, channel: str) -> None:
        await _run(None, self.store.remove, self.key, channel)

    async def viewers(self) -> list[Viewer]:
        """Who has a board open, each employee once; entries not refreshed in time are dropped."""
        stored = await _run({}, self.store.entries, self.key)
        entries = {channel: _entry(text) for channel, text in stored.items()}
        cutoff = time.time() - FORGET_AFTER_SECONDS
        silent = [channel for channel, entry in entries.items() if entry is None or entry[2] < cutoff]
        if silent:
            await _run(None, self.store.remove, self.key, *silent)
        found = {entry[0]: entry[1] for channel, entry in entries.items() if channel not in silent}
        return [Viewer(employee_id, name) for employee_id, name in sorted(found.items())]

    async def claim(self, what: str, seconds: float) -> bool:
        """Whether this board is the one to do ``what`` now: True for one claimant until ``seconds`` pass
        or it releases the claim."""
        return await _run(False, self.store.claim, f"{self.key}.{what}", seconds)

    async def release(self, what: str) -> None:
        await _run(None, self.store.release, f"{self.key}.{what}")

    async def news(self, viewers: list[Viewer]) -> bool:
        """Whether ``viewers`` differ from who was last announced; they are the last announced from now."""
        summary = json.dumps([[viewer.employee_id, viewer.name] for viewer in viewers])
        previous = await _run(None, self.store.swap, f"{self.key}.announced", summary, FORGET_AFTER_SECONDS)
        return previous != summary


def names_for(viewers: list[Viewer], employee_id: int) -> list[str]:
    """The names a board of ``employee_id`` lists: everyone else looking, by name."""
    return sorted((viewer.name for viewer in viewers if viewer.employee_id != employee_id), key=str.casefold)
