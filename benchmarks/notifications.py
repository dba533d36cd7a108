"""The notifications outbox: how fast the sweeper empties it, that Telegram's per-chat limits hold, and what
writing the outbox adds to a booking.

- 10,000 queued guest emails through the local-memory email backend (rendering, sending, recording);
- 10,000 queued Telegram messages to the stand-in Bot API (tests/notifications/telegram_stub.py, a local
  HTTP server), each to a chat of its own so that the per-chat gap does not set the pace, by two sweepers
  at once; the stand-in counts how often each message arrived;
- messages to one private chat and to one group chat: the gaps the stand-in saw between them;
- booking_create with and without the outbox's receiver connected (a guest with an email and the staff
  chat configured: two rows), the hand-off after the commit left out so that no delivery runs meanwhile.
"""

import statistics
import threading
import time
from collections import Counter
from contextlib import contextmanager, nullcontext
from datetime import datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from unittest import mock

from django.db import connection
from django.test import override_settings
from django.utils import timezone

from bookings.models import Booking, Space
from bookings.services import booking_create
from bookings.signals import booking_recorded
from notifications import delivery, receivers
from notifications.models import Audience, Channel, Kind, Notification, Status

MESSAGES = 10_000


def _start(offset: int) -> datetime:
    day = timezone.localdate() + timedelta(days=offset)
    return datetime.combine(day, clock(9), tzinfo=timezone.get_current_timezone())


def _queue(bookings: list[Booking], *, channel: str, recipient, prefix: str) -> None:
    audience = Audience.GUEST if channel == Channel.EMAIL else Audience.STAFF
    kind = Kind.REQUESTED if channel == Channel.EMAIL else Kind.CANCELLED
    Notification.objects.bulk_create(
        (Notification(kind=kind, channel=channel, audience=audience, booking=bookings[n % len(bookings)],
                      recipient=recipient(n), payload={"version": 1, "reason": "Guest called"},
                      dedupe_key=f"{prefix}:{n}") for n in range(MESSAGES)),
        batch_size=1000,
    )


