from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from bookings.availability import find_conflict, free_slots, longest_stay
from bookings.errors import BookingConflict
from bookings.models import MAX_CLEANUP_MINUTES, BookingState, Space, SpaceRate
from bookings.pricing import quote
from bookings.services import booking_create
from tests.factories import BookingFactory, CalendarBlockFactory, studio_time

pytestmark = pytest.mark.django_db


def hours(slots):
    return [slot.label for slot in slots]


def test_a_free_day_offers_every_opening_hour(space):
    assert hours(free_slots(space, studio_time(3).date())) == [f"{h:02d}:00" for h in range(9, 22)]


def test_bookings_blocks_and_cleanup_take_their_hours(space):
    space.cleanup_minutes = 30
    space.save()
    BookingFactory(space=space, start=studio_time(3, 10), end=studio_time(3, 12), occupied_until=studio_time(3, 12)
                   + timedelta(minutes=30))
    BookingFactory(space=space, start=studio_time(3, 14), end=studio_time(3, 15), state=BookingState.CANCELLED)
    CalendarBlockFactory(space=space, start=studio_time(3, 17), end=studio_time(3, 19))
    free = hours(free_slots(space, studio_time(3).date()))
    # 09:00 would run into the 10:00 booking's start once its own cleanup is added; 12:00 is cleanup time.
    assert free == ["13:00", "14:00", "15:00", "19:00", "20:00", "21:00"]
    assert longest_stay(studio_time(3, 13), free_slots(space, studio_time(3).date())) == 3


def test_hours_already_begun_are_not_offered(space):
    afternoon = studio_time(3, 15)
    with time_machine.travel(afternoon + timedelta(minutes=10)):
        assert hours(free_slots(space, afternoon.date()))[0] == "16:00"


def test_weekend_and_evening_rates_apply_hour_by_hour(space):
    saturday = studio_time(1, 17)
    while saturday.weekday() != 5:
        saturday += timedelta(days=1)
    SpaceRate.objects.create(space=space, label="Evening", start_hour=18, end_hour=22, hourly_rate=Decimal("3000"))
    SpaceRate.objects.create(space=space, label="Saturday", weekday=5, start_hour=9, end_hour=22,
                             hourly_rate=Decimal("4000"))
    friday = saturday - timedelta(days=1)
    # Friday 17–19: one base hour (2500) and one evening hour (3000).
    assert quote(space=space, start=friday, end=friday + timedelta(hours=2)).total_price == Decimal("5500")
    # Saturday: the weekday rate beats the every-day evening rate.
    assert quote(space=space, start=saturday, end=saturday + timedelta(hours=2)).total_price == Decimal("8000")


def test_days_beyond_the_booking_horizon_offer_nothing(space, settings):
    settings.BOOKING_HORIZON_DAYS = 10
    assert free_slots(space, studio_time(9).date())
    assert free_slots(space, studio_time(11).date()) == []


def test_a_cleanup_that_runs_into_the_next_morning_still_keeps_it(space):
    space.cleanup_minutes = MAX_CLEANUP_MINUTES
    space.save()
    booking_create(by=None, space=space, start=studio_time(3, 10), end=studio_time(3, 22), client_name="Long Shoot",
                   client_phone="+79161112233")
    # Twelve hours of cleanup after 22:00: the next day is free only from 10:00.
    assert hours(free_slots(space, studio_time(4).date()))[0] == "10:00"
    with pytest.raises(BookingConflict):
        find_conflict(space, studio_time(4, 9), studio_time(4, 10))


def test_a_hall_keeps_at_most_twelve_hours_for_cleanup(space):
    space.cleanup_minutes = MAX_CLEANUP_MINUTES + 1
    with pytest.raises(ValidationError) as refused:
        space.full_clean()
    assert "cleanup_minutes" in refused.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        Space.objects.filter(pk=space.pk).update(cleanup_minutes=MAX_CLEANUP_MINUTES + 1)
