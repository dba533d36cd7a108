"""Several senders at once, and the queue: each row is sent once, and none is lost while Redis is down."""

import os
import socket
import threading
from collections import Counter
from unittest import mock

import pytest
import redis
from django.core.management import call_command

from bookings.models import Booking, BookingState
from bookings.services import booking_transition
from notifications import delivery, jobs
from notifications.models import Channel, Notification, Status
from tests.factories import BookingFactory, studio_time

from .conftest import guest_books

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_limits")]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_two_sweepers_at_once_send_each_row_once(telegram, space, settings):
    # Fifty cancellations, each told to a chat of its own (so the per-chat gap does not set the pace).
    for number in range(50):
        settings.TELEGRAM_CHAT_ID = str(9000 + number)
        booking = BookingFactory(space=space, start=studio_time(2 + number // 10, 9 + number % 10),
                                 end=studio_time(2 + number // 10, 10 + number % 10))
        with mock.patch("notifications.delivery.deliver_soon"):  # left for the sweepers alone
            booking_transition(booking=booking, to=BookingState.CANCELLED, by=None, reason="Guest called")
    assert Notification.objects.filter(channel=Channel.TELEGRAM, status=Status.QUEUED).count() == 50
    barrier = threading.Barrier(2)
    outcomes = []

    def sweeper():
        barrier.wait()
        try:
            outcomes.append(delivery.deliver_due(limit=5))
        finally:
            from django.db import connection

            connection.close()

    threads = [threading.Thread(target=sweeper) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    per_chat = Counter(call.body["chat_id"] for call in telegram.calls_to("sendMessage"))
    assert len(per_chat) == 50 and set(per_chat.values()) == {1}
    assert sum(outcome.get(Status.SENT, 0) for outcome in outcomes) == 50
    assert Notification.objects.filter(status=Status.SENT).count() == 50


def test_with_redis_unreachable_a_guest_booking_is_saved_and_its_message_goes_out_later(client, telegram, space,
                                                                                        settings, caplog):
    settings.RQ_ENABLED = True
    settings.RQ_QUEUES = {"default": {"URL": f"redis://127.0.0.1:{closed_port()}/0", "DEFAULT_TIMEOUT": 60}}
    response = guest_books(client)
    assert response.status_code == 201
    assert Booking.objects.count() == 1
    assert "queue unreachable" in caplog.text
    assert set(Notification.objects.values_list("status", flat=True)) == {Status.QUEUED}
    assert telegram.calls == []
    # The scheduler's safety net once the worker side is back (the sweeper needs no queue).
    call_command("deliver_notifications")
    assert len(telegram.sent()) == 1
    assert set(Notification.objects.values_list("status", flat=True)) == {Status.SENT}


@pytest.mark.redis
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL)")
def test_with_redis_each_notification_is_one_job_and_queued_ones_go_out_when_redis_is_back(
        client, telegram, space, settings):
    import django_rq
    from rq import SimpleWorker

    settings.RQ_ENABLED = True
    real_queues = {"default": {"URL": os.environ["REDIS_URL"], "DEFAULT_TIMEOUT": 60}}
    queue = django_rq.get_queue("default", connection=redis.Redis.from_url(os.environ["REDIS_URL"]))
    queue.empty()

    settings.RQ_QUEUES = {"default": {"URL": f"redis://127.0.0.1:{closed_port()}/0", "DEFAULT_TIMEOUT": 60}}
    guest_books(client)  # while Redis is down
    settings.RQ_QUEUES = real_queues
    guest_books(client, startTime="14:00", endTime="16:00", clientPhone="+7 916 765-43-21")  # Redis is back
    assert queue.count == 2, "one job per notification: the guest's email and the staff chat"
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    assert len(telegram.sent()) == 1
    # The scheduler's periodic job picks up what was queued while Redis was down.
    queue.enqueue(jobs.deliver_due)
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    assert len(telegram.sent()) == 2
    assert set(Notification.objects.values_list("status", flat=True)) == {Status.SENT}
