"""Delivering the outbox: claim due rows, send each, record what happened.

A row is claimed by marking it ``sending`` with a lease (``next_attempt_at`` moves LEASE ahead) in a
short transaction, before any network call, so a second sender skips it. On PostgreSQL the claim selects
with ``FOR UPDATE SKIP LOCKED``: two sweepers (or a sweeper and a job) at the same moment take different
rows. SQLite has no row locks and Django leaves the clause out there, but every transaction is IMMEDIATE
(studio_crm/settings.py): the claim takes the database's single write lock at BEGIN, so the second
claimer reads only after the first has committed its ``sending`` marks. A sender that dies mid-send
leaves its rows ``sending``; once the lease runs out they are due again (sent at least once, never lost).

Failures are retried with exponential back-off and jitter; after NOTIFICATION_MAX_ATTEMPTS a row is dead
with its last error. A rate limit or Telegram's 429 is not the message's fault: the row waits and the
attempt is not counted.
"""

import logging
import random
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from studio_crm import metrics

from . import background, emails, telegram
from .errors import ProviderError, RetryLater, Undeliverable
from .models import OPEN_STATUSES, Channel, Notification, Status

log = logging.getLogger("studio.notifications")

# Longer than any one send can take (Telegram's and the mail server's timeouts, a rate-limit sleep).
LEASE = timedelta(minutes=5)
BACKOFF_FIRST_SECONDS = 30
BACKOFF_LONGEST_SECONDS = 60 * 60
BATCH = 100
SENDERS = {Channel.TELEGRAM: telegram.send_notification, Channel.EMAIL: emails.send_notification}


def backoff_seconds(attempts: int, rng: random.Random | None = None) -> float:
    """How long a row waits after its ``attempts``-th failure: 30 s, 1 min, 2 min … at most an hour, each
    between half and all of that ("equal jitter"), so rows that failed together do not retry together."""
    ceiling = min(BACKOFF_LONGEST_SECONDS, BACKOFF_FIRST_SECONDS * 2 ** max(attempts - 1, 0))
    return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)


def _due(now) -> Q:
    return Q(status__in=OPEN_STATUSES, next_attempt_at__lte=now)


def claim(*, limit: int = BATCH, pk: int | None = None) -> list[Notification]:
    """Up to ``limit`` due rows (or row ``pk``, if due), marked sending under a lease; with their booking."""
    now = timezone.now()
    due = Notification.objects.filter(_due(now))
    if pk is not None:
        due = due.filter(pk=pk)
    # A plain read first: nothing due costs no write lock (SQLite has one for the whole database).
    if not due.exists():
        return []
    with transaction.atomic():
        ids = list(due.select_for_update(skip_locked=True).order_by("next_attempt_at", "pk")
                   .values_list("pk", flat=True)[:limit])
        Notification.objects.filter(pk__in=ids).update(status=Status.SENDING, next_attempt_at=now + LEASE)
    return list(Notification.objects.filter(pk__in=ids).select_related("booking__space").order_by("next_attempt_at", "pk"))


def _finish(notification: Notification, *, status: str, attempted: bool, wait: float = 0.0, error: str = "") -> None:
    metrics.NOTIFICATION_DELIVERIES.labels(channel=notification.channel, outcome=status).inc()
    now = timezone.now()
    Notification.objects.filter(pk=notification.pk, status=Status.SENDING).update(
        status=status,
        attempts=F("attempts") + int(attempted),
        next_attempt_at=now + timedelta(seconds=wait),
        last_error=error[:1000],
        sent_at=now if status == Status.SENT else None,
        updated_at=now,
    )


def _failed(notification: Notification, error: Exception) -> str:
    attempts = notification.attempts + 1
    # The providers' own errors say what happened in words; anything else is named by its class, for whoever
    # fixes it.
    text = str(error) if isinstance(error, ProviderError) else f"{type(error).__name__}: {error}"
    if attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
        _finish(notification, status=Status.DEAD, attempted=True, error=text)
        log.error("notification %s dead after %s attempts: %s", notification.pk, attempts, text)
        return Status.DEAD
    _finish(notification, status=Status.FAILED, attempted=True, wait=backoff_seconds(attempts), error=text)
    log.warning("notification %s failed (attempt %s): %s", notification.pk, attempts, text)
    return Status.FAILED


def send_claimed(notification: Notification) -> str:
    """Send one claimed row and record the outcome; the status it ends in."""
    try:
        SENDERS[notification.channel](notification)
    except RetryLater as wait:
        _finish(notification, status=Status.QUEUED, attempted=False, wait=wait.seconds, error=str(wait))
        return Status.QUEUED
    except Undeliverable as error:
        _finish(notification, status=Status.DEAD, attempted=True, error=str(error))
        log.error("notification %s undeliverable: %s", notification.pk, error)
        return Status.DEAD
    except Exception as error:  # whatever went wrong is kept on the row and tried again; the sweep goes on
        return _failed(notification, error)
    _finish(notification, status=Status.SENT, attempted=True)
    return Status.SENT


def deliver_one(notification_id: int) -> str | None:
    """The job after a commit: send row ``notification_id`` if it is still due (another sender may have it)."""
    for notification in claim(limit=1, pk=notification_id):
        return send_claimed(notification)
    return None


def deliver_due(*, limit: int = BATCH, batches: int = 50) -> dict[str, int]:
    """The sweeper: send what is due, ``limit`` rows a claim, at most ``batches`` claims; counts by outcome."""
    outcomes: dict[str, int] = {}
    for _ in range(batches):
        claimed = claim(limit=limit)
        for notification in claimed:
            outcome = send_claimed(notification)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if len(claimed) < limit:
            break
    return outcomes


def _enqueue(ids: list[int]) -> None:
    import django_rq
    from redis.exceptions import RedisError
    from rq import Queue

    try:
        queue = django_rq.get_queue("default")
        # A job nobody ran within a day is dropped: the sweeper has long since sent its row.
        queue.enqueue_many([Queue.prepare_data("notifications.jobs.deliver_notification", args=(pk,),
                                               ttl=24 * 60 * 60, result_ttl=0) for pk in ids])
    except RedisError as error:
        log.warning("queue unreachable (%s): %s notification(s) wait for the sweeper", type(error).__name__, len(ids))


def deliver_soon(ids: list[int]) -> None:
    """After a commit: one job per row on the RQ queue (with Redis), else a background thread of this process.

    Nothing here waits for Telegram or the mail server; if the queue is down the rows wait for the sweeper.
    """
    if not ids:
        return
    if settings.RQ_ENABLED:
        _enqueue(ids)
        return
    for pk in ids:
        background.run_soon(deliver_one, pk)


def deliver_soon_by_key(dedupe_keys: list[str]) -> None:
    deliver_soon(list(Notification.objects.filter(dedupe_key__in=dedupe_keys, status=Status.QUEUED)
                      .values_list("pk", flat=True)))
