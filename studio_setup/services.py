"""Setting up the studio: halls and their rates, equipment, promo codes, opening hours and special days.

One function per operation; the pages (and anything else that changes the set-up) call them. Only admins and
owners may (PermissionDenied otherwise). A change that would strand a booking still ahead (outside the new hours,
beyond the new stock, in a hall taken out of service) is refused with a ValidationError that names those
bookings, and nothing is written. Every change is saved row by row through the ORM, so django-auditlog keeps
its history with the employee who made it.

The checks run under the locks the booking services take (the hall rows, the equipment row), so no booking
can be made into the time being closed while the change is checked.
"""

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bookings.dates import local_midnight
from bookings.errors import local_range
from bookings.hours import (
    DAY_HOURS,
    Hours,
    OpeningHours,
    SpecialDay,
    day_bounds,
    forget,
    hour_label,
    weekly_hours,
)
from bookings.models import (
    Booking,
    BookingEquipment,
    BookingState,
    DiscountKind,
    Equipment,
    PromoCode,
    Space,
    SpaceRate,
)
from studio_crm.formatting import when

if TYPE_CHECKING:
    from employees.models import Employee

# Bookings that still expect the studio, its hall and its equipment: a change must not strand them.
UPCOMING_STATES = (BookingState.PENDING, BookingState.CONFIRMED, BookingState.IN_PROGRESS)
# How many bookings a refusal names before it says how many more there are.
NAMED = 5


def _require_setup_staff(by: "Employee | None") -> None:
    if by is None or not by.is_admin_or_owner:
        raise PermissionDenied(_("Only admins and owners can change the studio's set-up."))


def upcoming_bookings(now: datetime | None = None):
    """Active bookings that have not ended yet, earliest first."""
    now = now or timezone.now()
    return (Booking.objects.filter(state__in=UPCOMING_STATES, end__gt=now).select_related("space")
            .only("reference", "start", "end", "space__name").order_by("start", "pk"))


def named_bookings(bookings, total: int | None = None) -> str:
    """'REF-… (White Hall, Tue 1 Dec, 10:00–12:00); …' for the first few of ``bookings``, and how many more."""
    bookings = list(bookings)
    total = len(bookings) if total is None else total
    listed = "; ".join(f"{b.reference} ({b.space.name}, {local_range(b.start, b.end)})" for b in bookings[:NAMED])
    rest = total - min(len(bookings), NAMED)
    if rest > 0:
        return ngettext("%(listed)s and %(count)s more", "%(listed)s and %(count)s more", rest) % {
            "listed": listed, "count": rest}
    return listed


def _lock_halls() -> None:
    """The lock every booking service takes on its hall, on all of them: no booking is made meanwhile."""
    list(Space.objects.select_for_update().order_by("pk").values_list("pk", flat=True))


def _outside(booking: Booking, hours: Hours | None) -> bool:
    if hours is None:
        return True
    opens, closes = day_bounds(timezone.localtime(booking.start).date(), hours)
    return booking.start < opens or booking.end > closes


def _check_hours(hours: Hours | None, field: str) -> None:
    if hours is None:
        return
    opens, closes = hours
    if not 0 <= opens < closes <= DAY_HOURS:
        raise ValidationError({field: _("The studio must close after it opens, by midnight at the latest.")})


# --- Halls ---------------------------------------------------------------------------------------------------


def _drop_photo_file(name: str) -> None:
    """Delete a hall's photo file that no row names any more, once the change that let it go has committed (a
    storage that fails then leaves a stray file, not a failed change)."""
    if name:
        storage = Space._meta.get_field("photo").storage
        transaction.on_commit(lambda: storage.delete(name), robust=True)


def space_save(*, space: Space, by: "Employee | None", photo_changed: bool = False) -> Space:
    """Create or change a hall. Taking it out of service is refused while it has bookings ahead. With
    ``photo_changed`` (a new photo, or the photo removed) the one replaced is deleted from storage when the change
    commits; without it the photo stored stays, whatever the caller read (another admin may have replaced it)."""
    _require_setup_staff(by)
    with transaction.atomic():
        if space.pk is not None:
            stored = Space.objects.select_for_update().get(pk=space.pk)
            if not photo_changed:
                space.photo = stored.photo
            elif stored.photo.name != space.photo.name:
                _drop_photo_file(stored.photo.name)
            if stored.is_active and not space.is_active:
                ahead = upcoming_bookings().filter(space=stored)
                count = ahead.count()
                if count:
                    raise ValidationError({"is_active": ngettext(
                        "%(space)s has %(count)s active booking ahead: %(listed)s. Move or cancel it before "
                        "taking the hall out of service.",
                        "%(space)s has %(count)s active bookings ahead: %(listed)s. Move or cancel them before "
                        "taking the hall out of service.",
                        count,
                    ) % {"space": stored.name, "count": count, "listed": named_bookings(ahead[:NAMED], count)}})
        space.save()
    return space


