"""A studio in a zone with daylight saving: an hour is an hour, whatever the wall clock does."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from bookings.availability import free_slots
from bookings.services import booking_create

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
SPRING_FORWARD = datetime(2027, 3, 28, tzinfo=BERLIN).date()  # 02:00 becomes 03:00


@pytest.fixture
def berlin_all_day(settings, studio_hours):
    settings.TIME_ZONE = "Europe/Berlin"
    studio_hours(0, 24)
    with timezone.override(BERLIN), time_machine.travel(datetime(2027, 3, 1, 12, tzinfo=BERLIN)):
        yield


def test_the_short_day_has_twenty_three_hours(berlin_all_day, space):
    labels = [slot.label for slot in free_slots(space, SPRING_FORWARD)]
    assert len(labels) == 23
    assert "02:00" not in labels and labels[:3] == ["00:00", "01:00", "03:00"]


def test_a_booking_across_the_change_is_charged_for_the_hours_it_lasts(berlin_all_day, space):
    start = datetime(2027, 3, 28, 1, tzinfo=BERLIN)
    end = datetime(2027, 3, 28, 4, tzinfo=BERLIN)  # three hours on the wall clock, two in reality
    booking = booking_create(by=None, space=space, start=start, end=end, client_name="Hans", client_phone="+4915112345678")
    assert booking.duration_hours == 2
    assert booking.total_price == 2 * space.hourly_rate
    assert booking.end - booking.start == timedelta(hours=2)
