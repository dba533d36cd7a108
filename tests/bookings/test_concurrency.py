"""Races for one slot: real threads behind a barrier, on whichever database the suite runs on."""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from bookings.errors import BookingConflict, TransitionRefused
from bookings.models import Booking, BookingState, BookingTransition
from bookings.services import booking_create, booking_transition
from tests.factories import BookingFactory, EquipmentFactory, SpaceFactory, studio_time

pytestmark = pytest.mark.django_db(transaction=True)


def race(count: int, attempt) -> dict[str, int]:
    """Run ``attempt(i)`` in ``count`` threads released at once; tally what each one ended with."""
    barrier = threading.Barrier(count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(i):
        try:
            barrier.wait()
            attempt(i)
            outcome = "ok"
        except BookingConflict:
            outcome = "conflict"
        except Exception as error:  # anything else is a failure the test reports by name
            outcome = f"{type(error).__name__}: {error}"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    tally: dict[str, int] = {}
    for outcome in outcomes:
        tally[outcome] = tally.get(outcome, 0) + 1
    return tally


def test_fifty_guests_racing_for_overlapping_times_leave_one_booking():
    space = SpaceFactory()
    start = studio_time(5, 10)

    def attempt(i):
        offset = timedelta(hours=i % 2)  # 10–12 and 11–13 overlap
        booking_create(by=None, space=space, start=start + offset, end=start + offset + timedelta(hours=2),
                       client_name=f"Guest {i}", client_phone=f"+7916{i:07d}")

    assert race(50, attempt) == {"ok": 1, "conflict": 49}
    assert Booking.objects.count() == 1


def test_twenty_staff_confirming_one_request_confirm_it_once(admin):
    booking = BookingFactory(space=SpaceFactory(), start=studio_time(5, 10), state=BookingState.PENDING)

    def attempt(i):
        try:
            booking_transition(booking=booking, to=BookingState.CONFIRMED, by=admin)
        except TransitionRefused:
            raise BookingConflict("already confirmed") from None

    assert race(20, attempt) == {"ok": 1, "conflict": 19}
    assert BookingTransition.objects.filter(booking=booking, to_state=BookingState.CONFIRMED).count() == 1
    booking.refresh_from_db()
    assert booking.state == BookingState.CONFIRMED and booking.version == 2


def test_equipment_stock_holds_when_many_spaces_race_for_it():
    softbox = EquipmentFactory(stock=3)
    spaces = [SpaceFactory() for _ in range(10)]
    start = studio_time(5, 10)

    def attempt(i):
        booking_create(by=None, space=spaces[i], start=start, end=start + timedelta(hours=2), client_name=f"Guest {i}",
                       client_phone=f"+7916{i:07d}", equipment={softbox: 1})

    assert race(10, attempt) == {"ok": 3, "conflict": 7}
    assert Booking.objects.count() == 3
