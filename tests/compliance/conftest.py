from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from bookings.models import BookingState
from bookings.services import Consent, booking_create
from notifications import background
from tests.factories import BookingFactory, ClientFactory

YEAR = timedelta(days=365)


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    """Deliveries in this process, as on the embedded defaults; the cached policy version and rate limits
    start empty (with Redis the cache outlives a test)."""
    settings.RQ_ENABLED = False
    cache.clear()
    yield
    background.wait_idle(10)
    cache.clear()


def past_booking(space, *, years_ago: float, client=None, state=BookingState.COMPLETED, **fields):
    """A booking that ended about ``years_ago`` years ago, written straight to the database."""
    start = (timezone.now() - YEAR * years_ago).replace(minute=0, second=0, microsecond=0)
    client = client or ClientFactory()
    return BookingFactory(space=space, client=client, start=start, end=start + timedelta(hours=2), state=state,
                          **fields)


@pytest.fixture
def guest_booking(space):
    """``guest_booking(name, phone, email, days=3)``: a pending booking made through the service, as a guest."""
    def make(name="Irina Petrova", phone="+7 916 555-01-37", email="irina@example.com", days=3, hour=10):
        start = timezone.localtime().replace(hour=hour, minute=0, second=0, microsecond=0) + timedelta(days=days)
        return booking_create(by=None, space=space, start=start, end=start + timedelta(hours=2), client_name=name,
                              client_phone=phone, client_email=email, special_requirements="White backdrop",
                              consent=Consent("2026-01", timezone.now(), "203.0.113.7"))
    return make
