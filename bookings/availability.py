"""Which whole hours of a space are free, and the rules a booking's time must follow."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from .errors import BookingConflict, local_range
from .models import ACTIVE_STATES, MAX_CLEANUP_MINUTES, Booking, BookingEquipment, CalendarBlock, Space

HOUR = timedelta(hours=1)
# A booking lies inside one day's opening hours (validate_booking_time), and no day is longer than 25 hours
# (the night the clocks go back), whatever BOOKING_MAX_HOURS was when it was made. With its cleanup it holds the
# hall at most LONGEST_HOLD: a booking that overlaps a time began less than that before it. Every overlap
# check says so (``start__gt``), so it reads only the rows near that time through the (space, start) or
# (state, start) index, never the years of history before it.
LONGEST_BOOKING = timedelta(hours=25)
LONGEST_HOLD = LONGEST_BOOKING + timedelta(minutes=MAX_CLEANUP_MINUTES)


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC. Python adds and compares aware datetimes of one zone on the wall clock, which
    is wrong across a daylight-saving change; in UTC an hour is always an hour."""
    if timezone.is_naive(moment):
        raise ValueError("Booking times must be timezone-aware.")
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime

    @property
    def label(self) -> str:
        return f"{timezone.localtime(self.start):%H:%M}"


def opening_hours(day: date) -> tuple[datetime, datetime]:
    """The studio's opening and closing time on ``day``, aware, in the studio's zone."""
    zone = timezone.get_current_timezone()
    opens = datetime.combine(day, time(settings.STUDIO_OPENS_AT), tzinfo=zone)
    if settings.STUDIO_CLOSES_AT >= 24:
        closes = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    else:
        closes = datetime.combine(day, time(settings.STUDIO_CLOSES_AT), tzinfo=zone)
    return opens, closes


def validate_booking_time(start: datetime, end: datetime, *, now: datetime | None = None) -> None:
    """Raise a ValidationError (keyed by field) unless start–end is a bookable time."""
    now = now or timezone.now()
    start, end = as_utc(start), as_utc(end)
    local_start, local_end = timezone.localtime(start), timezone.localtime(end)
    if (local_start.minute, local_start.second, local_start.microsecond) != (0, 0, 0):
        raise ValidationError({"start": "Bookings start on the hour, e.g. 10:00 (not 10:30)."}, code="whole_hours")
    if (local_end.minute, local_end.second, local_end.microsecond) != (0, 0, 0):
        raise ValidationError({"end": "Bookings end on the hour, e.g. 12:00 (not 12:30)."}, code="whole_hours")
    if end <= start:
        raise ValidationError({"end": "The end must be after the start."}, code="order")
    hours = (end - start) / HOUR
    if not settings.BOOKING_MIN_HOURS <= hours <= settings.BOOKING_MAX_HOURS:
        raise ValidationError(
            {"end": f"A booking lasts {settings.BOOKING_MIN_HOURS} to {settings.BOOKING_MAX_HOURS} hours."},
            code="length",
        )
    opens, closes = opening_hours(local_start.date())
    if start < opens or end > closes:
        raise ValidationError(
            {"start": f"The studio is open {opens:%H:%M}–{timezone.localtime(closes):%H:%M}; "
                      "the booking must fit inside opening hours."},
            code="closed",
        )
    if start < now:
        raise ValidationError({"start": "That time has already passed."}, code="past")
    if start > now + timedelta(days=settings.BOOKING_HORIZON_DAYS):
        raise ValidationError(
            {"start": f"Bookings open {settings.BOOKING_HORIZON_DAYS} days ahead; choose an earlier date."},
            code="horizon",
        )


def holding_bookings(space: Space, start: datetime, occupied_until: datetime, *, states=ACTIVE_STATES):
    """Bookings of ``space`` in ``states`` whose occupied time overlaps [start, occupied_until)."""
    return Booking.objects.filter(
        space=space, state__in=states, start__gt=start - LONGEST_HOLD, start__lt=occupied_until,
        occupied_until__gt=start,
    ).order_by("start")


def find_conflict(space: Space, start: datetime, end: datetime, *, exclude=None, states=ACTIVE_STATES):
    """Raise BookingConflict if start–end (plus the space's cleanup time) overlaps a booking or block."""
    occupied_until = end + space.cleanup
    clash = holding_bookings(space, start, occupied_until, states=states)
    if exclude is not None:
        clash = clash.exclude(pk=exclude.pk)
    booking = clash.first()
    if booking is not None:
        raise BookingConflict(
            f"{space.name} is already booked {local_range(booking.start, booking.end)}.",
            start=booking.start,
            end=booking.end,
        )
    block = CalendarBlock.objects.filter(space=space, start__lt=occupied_until, end__gt=start).first()
    if block is not None:
        raise BookingConflict(
            f"{space.name} is closed {local_range(block.start, block.end)} ({block.get_kind_display().lower()}).",
            kind="closed",
            start=block.start,
            end=block.end,
        )


