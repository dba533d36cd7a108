"""What the cache may still hold of a person after their rows are erased: the public API keeps its answer to a
booking (with the phone in its Location) for retries for a day. ``cache_forget`` deletes every entry that
mentions one of the person's phones or emails, on the two caches the studio runs on (local memory, Redis)."""

import logging

import phonenumbers
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

log = logging.getLogger("studio.compliance")


def _needles(values: set[str]) -> list[bytes]:
    """What to look for: each email, and each phone's national number (inside every way of writing it)."""
    found = set()
    for value in values:
        if "@" in value:
            found.add(value.strip().lower())
            continue
        try:
            found.add(str(phonenumbers.parse(value, None).national_number))
        except phonenumbers.NumberParseException:
            found.add(value)
    return [needle.encode() for needle in found if len(needle) >= 5]


def _mentions(raw: bytes, needles: list[bytes]) -> bool:
    lowered = raw.lower()
    return any(needle in lowered or needle.replace(b"@", b"%40") in lowered for needle in needles)


def _forget_locmem(cache: LocMemCache, needles: list[bytes]) -> int:
    with cache._lock:
        keys = [key for key, raw in cache._cache.items() if _mentions(raw, needles)]
        for key in keys:
            cache._cache.pop(key, None)
            cache._expire_info.pop(key, None)
    return len(keys)


def _forget_redis(cache: RedisCache, needles: list[bytes]) -> int:
    client = cache._cache.get_client(write=True)
    keys = [key for key in client.scan_iter(match=cache.make_key("*"), count=500)
            if _mentions(client.get(key) or b"", needles)]
    if keys:
        client.delete(*keys)
    return len(keys)


def cache_forget(values: set[str]) -> int:
    """Delete the cache entries that mention any of ``values`` (phones in E.164, emails); how many."""
    needles = _needles(values)
    if not needles:
        return 0
    cache = caches["default"]
    if isinstance(cache, LocMemCache):
        return _forget_locmem(cache, needles)
    if isinstance(cache, RedisCache):
        return _forget_redis(cache, needles)
    log.warning("cache %s not searched for erased contact details", type(cache).__name__)
    return 0
