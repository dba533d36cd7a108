"""Booking the studio: how long one booking takes, how long a day's free slots take, and a race."""

import statistics
import threading
import time
from datetime import datetime, timedelta
from datetime import time as clock
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from bookings.availability import free_slots
from bookings.errors import BookingConflict
from bookings.models import Booking, Equipment, Space
from bookings.services import booking_create


def _day(offset: int) -> datetime:
    day = timezone.localdate() + timedelta(days=offset)
    return datetime.combine(day, clock(9), tzinfo=timezone.get_current_timezone())


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return f"median {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms (n={len(ordered)})"


def run() -> list[tuple[str, str]]:
    space = Space.objects.create(name="Bench Hall", slug="bench-hall", hourly_rate=Decimal("2000"))
    flash = Equipment.objects.create(name="Bench flash", price=Decimal("500"), stock=1000)
    figures = []

    timings = []
    for n in range(200):
        start = _day(2 + n // 13) + timedelta(hours=n % 13)
        began = time.perf_counter()
        booking_create(by=None, space=space, start=start, end=start + timedelta(hours=1), client_name=f"Guest {n}",
                       client_phone=f"+7916{n:07d}", equipment={flash: 1})
        timings.append(time.perf_counter() - began)
    figures.append(("booking_create (with equipment, on a busy space)", _ms(timings)))

    timings = []
    for n in range(200):
        began = time.perf_counter()
        free_slots(space, (_day(2 + n % 15)).date())
        timings.append(time.perf_counter() - began)
    figures.append(("free_slots for one day", _ms(timings)))

    race_space = Space.objects.create(name="Race Hall", slug="race-hall", hourly_rate=Decimal("2000"))
    start = _day(40) + timedelta(hours=2)
    barrier = threading.Barrier(50)
    outcomes = []

    def guest(i):
        barrier.wait()
        try:
            booking_create(by=None, space=race_space, start=start, end=start + timedelta(hours=2), client_name=f"Racer {i}",
                           client_phone=f"+7917{i:07d}")
            outcomes.append("booked")
        except BookingConflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    began = time.perf_counter()
    threads = [threading.Thread(target=guest, args=(i,)) for i in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    rows = Booking.objects.filter(space=race_space).count()
    figures.append(("50 guests racing for one slot", f"{elapsed * 1000:.0f} ms; {outcomes.count('booked')} booked, "
                                                     f"{outcomes.count('conflict')} conflicts, {rows} row(s)"))
    return figures
