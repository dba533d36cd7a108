"""Idempotent POSTs: a request retried with the same ``Idempotency-Key`` gets the first answer again.

The first response to a key is kept in the cache for ``settings.IDEMPOTENCY_TTL_SECONDS`` together
with a hash of the request body. A retry with the same body is answered from the cache (same status,
same body, header ``Idempotent-Replayed: true``); the same key with a different body is refused with
422 ``idempotency_key_reused``. While the first request is still running, duplicates wait for its
answer: ``cache.add`` is the lock, so two duplicates arriving together never both run.
Answers that a retry should not repeat are not kept: 429, 5xx, and 409 (the time was taken; a
retry after it frees up must book).

A booking never depends on the cache: when it is unreachable the request simply runs, without the
replay protection, and the failure is logged.
"""

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext

KEY_MAX_LENGTH = 255
LOCK_SECONDS = 30
WAIT_SECONDS = 10
POLL_SECONDS = 0.05
NOT_KEPT = {409, 429}

logger = logging.getLogger("studio.idempotency")


@dataclass
class Answer:
    status: int
    body: dict
    headers: dict = field(default_factory=dict)
    replayed: bool = False


class IdempotencyError(Exception):
    def __init__(self, status: int, code: str, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.retry_after = status, code, message, retry_after


def valid_key(key: str) -> bool:
    return 0 < len(key) <= KEY_MAX_LENGTH and key.isprintable() and key.isascii()


def _storage_key(key: str) -> str:
    return "idempotency:" + hashlib.sha256(key.encode()).hexdigest()


def _replay(stored: dict, fingerprint: str) -> Answer:
    if stored["fingerprint"] != fingerprint:
        raise IdempotencyError(
            422, "idempotency_key_reused",
            gettext("This Idempotency-Key was already used with a different request body. "
                    "Use a new key for a new request."),
        )
    return Answer(stored["status"], stored["body"], stored.get("headers", {}), replayed=True)


def run_once(key: str, body: bytes, run: Callable[[], Answer]) -> Answer:
    """``run()`` at most once per key (within the keeping time); later calls get its answer."""
    if not valid_key(key):
        raise IdempotencyError(400, "invalid_idempotency_key",
                               gettext("Idempotency-Key must be 1 to %(limit)s printable ASCII characters.")
                               % {"limit": KEY_MAX_LENGTH})
    fingerprint = hashlib.sha256(body).hexdigest()
    storage_key = _storage_key(key)
    lock_key = storage_key + ":lock"
    try:
        stored = _first_answer_or_lock(storage_key, lock_key, fingerprint)
    except IdempotencyError:
        raise
    except Exception:  # the cache is unreachable: book anyway rather than refuse the guest
        logger.warning("Idempotency skipped: the cache is unavailable.", exc_info=True)
        return run()
    if stored is not None:
        return _replay(stored, fingerprint)
    try:
        stored = _quietly(cache.get, storage_key)  # finished between our read and taking the lock
        if stored is not None:
            return _replay(stored, fingerprint)
        answer = run()
        if answer.status < 500 and answer.status not in NOT_KEPT:
            _quietly(cache.set, storage_key,
                     {"fingerprint": fingerprint, "status": answer.status, "body": answer.body, "headers": answer.headers},
                     settings.IDEMPOTENCY_TTL_SECONDS)
        return answer
    finally:
        _quietly(cache.delete, lock_key)


def _first_answer_or_lock(storage_key: str, lock_key: str, fingerprint: str) -> dict | None:
    """The stored first answer, or None once this request holds the key's lock (waiting for a running duplicate)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        stored = cache.get(storage_key)
        if stored is not None:
            return stored
        if cache.add(lock_key, fingerprint, LOCK_SECONDS):
            return None
        if time.monotonic() >= deadline:
            raise IdempotencyError(409, "idempotency_in_progress",
                                   gettext("A request with this Idempotency-Key is still being processed."),
                                   retry_after=1)
        time.sleep(POLL_SECONDS)


def _quietly(operation, *args):
    """A cache call whose failure must not turn a booking into an error; None when it fails."""
    try:
        return operation(*args)
    except Exception:
        logger.warning("Idempotency cache call failed.", exc_info=True)
        return None