def _sweep(sweepers: int = 1) -> float:
    """Seconds for ``sweepers`` sweepers side by side to empty the outbox."""
    barrier = threading.Barrier(sweepers)

    def sweeper():
        barrier.wait()
        try:
            while delivery.deliver_due(limit=100, batches=1000):
                pass
        finally:
            connection.close()

    began = time.perf_counter()
    threads = [threading.Thread(target=sweeper) for _ in range(sweepers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


@contextmanager
def _without_outbox():
    """booking_create as before the outbox: its receiver disconnected."""
    booking_recorded.disconnect(dispatch_uid="notifications.booking_recorded")
    try:
        yield
    finally:
        booking_recorded.connect(receivers.booking_recorded, dispatch_uid="notifications.booking_recorded")


def _bookings(space: Space, count: int, offset: int) -> list[Booking]:
    """Bookings to hang queued rows on, written without rows of their own."""
    with _without_outbox():
            return [booking_create(by=None, space=space, start=_start(offset + n // 13) + timedelta(hours=n % 13),
                               end=_start(offset + n // 13) + timedelta(hours=n % 13 + 1), client_name=f"Guest {n}",
                               client_phone=f"+7918{n:07d}") for n in range(count)]


def _email_figure(space: Space) -> tuple[str, str]:
    from django.core import mail

    _queue(_bookings(space, 20, 2), channel=Channel.EMAIL, recipient=lambda n: f"guest{n}@example.com", prefix="bench-email")
    seconds = _sweep()
    sent = len(mail.outbox)
    mail.outbox.clear()
    return (f"{MESSAGES:,} queued guest emails, 1 sweeper (local-memory backend)",
            f"{MESSAGES / seconds:,.0f} per second ({seconds:.1f} s, {sent:,} sent)")


def _telegram_figures(space: Space, stub) -> list[tuple[str, str]]:
    _queue(_bookings(space, 20, 5), channel=Channel.TELEGRAM, recipient=lambda n: str(10_000_000 + n),
           prefix="bench-telegram")
    seconds = _sweep(sweepers=2)
    arrivals = Counter(call.body["chat_id"] for call in stub.calls_to("sendMessage"))
    twice = sum(1 for count in arrivals.values() if count > 1)
    figures = [(f"{MESSAGES:,} queued Telegram messages to as many chats, 2 sweepers",
                f"{MESSAGES / seconds:,.0f} per second ({seconds:.1f} s, {sum(arrivals.values()):,} arrived, "
                f"{twice} twice)")]
    for chat, count, label in (("4242", 5, "one private chat"), ("-4242", 3, "one group chat")):
        booking = Booking.objects.filter(space=space).first()
        Notification.objects.bulk_create(
            Notification(kind=Kind.CANCELLED, channel=Channel.TELEGRAM, audience=Audience.STAFF, booking=booking,
                         recipient=chat, payload={"reason": "Guest called"}, dedupe_key=f"bench-chat:{chat}:{n}")
            for n in range(count))
        seconds = _sweep()
        times = sorted(call.at for call in stub.calls_to("sendMessage") if call.body["chat_id"] == chat)
        gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
        figures.append((f"{count} Telegram messages to {label}",
                        f"delivered in {seconds:.1f} s, smallest gap {min(gaps):.2f} s"))
    return figures


def _book(space: Space, n: int, *, outbox: bool) -> float:
    start = _start(30 + n // 13) + timedelta(hours=n % 13)
    with nullcontext() if outbox else _without_outbox():
        began = time.perf_counter()
        booking_create(by=None, space=space, start=start, end=start + timedelta(hours=1), client_name=f"Guest {n}",
                       client_phone=f"+7919{n:07d}", client_email=f"guest{n}@example.com")
        return time.perf_counter() - began


def _queries(action) -> int:
    """How many queries ``action()`` runs, after-commit ones included."""
    executed = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        action()
    return len(executed)


def _outbox_cost(space: Space) -> tuple[str, str]:
    """Bookings made alternately without and with the receiver, so that the database's growth and the
    machine's other load weigh on both alike; then one of each with its queries counted."""
    timings: dict[bool, list[float]] = {False: [], True: []}
    queries: dict[bool, int] = {}
    with mock.patch("notifications.delivery.deliver_soon"):
        for n in range(300):
            timings[n % 2 == 1].append(_book(space, n, outbox=n % 2 == 1))
        for n, outbox in ((300, False), (301, True)):
            queries[outbox] = _queries(lambda n=n, outbox=outbox: _book(space, n, outbox=outbox))
    # Rows written only to be counted, never to be sent.
    rows, _ = Notification.objects.filter(dedupe_key__startswith=f"{Kind.REQUESTED}:").delete()
    without, with_outbox = statistics.median(timings[False]), statistics.median(timings[True])
    return ("booking_create without / with the outbox (2 rows a booking)",
            f"median {without * 1000:.2f} / {with_outbox * 1000:.2f} ms, +{(with_outbox - without) * 1000:.2f} ms "
            f"and {queries[True] - queries[False]} queries a booking (n={len(timings[True])} each, {rows} rows)")


def run() -> list[tuple[str, str]]:
    from tests.notifications.telegram_stub import TelegramStub

    stub = TelegramStub().start()
    space = Space.objects.create(name="Outbox Hall", slug="outbox-hall", hourly_rate=Decimal("2000"))
    try:
        with override_settings(TELEGRAM_API_URL=stub.url, TELEGRAM_BOT_TOKEN="4242:bench", TELEGRAM_CHAT_ID="-4242",
                               RQ_ENABLED=False):
            figures = [_email_figure(space), *_telegram_figures(space, stub), _outbox_cost(space)]
    finally:
        stub.stop()
    leftover = Notification.objects.exclude(status=Status.SENT).count()
    figures.append(("rows the sweepers left unsent", str(leftover)))
    return figures
