"""Staff pages with few and many bookings: queries and render time must not grow with the rows."""

import statistics
import time
from datetime import datetime, timedelta
from datetime import time as clock
from decimal import Decimal

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.models import Booking, BookingState, Space
from bookings.pii import blind_index
from employees.models import Employee, Role
from tests.signing_in import mark_verified

PAGES = ["/bookings/", "/bookings/?q=Guest", "/clients/", "/clients/?sort=spent", "/dashboard/",
         "/calendar/?view=week", "/calendar/?view=month", "/kanban/"]


def _seed(count: int, step: int) -> None:
    """``count`` confirmed one-hour bookings over the week around today, as many halls as that takes
    (thirteen opening hours a day, seven days a hall: no two bookings of a hall overlap)."""
    from bookings.models import Client as Guest

    zone = timezone.get_current_timezone()
    today = timezone.localdate()
    per_space = 13 * 7
    spaces = [
        Space.objects.create(name=f"Page Hall {step}-{n}", slug=f"page-hall-{step}-{n}", hourly_rate=Decimal("2000"))
        for n in range(-(-count // per_space))
    ]
    offset = step * 100_000
    guests = Guest.objects.bulk_create(
        Guest(name=f"Guest {offset + n}", phone=f"+7915{offset + n:07d}", phone_index=blind_index(f"+7915{offset + n:07d}"))
        for n in range(max(count // 3, 1))
    )
    rows = []
    for n in range(count):
        slot = n % per_space
        start = datetime.combine(today + timedelta(days=slot // 13 - 3), clock(9 + slot % 13), tzinfo=zone)
        guest = guests[n % len(guests)]
        rows.append(Booking(
            reference=f"REF-B{offset + n:07d}", space=spaces[n // per_space], client=guest, start=start,
            end=start + timedelta(hours=1), occupied_until=start + timedelta(hours=1), state=BookingState.CONFIRMED,
            client_name=guest.name, client_phone=guest.phone, client_phone_index=guest.phone_index,
            total_price=Decimal("2000"),
        ))
    Booking.objects.bulk_create(rows)


def _measure(client: Client, path: str) -> tuple[int, float]:
    timings = []
    for _ in range(3):
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            response = client.get(path)
            timings.append(time.perf_counter() - began)
        assert response.status_code == 200, (path, response.status_code)
    return len(queries.captured_queries), statistics.median(timings)


def run() -> list[tuple[str, str]]:
    owner = Employee.objects.create(username="bench-owner", full_name="Bench Owner", email="bench@example.com",
                                    role=Role.OWNER)
    client = Client()
    client.force_login(owner)
    session = client.session
    mark_verified(session, owner)
    session.save()
    figures = []
    results: dict[str, dict[int, tuple[int, float]]] = {path: {} for path in PAGES}
    for step, count in enumerate((10, 1000)):
        Booking.objects.all().delete()
        Space.objects.filter(slug__startswith="page-hall-").update(is_active=False)
        _seed(count, step)
        for path in PAGES:
            results[path][count] = _measure(client, path)
    for path in PAGES:
        (q10, t10), (q1000, t1000) = results[path][10], results[path][1000]
        figures.append((f"{path}: queries / render, 10 → 1,000 bookings",
                        f"{q10} / {t10 * 1000:.0f} ms → {q1000} / {t1000 * 1000:.0f} ms"))
    return figures