def peak_use(lines: list[tuple[datetime, datetime, int]], start: datetime, end: datetime) -> int:
    """The most units out at any one moment of [start, end), given (start, end, quantity) loans."""
    # Use only rises when a loan begins, so the peak is at ``start`` or at one of those beginnings.
    moments = [start, *(s for s, _e, _q in lines if start < s < end)]
    return max(sum(q for s, e, q in lines if s <= moment < e) for moment in moments)


def check_equipment_stock(equipment: dict, start: datetime, end: datetime, *, exclude=None) -> None:
    """Raise BookingConflict if any requested equipment would be out beyond its stock at some moment of start–end."""
    if not equipment:
        return
    lines = BookingEquipment.objects.filter(
        equipment__in=list(equipment),
        booking__state__in=ACTIVE_STATES,
        booking__start__gt=start - LONGEST_BOOKING,
        booking__start__lt=end,
        booking__end__gt=start,
    )
    if exclude is not None:
        lines = lines.exclude(booking=exclude)
    loans: dict[int, list] = {}
    for equipment_id, loan_start, loan_end, quantity in lines.values_list(
        "equipment", "booking__start", "booking__end", "quantity"
    ):
        loans.setdefault(equipment_id, []).append((loan_start, loan_end, quantity))
    for item, quantity in equipment.items():
        free = item.stock - peak_use(loans.get(item.pk, []), start, end)
        if quantity > free:
            raise BookingConflict(
                f"Only {max(free, 0)} × {item.name} free {local_range(start, end)}.", kind="equipment", start=start,
                end=end,
            )


def hour_clashes(space: Space, start: datetime, held) -> bool:
    """Whether a one-hour booking of ``space`` from ``start``, with its cleanup time, overlaps any
    (start, until) range in ``held`` (active bookings with their cleanup, and blocks)."""
    occupied_until = start + HOUR + space.cleanup
    return any(s < occupied_until and e > start for s, e in held)


def free_slots(space: Space, day: date, *, now: datetime | None = None, exclude: Booking | None = None) -> list[Slot]:
    """The whole hours of ``day`` a new one-hour booking of ``space`` could start at.

    ``exclude``: a booking being rescheduled, whose own time counts as free.
    """
    now = now or timezone.now()
    horizon = now + timedelta(days=settings.BOOKING_HORIZON_DAYS)
    opens, closes = (as_utc(moment) for moment in opening_hours(day))
    bookings = holding_bookings(space, opens, closes)
    if exclude is not None:
        bookings = bookings.exclude(pk=exclude.pk)
    held = list(bookings.order_by().values_list("start", "occupied_until"))
    held += list(CalendarBlock.objects.filter(space=space, start__lt=closes, end__gt=opens).values_list("start", "end"))
    slots = []
    start = opens
    while start + HOUR <= closes:
        if now <= start <= horizon and not hour_clashes(space, start, held):
            slots.append(Slot(start, start + HOUR))
        start += HOUR
    return slots


def longest_stay(start: datetime, slots: list[Slot]) -> int:
    """How many consecutive free hours follow ``start`` in ``slots`` (capped by the booking limit)."""
    starts = {slot.start for slot in slots}
    start = as_utc(start)
    hours = 0
    while start + hours * HOUR in starts and hours < settings.BOOKING_MAX_HOURS:
        hours += 1
    return hours


def nearest_free_slots(space: Space, start: datetime, *, count: int = 3) -> list[Slot]:
    """Free one-hour slots on the same day, nearest to ``start`` first: what to offer after a conflict."""
    slots = free_slots(space, timezone.localtime(start).date())
    return sorted(slots, key=lambda slot: abs(slot.start - start))[:count]



def validate_booking_day(day: date) -> None:
    """Raise a ValidationError unless guests may book on ``day``: from today to the booking horizon."""
    today = timezone.localdate()
    if day < today:
        raise ValidationError("That day has passed; choose today or a later date.", code="past")
    if day > today + timedelta(days=settings.BOOKING_HORIZON_DAYS):
        raise ValidationError(f"Bookings open {settings.BOOKING_HORIZON_DAYS} days ahead; choose an earlier date.",
                              code="horizon")
