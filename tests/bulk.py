"""Many rows at once, and the queries a page runs over them: for the tests that pin a list page to a
fixed number of queries whatever the row count."""

import itertools
from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import Booking, BookingSource, BookingState, Client
from bookings.pii import blind_index
from tests.factories import studio_time

PHONE_NUMBERS = itertools.count(1)


def bulk_bookings(space, count, *, clients=20, prefix="B"):
    """``count`` one-hour bookings of ``space``, back to back after those it has, from 40 days ago."""
    offset = Booking.objects.filter(space=space).count()
    phones = [f"+7925{next(PHONE_NUMBERS):07d}" for _ in range(clients)]
    people = Client.objects.bulk_create(
        Client(name=f"Guest {prefix}{i}", phone=phone, phone_index=blind_index(phone)) for i, phone in enumerate(phones)
    )
    states = [BookingState.COMPLETED, BookingState.CONFIRMED, BookingState.PENDING, BookingState.CANCELLED,
              BookingState.NO_SHOW]
    rows = []
    for i in range(count):
        slot = offset + i
        start = studio_time(-40 + slot // 12, 9 + slot % 12)
        client = people[i % clients]
        rows.append(Booking(
            reference=f"REF-BULK-{prefix}{space.pk}-{i:05d}", space=space, client=client, start=start,
            end=start + timedelta(hours=1), occupied_until=start + timedelta(hours=1), state=states[i % 5],
            client_name=client.name, client_phone=client.phone, client_phone_index=client.phone_index,
            base_price=Decimal(1000), total_price=Decimal(1000), source=BookingSource.PHONE,
        ))
    return Booking.objects.bulk_create(rows)


def queries_for(client, url) -> int:
    """The queries a second request of ``url`` runs (the first records the employee's activity)."""
    client.get(url)
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context)
