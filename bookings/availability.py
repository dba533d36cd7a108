"""Which whole hours of a space are free, and the rules a booking's time must follow."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from studio_crm.formatting import when

from .errors import BookingConflict, local_range
from .hours import day_bounds, opening_hours_for, opening_times
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
        return when(self.start, "time")


def validate_booking_time(start: datetime, end: datetime, *, now: datetime | None = None) -> None:
    """Raise a ValidationError (keyed by field) unless start–end is a bookable time."""
    now = now or timezone.now()
    start, end = as_utc(start), as_utc(end)
    local_start, local_end = timezone.localtime(start), timezone.localtime(end)
    if (local_start.minute, local_start.second, local_start.microsecond) != (0, 0, 0):
        raise ValidationError({"start": _("Bookings start on the hour, e.g. 10:00 (not 10:30).")}, code="whole_hours")
    if (local_end.minute, local_end.second, local_end.microsecond) != (0, 0, 0):
        raise ValidationError({"end": _("Bookings end on the hour, e.g. 12:00 (not 12:30).")}, code="whole_hours")
    if end <= start:
        raise ValidationError({"end": _("The end must be after the start.")}, code="order")
    hours = (end - start) / HOUR
    if not settings.BOOKING_MIN_HOURS <= hours <= settings.BOOKING_MAX_HOURS:
        raise ValidationError({"end": booking_length_rule()}, code="length")
    times = opening_times(local_start.date())
    if times is None:
        raise ValidationError({"start": _("The studio is closed on %(day)s.") % {"day": when(local_start, "day")}},
                              code="closed")
    opens, closes = times
    if start < opens or end > closes:
        raise ValidationError(
            {"start": _("The studio is open %(opens)s–%(closes)s; the booking must fit inside opening hours.") % {
                "opens": when(opens, "time"), "closes": when(closes, "time")}},
            code="closed",
        )
    if start < now:
        raise ValidationError({"start": _("That time has already passed.")}, code="past")
    if start > now + timedelta(days=settings.BOOKING_HORIZON_DAYS):
        raise ValidationError({"start": booking_horizon_rule()}, code="horizon")


def booking_length_rule() -> str:
    """"A booking lasts 1 to 12 hours.", in the active language."""
    return ngettext(
        "A booking lasts %(min)s to %(max)s hour.", "A booking lasts %(min)s to %(max)s hours.",
        settings.BOOKING_MAX_HOURS,
    ) % {"min": settings.BOOKING_MIN_HOURS, "max": settings.BOOKING_MAX_HOURS}


def booking_horizon_rule() -> str:
    """"Bookings open 90 days ahead; choose an earlier date.", in the active language."""
    return ngettext(
        "Bookings open %(days)s day ahead; choose an earlier date.",
        "Bookings open %(days)s days ahead; choose an earlier date.",
        settings.BOOKING_HORIZON_DAYS,
    ) % {"days": settings.BOOKING_HORIZON_DAYS}


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
            _("%(space)s is already booked %(when)s.") % {
                "space": space.name, "when": local_range(booking.start, booking.end)},
            start=booking.start,
            end=booking.end,
        )
    block = CalendarBlock.objects.filter(space=space, start__lt=occupied_until, end__gt=start).first()
    if block is not None:
        raise BookingConflict(
            _("%(space)s is closed %(when)s (%(reason)s).") % {
                "space": space.name, "when": local_range(block.start, block.end), "reason": block.kind_in_a_sentence},
            kind="closed",
            start=block.start,
            end=block.end,
        )


def peak_use(lines: list[tuple[datetime, datetime, int]], start: datetime, end: datetime) -> int:
    """The most units out at any one moment of [start, end), given (start, end, quantity) loans."""
    # Use only rises when a loan begins, so the peak is at ``start`` or at one of those beginnings.
    moments = [start, *(s for s, _e, _q in lines if start < s < end)]
    return max(sum(q for s, e, q in lines if s <= moment < e) for moment in moments)


def equipment_loans(equipment, start: datetime, end: datetime, *, exclude=None) -> dict[int, list]:
    """(start, end, quantity) of every active booking's loan of ``equipment`` that overlaps [start, end), by
    equipment id: one query, whatever the halls (equipment is shared by them)."""
    if not equipment:
        return {}
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
    return loans


def equipment_free(equipment, start: datetime, end: datetime, *, exclude=None) -> dict:
    """How many units of each item of ``equipment`` are free for the whole of start–end: its stock less the
    most that other bookings have out at any one moment of it."""
    start, end = as_utc(start), as_utc(end)
    loans = equipment_loans(equipment, start, end, exclude=exclude)
    return {item: max(item.stock - peak_use(loans.get(item.pk, []), start, end), 0) for item in equipment}


def check_equipment_stock(equipment: dict, start: datetime, end: datetime, *, exclude=None) -> None:
    """Raise BookingConflict if any requested equipment would be out beyond its stock at some moment of start–end."""
    if not equipment:
        return
    free = equipment_free(equipment, start, end, exclude=exclude)
    for item, quantity in equipment.items():
        if quantity > free[item]:
            raise BookingConflict(
                _("Only %(free)s × %(equipment)s free %(when)s.") % {
                    "free": free[item], "equipment": item.name, "when": local_range(start, end)},
                kind="equipment", start=start, end=end,
            )


def hour_clashes(space: Space, start: datetime, held) -> bool:
    """Whether a one-hour booking of ``space`` from ``start``, with its cleanup time, overlaps any
    (start, until) range in ``held`` (active bookings with their cleanup, and blocks)."""
    occupied_until = start + HOUR + space.cleanup
    return any(s < occupied_until and e > start for s, e in held)


def held_times(space: Space, start: datetime, end: datetime, *, exclude: Booking | None = None) -> list:
    """(start, until) of everything holding ``space`` within [start, end): active bookings with their cleanup
    time, and calendar blocks. ``exclude``: a booking being rescheduled, whose own time counts as free."""
    bookings = holding_bookings(space, start, end)
    if exclude is not None:
        bookings = bookings.exclude(pk=exclude.pk)
    held = list(bookings.order_by().values_list("start", "occupied_until"))
    held += list(CalendarBlock.objects.filter(space=space, start__lt=end, end__gt=start).values_list("start", "end"))
    return held


def _free_hours(space: Space, times: tuple[datetime, datetime], held, now: datetime) -> list[Slot]:
    """The free one-hour starts between a day's opening and closing ``times``, given what holds the space then
    (``held_times`` of at least that day)."""
    opens, closes = (as_utc(moment) for moment in times)
    horizon = now + timedelta(days=settings.BOOKING_HORIZON_DAYS)
    slots = []
    start = opens
    while start + HOUR <= closes:
        if now <= start <= horizon and not hour_clashes(space, start, held):
            slots.append(Slot(start, start + HOUR))
        start += HOUR
    return slots


def free_slots(space: Space, day: date, *, now: datetime | None = None, exclude: Booking | None = None) -> list[Slot]:
    """The whole hours of ``day`` a new one-hour booking of ``space`` could start at.

    ``exclude``: a booking being rescheduled, whose own time counts as free.
    """
    times = opening_times(day)
    if times is None:
        return []
    held = held_times(space, as_utc(times[0]), as_utc(times[1]), exclude=exclude)
    return _free_hours(space, times, held, now or timezone.now())


def longest_stay(start: datetime, slots: list[Slot]) -> int:
    """How many consecutive free hours follow ``start`` in ``slots`` (capped by the booking limit)."""
    starts = {slot.start for slot in slots}
    start = as_utc(start)
    hours = 0
    while start + hours * HOUR in starts and hours < settings.BOOKING_MAX_HOURS:
        hours += 1
    return hours


@dataclass(frozen=True)
class StartTime:
    """A free start of a day: how long a booking may last from it and whether the length asked for fits."""

    start: datetime
    longest: int
    fits: bool = True

    @property
    def label(self) -> str:
        return when(self.start, "time")

    @property
    def value(self) -> str:
        """"14:00", as the booking forms send a start."""
        return f"{timezone.localtime(self.start):%H:%M}"

    @property
    def hour(self) -> int:
        return timezone.localtime(self.start).hour


def start_times(space: Space, day: date, *, hours: int | None = None, now: datetime | None = None,
                exclude: Booking | None = None) -> list[StartTime]:
    """The starts a booking form offers for ``space`` on ``day``: only free hours, never a taken one.

    With ``hours`` (a length chosen before the start), ``fits`` says whether that whole length is free from
    each start; a form shows those that do not fit as unavailable rather than offering them.
    """
    slots = free_slots(space, day, now=now, exclude=exclude)
    stays = [longest_stay(slot.start, slots) for slot in slots]
    return [StartTime(slot.start, stay, fits=not hours or stay >= hours) for slot, stay in zip(slots, stays, strict=True)]


# What to offer after a conflict: a handful of times, searched over the same day and the week after it.
ALTERNATIVES = 5
ALTERNATIVE_DAYS = 7


def fitting_slots(space: Space, start: datetime, end: datetime, *, equipment: dict | None = None,
                  exclude: Booking | None = None, count: int = ALTERNATIVES, days: int = ALTERNATIVE_DAYS,
                  now: datetime | None = None) -> list[Slot]:
    """Other times of ``space`` for a booking as long as start–end: the whole length free, with every item of
    ``equipment`` ({item: quantity}) free for it too. What to offer when start–end is taken.

    The same day first, nearest to ``start``; then each following day (up to ``days``), nearest to the same
    clock time, since a guest who asked for the afternoon most likely still wants the afternoon. Each slot spans
    the whole length. The same queries whatever the number of days: the opening hours, the hall's bookings, its
    blocks, the loans.
    """
    now = now or timezone.now()
    start, end = as_utc(start), as_utc(end)
    length = round((end - start) / HOUR)
    local = timezone.localtime(start)
    dates = [local.date() + timedelta(days=n) for n in range(days + 1)]
    opened = [(day, day_bounds(day, hours)) for day, hours in opening_hours_for(dates).items() if hours is not None]
    if not opened or length < 1:
        return []
    window_start, window_end = as_utc(opened[0][1][0]), as_utc(opened[-1][1][1])
    held = held_times(space, window_start, window_end, exclude=exclude)
    equipment = {item: quantity for item, quantity in (equipment or {}).items() if quantity}
    loans = equipment_loans(equipment, window_start, window_end, exclude=exclude)

    def equipment_fits(slot_start: datetime, slot_end: datetime) -> bool:
        return all(item.stock - peak_use(loans.get(item.pk, []), slot_start, slot_end) >= quantity
                   for item, quantity in equipment.items())

    found: list[Slot] = []
    for day, times in opened:
        slots = _free_hours(space, times, held, now)
        # On later days, "nearest" is nearest to the same time of day as asked for.
        target = as_utc(datetime.combine(day, local.time(), tzinfo=local.tzinfo))
        fitting = [Slot(slot.start, slot.start + length * HOUR) for slot in slots
                   if slot.start != start and longest_stay(slot.start, slots) >= length]
        fitting = [slot for slot in fitting if equipment_fits(slot.start, slot.end)]
        found += sorted(fitting, key=lambda slot: (abs(slot.start - target), slot.start))
        if len(found) >= count:
            break
    return found[:count]


def validate_booking_day(day: date) -> None:
    """Raise a ValidationError unless guests may book on ``day``: from today to the booking horizon."""
    today = timezone.localdate()
    if day < today:
        raise ValidationError(_("That day has passed; choose today or a later date."), code="past")
    if day > today + timedelta(days=settings.BOOKING_HORIZON_DAYS):
        raise ValidationError(booking_horizon_rule(), code="horizon")
