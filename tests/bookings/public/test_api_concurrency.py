"""Many guests (or one impatient website) posting for the same slot at the same moment."""

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from bookings.models import Booking
from tests.factories import studio_time

pytestmark = pytest.mark.django_db(transaction=True)

DAY = studio_time(3, 10)


@pytest.fixture(autouse=True)
def generous_limits(settings, fresh_limits):
    settings.PUBLIC_RATE_LIMITS = {}


def body(number: int) -> str:
    return json.dumps({
        "date": f"{DAY:%Y-%m-%d}", "startTime": "10:00", "endTime": "12:00", "space": "white",
        "clientName": f"Guest {number}", "clientPhone": f"+7 916 555-{number // 100:02d}-{number % 100:02d}",
        "consent": True,
    })


def race(bodies: list[str], headers: dict | None = None) -> list:
    """POST every body at once, one thread and one HTTP client each; the answers in thread order."""
    barrier = threading.Barrier(len(bodies))
    answers = [None] * len(bodies)

    def guest(index: int) -> None:
        client = Client()
        try:
            barrier.wait()
            answers[index] = client.post("/api/v1/bookings", bodies[index], content_type="application/json",
                                         headers=headers or {})
        finally:
            connection.close()

    threads = [threading.Thread(target=guest, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


def test_fifty_guests_racing_for_one_slot_get_one_booking(space):
    answers = race([body(number) for number in range(50)])
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [201] + [409] * 49
    assert Booking.objects.count() == 1
    conflicts = [answer.json()["error"] for answer in answers if answer.status_code == 409]
    assert all(error["code"] == "conflict" and error["conflict"] for error in conflicts)


def test_one_request_retried_concurrently_with_one_key_books_once(space):
    answers = race([body(7)] * 20, headers={"Idempotency-Key": "retry-7"})
    assert {answer.status_code for answer in answers} == {201}
    assert len({answer.json()["bookingReference"] for answer in answers}) == 1
    assert Booking.objects.count() == 1