def space_delete(*, space: Space, by: "Employee | None") -> None:
    """Delete a hall that was never booked; one with bookings stays for their history (take it out of service)."""
    _require_setup_staff(by)
    with transaction.atomic():
        space = Space.objects.select_for_update().get(pk=space.pk)
        count = Booking.objects.filter(space=space).count()
        if count:
            raise ValidationError(ngettext(
                "%(space)s has %(count)s booking on record and stays for its history. Take the hall out of "
                "service instead.",
                "%(space)s has %(count)s bookings on record and stays for their history. Take the hall out of "
                "service instead.",
                count,
            ) % {"space": space.name, "count": count})
        _drop_photo_file(space.photo.name)
        space.delete()


def space_rate_save(*, rate: SpaceRate, by: "Employee | None") -> SpaceRate:
    """Create or change a hall's special rate. Two rates of one hall may not cover the same hour of the same
    days, or the price of that hour would depend on which one is read first."""
    _require_setup_staff(by)
    if not 0 <= rate.start_hour < rate.end_hour <= DAY_HOURS:
        raise ValidationError({"end_hour": _("The rate must end after it starts, by midnight at the latest.")})
    with transaction.atomic():
        Space.objects.select_for_update().filter(pk=rate.space_id).exists()
        clash = (SpaceRate.objects.filter(space_id=rate.space_id, weekday=rate.weekday,
                                          start_hour__lt=rate.end_hour, end_hour__gt=rate.start_hour)
                 .exclude(pk=rate.pk).first())
        if clash is not None:
            raise ValidationError({"start_hour": _(
                "These hours overlap the rate «%(label)s» (%(hours)s) on the same days. Change that rate or "
                "choose other hours.") % {
                    "label": clash.label, "hours": f"{hour_label(clash.start_hour)}–{hour_label(clash.end_hour)}"}})
        rate.save()
    return rate


def space_rate_delete(*, rate: SpaceRate, by: "Employee | None") -> None:
    """Remove a special rate: its hours cost the hall's usual rate again (bookings made keep their price)."""
    _require_setup_staff(by)
    rate.delete()


# --- Equipment -----------------------------------------------------------------------------------------------


def busiest_moment(equipment: Equipment, now: datetime | None = None) -> tuple[int, datetime | None, list]:
    """The most units of ``equipment`` booked at one moment from now on: (units, that moment, the bookings
    holding them then)."""
    now = now or timezone.now()
    lines = list(
        BookingEquipment.objects.filter(equipment=equipment, booking__state__in=UPCOMING_STATES,
                                        booking__end__gt=now)
        .select_related("booking__space").only("quantity", "booking__reference", "booking__start", "booking__end",
                                               "booking__space__name")
    )
    peak, at = 0, None
    # Use only rises when a loan begins (or now, for loans already out), so the peak is at one of those moments.
    for moment in sorted({max(line.booking.start, now) for line in lines}):
        units = sum(line.quantity for line in lines if line.booking.start <= moment < line.booking.end)
        if units > peak:
            peak, at = units, moment
    holding = [line.booking for line in lines if at is not None and line.booking.start <= at < line.booking.end]
    return peak, at, sorted(holding, key=lambda booking: booking.start)


def equipment_save(*, equipment: Equipment, by: "Employee | None") -> Equipment:
    """Create or change an item. The stock may not go below what is booked at one time from now on; taking an
    item out of service keeps it on the bookings that have it and offers it to no new one."""
    _require_setup_staff(by)
    with transaction.atomic():
        if equipment.pk is not None:
            # The lock the booking services take before they count what is out.
            stored = Equipment.objects.select_for_update().get(pk=equipment.pk)
            if equipment.stock < stored.stock:
                peak, at, holding = busiest_moment(stored)
                if peak > equipment.stock:
                    raise ValidationError({"stock": ngettext(
                        "%(peak)s unit is booked at one time (%(when)s): %(listed)s. The stock cannot go below "
                        "that; change those bookings first.",
                        "%(peak)s units are booked at one time (%(when)s): %(listed)s. The stock cannot go below "
                        "that; change those bookings first.",
                        peak,
                    ) % {"peak": peak, "when": f"{when(at, 'day')}, {when(at, 'time')}",
                         "listed": named_bookings(holding)}})
        equipment.save()
    return equipment


