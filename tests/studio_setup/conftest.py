from datetime import timedelta

import pytest
from auditlog.context import disable_auditlog

from bookings.hours import OpeningHours
from bookings.models import BookingState
from tests.factories import BookingFactory, studio_time


@pytest.fixture
def week(db):
    """Open 09:00–21:00 every day, whatever the settings say: the tests read these hours."""
    with disable_auditlog():  # the scene, not a change anyone made
        OpeningHours.objects.all().delete()
        OpeningHours.objects.bulk_create(OpeningHours(weekday=day, opens_at=9, closes_at=21) for day in range(7))


@pytest.fixture
def booking_at(space):
    """``booking_at(days_ahead, hour, hours=2, **fields)``: a booking of the White Hall written straight to the
    database (a confirmed one unless told otherwise)."""

    def make(days_ahead=3, hour=10, hours=2, **fields):
        start = studio_time(days_ahead, hour)
        fields.setdefault("space", space)
        fields.setdefault("state", BookingState.CONFIRMED)
        return BookingFactory(start=start, end=start + timedelta(hours=hours), **fields)

    return make
