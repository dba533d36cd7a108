"""The website's free hours are kept between asks, and every change that frees or takes an hour shows at once."""

import threading
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from bookings import free_hours_cache
from bookings.hours import OpeningHours, SpecialDay
from bookings.models import Booking, BookingState, SpaceRate
from bookings.services import block_create, block_delete, booking_transition, booking_update
from tests.factories import BookingFactory, studio_time

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_limits")]

DAY = studio_time(2, 10)


def answer(client, slug="white", day=DAY):
    response = client.get(f"/api/v1/availability?space={slug}&date={day:%Y-%m-%d}")
    assert response.status_code == 200, response.content
    return response.json()


def starts(client, slug="white", day=DAY):
    return [slot["startTime"] for slot in answer(client, slug, day)["slots"]]


def test_a_second_ask_is_answered_without_reading_the_database(client, space, django_assert_num_queries):
    BookingFactory(space=space, start=DAY, end=DAY + timedelta(hours=2))
    first = answer(client)
    with django_assert_num_queries(0):
        again = answer(client)
    assert again == first and "10:00" not in [slot["startTime"] for slot in again["slots"]]


def test_a_guest_booking_takes_its_hours_from_the_next_answer(client, space):
    assert {"10:00", "11:00"} <= set(starts(client))
    booked = client.post("/api/v1/bookings", {
        "date": f"{DAY:%Y-%m-%d}", "startTime": "10:00", "endTime": "12:00", "space": "white",
        "clientName": "Irina Petrova", "clientPhone": "+7 916 123-45-67", "consent": True,
    }, content_type="application/json")
    assert booked.status_code == 201
    assert not {"10:00", "11:00"} & set(starts(client))


def test_a_cancelled_booking_gives_its_hours_back(client, space, owner):
    booking = BookingFactory(space=space, start=DAY, end=DAY + timedelta(hours=2), state=BookingState.CONFIRMED)
    assert "10:00" not in starts(client)
    booking_transition(booking=booking, to=BookingState.CANCELLED, by=owner, reason="Client called")
    assert "10:00" in starts(client)


def test_a_booking_moved_to_another_hall_frees_the_first_and_takes_the_second(client, studio, owner):
    white, loft = studio["white"], studio["loft"]
    booking = BookingFactory(space=white, start=DAY, end=DAY + timedelta(hours=2), state=BookingState.CONFIRMED)
    assert "10:00" not in starts(client, "white") and "10:00" in starts(client, "loft")
    loaded = Booking.objects.get(pk=booking.pk)
    booking_update(booking=loaded, version=loaded.version, by=owner, space=loft)
    assert "10:00" in starts(client, "white") and "10:00" not in starts(client, "loft")


def test_a_block_closes_its_hours_and_reopens_them_when_removed(client, space, owner):
    assert "14:00" in starts(client)
    block = block_create(space=space, start=DAY + timedelta(hours=4), end=DAY + timedelta(hours=6), by=owner)
    assert not {"14:00", "15:00"} & set(starts(client))
    block_delete(block=block, by=owner)
    assert {"14:00", "15:00"} <= set(starts(client))


def test_a_new_rate_prices_the_next_answer(client, space):
    assert {slot["hourlyRate"] for slot in answer(client)["slots"]} == {"2500.00"}
    SpaceRate.objects.create(space=space, label="Evening", start_hour=18, end_hour=22, hourly_rate=Decimal("3000"))
    rates = {slot["startTime"]: slot["hourlyRate"] for slot in answer(client)["slots"]}
    assert (rates["17:00"], rates["18:00"]) == ("2500.00", "3000.00")


def test_the_halls_cleanup_time_and_closing_show_at_once(client, space):
    afternoon = DAY + timedelta(hours=4)
    BookingFactory(space=space, start=afternoon, end=afternoon + timedelta(hours=2), state=BookingState.CONFIRMED)
    assert "13:00" in starts(client)
    space.cleanup_minutes = 60
    space.save()
    assert "13:00" not in starts(client)  # an hour from 13:00 and its cleanup would run into the 14:00 booking
    space.is_active = False
    space.save()
    gone = client.get(f"/api/v1/availability?space=white&date={DAY:%Y-%m-%d}")
    assert gone.status_code == 404


def test_the_studios_hours_and_special_days_show_at_once(client, space):
    assert starts(client)[0] == "09:00"
    row = OpeningHours.objects.get(weekday=DAY.weekday())
    row.opens_at = 12
    row.save()
    assert starts(client)[0] == "12:00"
    SpecialDay.objects.create(date=DAY.date(), is_closed=True, note="Inventory")
    assert starts(client) == []


def test_an_hour_that_begins_is_no_longer_offered(client, space):
    day = (timezone.localdate() + timedelta(days=10))
    half_past_ten = datetime.combine(day, datetime.min.time().replace(hour=10, minute=30),
                                     tzinfo=timezone.get_current_timezone())
    with time_machine.travel(half_past_ten, tick=False):
        assert starts(client, day=day)[0] == "11:00"
    with time_machine.travel(half_past_ten + timedelta(hours=1), tick=False):
        assert starts(client, day=day)[0] == "12:00"


def test_a_version_lost_from_the_cache_never_makes_an_old_answer_current(client, space):
    booking = BookingFactory(space=space, start=DAY, end=DAY + timedelta(hours=2), state=BookingState.CONFIRMED)
    assert "10:00" not in starts(client)
    # A change no receiver sees, then the hall's version evicted: the kept answer must not come back.
    Booking.objects.filter(pk=booking.pk).update(state=BookingState.CANCELLED)
    cache.delete(free_hours_cache.hall_key(space.pk))
    assert "10:00" in starts(client)


def test_while_the_cache_is_down_the_answer_comes_from_the_database(client, space, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    for name in ("get_many", "get", "set", "add"):
        monkeypatch.setattr(cache, name, down)
    assert "10:00" in starts(client)
    BookingFactory(space=space, start=DAY, end=DAY + timedelta(hours=2), state=BookingState.CONFIRMED)
    assert "10:00" not in starts(client)


@pytest.mark.skipif(not settings.IS_POSTGRES, reason="two connections at once: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_an_answer_computed_by_another_process_before_a_booking_commits_is_not_kept(space):
    """Between the booking's first new version and its commit, another process reads the old rows and keeps
    an answer under the new version; the version given once the booking commits sets that answer aside."""
    guest = Client()
    with transaction.atomic():
        BookingFactory(space=space, start=DAY, end=DAY + timedelta(hours=2), state=BookingState.CONFIRMED)
        seen = []

        def ask_from_another_connection():
            try:
                seen.append(starts(guest))
            finally:
                connection.close()

        other = threading.Thread(target=ask_from_another_connection)
        other.start()
        other.join()
        assert "10:00" in seen[0]  # the other connection cannot see the booking yet
    assert "10:00" not in starts(guest)