def equipment_delete(*, equipment: Equipment, by: "Employee | None") -> None:
    """Delete an item that was never booked; one with bookings stays for their history (take it out of service)."""
    _require_setup_staff(by)
    with transaction.atomic():
        equipment = Equipment.objects.select_for_update().get(pk=equipment.pk)
        count = BookingEquipment.objects.filter(equipment=equipment).count()
        if count:
            raise ValidationError(ngettext(
                "%(equipment)s is on %(count)s booking and stays for its history. Take it out of service instead.",
                "%(equipment)s is on %(count)s bookings and stays for their history. Take it out of service "
                "instead.",
                count,
            ) % {"equipment": equipment.name, "count": count})
        equipment.delete()


# --- Promo codes ---------------------------------------------------------------------------------------------


def promo_code_save(*, promo: PromoCode, by: "Employee | None") -> PromoCode:
    """Create or change a promo code. Its uses so far are the bookings' to count: a limit below them is refused."""
    _require_setup_staff(by)
    promo.code = (promo.code or "").strip().upper()
    if promo.kind == DiscountKind.PERCENT and promo.value is not None and promo.value > 100:
        raise ValidationError({"value": _("A percent discount is at most 100.")})
    if promo.valid_from and promo.valid_until and promo.valid_until <= promo.valid_from:
        raise ValidationError({"valid_until": _("The code must stop being valid after it starts.")})
    with transaction.atomic():
        if PromoCode.objects.filter(code=promo.code).exclude(pk=promo.pk).exists():
            raise ValidationError({"code": _("There is already a promo code %(code)s.") % {"code": promo.code}})
        if promo.pk is not None:
            # The lock a booking takes to redeem the code: the count read here is the one saved back.
            stored = PromoCode.objects.select_for_update().get(pk=promo.pk)
            promo.times_used = stored.times_used
            if promo.usage_limit is not None and promo.usage_limit < stored.times_used:
                raise ValidationError({"usage_limit": ngettext(
                    "The code has been used %(count)s time already; the limit cannot be lower than that.",
                    "The code has been used %(count)s times already; the limit cannot be lower than that.",
                    stored.times_used,
                ) % {"count": stored.times_used}})
        promo.save()
    return promo


# --- Opening hours and special days ---------------------------------------------------------------------------


def _day_of(booking: Booking) -> date:
    return timezone.localtime(booking.start).date()


def _weekday_name(weekday: int) -> str:
    return capfirst(str(WEEKDAYS[weekday]))


def opening_hours_save(*, week: Mapping[int, Hours | None], by: "Employee | None") -> None:
    """Set the usual week: weekday (0 Monday) → (opens, closes), or None for closed.

    Refused, with the bookings named weekday by weekday, where a booking ahead would fall outside its day's new
    hours (dates with special days keep their own). At least one weekday must stay open.
    """
    _require_setup_staff(by)
    week = {weekday: week.get(weekday) for weekday in range(7)}
    for hours in week.values():
        _check_hours(hours, "opens_at")
    if all(hours is None for hours in week.values()):
        raise ValidationError(_("The studio must open on at least one weekday. Close single dates with special "
                                "days instead."))
    with transaction.atomic():
        _lock_halls()
        stored = {row.weekday: row for row in OpeningHours.objects.select_for_update()}
        forget()
        before = weekly_hours()
        changed = [weekday for weekday in range(7) if before.get(weekday) != week[weekday]]
        stranded = _stranded_by_week(week, changed)
        if stranded:
            raise ValidationError([
                ngettext(
                    "%(weekday)s: %(count)s active booking falls outside the new hours: %(listed)s. Move or "
                    "cancel it first.",
                    "%(weekday)s: %(count)s active bookings fall outside the new hours: %(listed)s. Move or "
                    "cancel them first.",
                    len(bookings),
                ) % {"weekday": _weekday_name(weekday), "count": len(bookings), "listed": named_bookings(bookings)}
                for weekday, bookings in sorted(stranded.items())
            ])
        for weekday, hours in week.items():
            _save_weekday(stored.get(weekday), weekday, hours)
    forget()


def _stranded_by_week(week: Mapping[int, Hours | None], weekdays: list[int]) -> dict[int, list[Booking]]:
    if not weekdays:
        return {}
    today = timezone.localdate()
    special = set(SpecialDay.objects.filter(date__gte=today).values_list("date", flat=True))
    stranded: dict[int, list[Booking]] = {}
    for booking in upcoming_bookings().filter(start__iso_week_day__in=[weekday + 1 for weekday in weekdays]):
        day = _day_of(booking)
        if day not in special and _outside(booking, week[day.weekday()]):
            stranded.setdefault(day.weekday(), []).append(booking)
    return stranded


def _save_weekday(row: OpeningHours | None, weekday: int, hours: Hours | None) -> None:
    if hours is None:
        if row is not None:
            row.delete()
    elif row is None:
        OpeningHours.objects.create(weekday=weekday, opens_at=hours[0], closes_at=hours[1])
    elif row.hours != hours:
        row.opens_at, row.closes_at = hours
        row.save(update_fields=["opens_at", "closes_at"])


def _bookings_on(day: date) -> list[Booking]:
    return list(upcoming_bookings().filter(start__gte=local_midnight(day),
                                           start__lt=local_midnight(day + timedelta(days=1))))


def _refuse_stranding(day: date, hours: Hours | None) -> None:
    """Refuse to give ``day`` ``hours`` (None: closed) while bookings ahead that day fall outside them."""
    stranded = [booking for booking in _bookings_on(day) if _outside(booking, hours)]
    if not stranded:
        return
    values = {"day": when(day, "date"), "count": len(stranded), "listed": named_bookings(stranded)}
    if hours is None:
        raise ValidationError(ngettext(
            "%(count)s active booking is on %(day)s: %(listed)s. Move or cancel it before closing the day.",
            "%(count)s active bookings are on %(day)s: %(listed)s. Move or cancel them before closing the day.",
            len(stranded),
        ) % values)
    raise ValidationError(ngettext(
        "%(count)s active booking on %(day)s falls outside these hours: %(listed)s. Move or cancel it first.",
        "%(count)s active bookings on %(day)s fall outside these hours: %(listed)s. Move or cancel them first.",
        len(stranded),
    ) % values)


def _refuse_the_past(special_day: SpecialDay | None) -> None:
    """A day that has passed keeps the hours it had: the reports of that day count them."""
    if special_day is not None and special_day.date < timezone.localdate():
        raise ValidationError(_("%(day)s has passed; its hours stay as they were.") % {
            "day": capfirst(when(special_day.date, "date"))})


def special_day_save(*, special_day: SpecialDay, by: "Employee | None") -> SpecialDay:
    """Close a date, or give it other hours. Refused for a date that has passed (either the one it had or the
    one it gets), and while bookings ahead that day would fall outside the new hours (or, when the date moves,
    outside the usual hours of the old date)."""
    _require_setup_staff(by)
    if special_day.is_closed:
        special_day.opens_at = special_day.closes_at = None
    elif special_day.opens_at is None or special_day.closes_at is None:
        raise ValidationError({"opens_at": _("Give the hours of the day, or mark it closed.")})
    _check_hours(special_day.hours, "closes_at")
    with transaction.atomic():
        _lock_halls()
        stored = SpecialDay.objects.select_for_update().filter(pk=special_day.pk).first() if special_day.pk else None
        _refuse_the_past(stored)
        if special_day.date < timezone.localdate():
            raise ValidationError({"date": _("That day has passed; choose today or a later date.")})
        if SpecialDay.objects.filter(date=special_day.date).exclude(pk=special_day.pk).exists():
            raise ValidationError({"date": _("That date already has its own hours; change them there.")})
        forget()
        if stored is not None and stored.date != special_day.date:
            _refuse_stranding(stored.date, weekly_hours().get(stored.date.weekday()))
        _refuse_stranding(special_day.date, special_day.hours)
        special_day.save()
    forget()
    return special_day


def special_day_delete(*, special_day: SpecialDay, by: "Employee | None") -> None:
    """Give the date its weekday's usual hours again; refused for a day that has passed, and while bookings
    ahead that day would fall outside the usual hours (a day that was open longer)."""
    _require_setup_staff(by)
    with transaction.atomic():
        _lock_halls()
        special_day = SpecialDay.objects.select_for_update().get(pk=special_day.pk)
        _refuse_the_past(special_day)
        forget()
        _refuse_stranding(special_day.date, weekly_hours().get(special_day.date.weekday()))
        special_day.delete()
    forget()
