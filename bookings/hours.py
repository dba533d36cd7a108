"""The studio's opening hours by weekday and its special days (closed, short day).

``opening_hours(day)`` says when the studio is open on a date: a special day's hours if that date has one,
else its weekday's, else None (closed). Hours are whole hours of the studio's clock, 0 to 24 (24: midnight at
the end of the day). Availability asks for the same day many times in one request, so inside a request the
rows are read once and kept until it ends (``remember_for_the_request`` / ``forget``, connected to Django's
request signals in ``connect_receivers``); outside a request every call reads the database.
"""

from collections.abc import Iterable
from contextvars import ContextVar
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.signals import request_finished, request_started
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from studio_crm.formatting import when

Hours = tuple[int, int]
DAY_HOURS = 24

# What was read in the current request: {"week": {weekday: Hours}, "days": {date: Hours | None}}; None outside one.
_memo: ContextVar[dict | None] = ContextVar("studio_opening_hours", default=None)


def hour_label(hour: int) -> str:
    """``9`` → ``09:00``; 24 stays ``24:00``, the end of the day, as a timetable writes it."""
    return f"{hour:02d}:00"


class OpeningHours(models.Model):
    """When the studio opens and closes on one weekday (0 Monday … 6 Sunday); no row: closed that weekday."""

    weekday = models.PositiveSmallIntegerField(_("weekday"), unique=True, choices=list(WEEKDAYS.items()))
    opens_at = models.PositiveSmallIntegerField(_("opens at"), validators=[MaxValueValidator(DAY_HOURS - 1)],
                                                help_text=_("Hour of the day, e.g. 9 for 09:00"))
    closes_at = models.PositiveSmallIntegerField(_("closes at"), validators=[MaxValueValidator(DAY_HOURS)],
                                                 help_text=_("e.g. 22 for 22:00; 24 for midnight"))

    class Meta:
        app_label = "bookings"
        ordering = ["weekday"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="opening_hours_weekday_of_a_week"),
            models.CheckConstraint(
                condition=Q(opens_at__gte=0, opens_at__lt=F("closes_at"), closes_at__lte=DAY_HOURS),
                name="opening_hours_open_before_close",
            ),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {hour_label(self.opens_at)}–{hour_label(self.closes_at)}"

    @property
    def hours(self) -> Hours:
        return self.opens_at, self.closes_at

    def clean(self):
        if self.opens_at is not None and self.closes_at is not None and self.opens_at >= self.closes_at:
            raise ValidationError({"closes_at": _("The studio must close after it opens.")})


class SpecialDay(models.Model):
    """A date on which the usual hours do not apply: closed, or open other hours (a short day)."""

    date = models.DateField(_("date"), unique=True)
    is_closed = models.BooleanField(_("closed"), default=False)
    opens_at = models.PositiveSmallIntegerField(_("opens at"), null=True, blank=True,
                                                validators=[MaxValueValidator(DAY_HOURS - 1)])
    closes_at = models.PositiveSmallIntegerField(_("closes at"), null=True, blank=True,
                                                 validators=[MaxValueValidator(DAY_HOURS)])
    note = models.CharField(_("note"), max_length=120, blank=True, help_text=_("e.g. New Year's Eve"))

    class Meta:
        app_label = "bookings"
        ordering = ["date"]
        verbose_name = _("special day")
        verbose_name_plural = _("special days")
        constraints = [
            # Closed with no hours, or open with both hours in order: never half of each. (A check that
            # meets a NULL passes, so the open case says that both hours are there.)
            models.CheckConstraint(
                condition=Q(is_closed=True, opens_at__isnull=True, closes_at__isnull=True)
                | Q(is_closed=False, opens_at__isnull=False, closes_at__isnull=False, opens_at__gte=0,
                    opens_at__lt=F("closes_at"), closes_at__lte=DAY_HOURS),
                name="special_day_closed_or_with_hours",
            ),
        ]

    def __str__(self):
        if self.is_closed or self.opens_at is None or self.closes_at is None:
            return gettext("%(date)s, closed") % {"date": when(self.date, "date")}
        return f"{when(self.date, 'date')}, {hour_label(self.opens_at)}–{hour_label(self.closes_at)}"

    @property
    def hours(self) -> Hours | None:
        return None if self.is_closed else (self.opens_at, self.closes_at)

    def clean(self):
        if self.is_closed:
            self.opens_at = self.closes_at = None
            return
        if self.opens_at is None or self.closes_at is None:
            raise ValidationError({"closes_at": _("Give the hours of the day, or mark it closed.")})
        if self.opens_at >= self.closes_at:
            raise ValidationError({"closes_at": _("The studio must close after it opens.")})


# --- Reading the hours --------------------------------------------------------------------------------------


def _read_week() -> dict[int, Hours]:
    week = {weekday: (opens, closes) for weekday, opens, closes in
            OpeningHours.objects.values_list("weekday", "opens_at", "closes_at")}
    if not week:
        # A database set up without the migration's rows (or emptied) has no week at all: it keeps the hours
        # of the settings rather than turning every day into a closed one. The set-up page never empties it.
        week = {weekday: (settings.STUDIO_OPENS_AT, min(settings.STUDIO_CLOSES_AT, DAY_HOURS)) for weekday in range(7)}
    return week


def weekly_hours() -> dict[int, Hours]:
    """Weekday (0 Monday) → (opens, closes) of every weekday the studio opens; a missing weekday is closed."""
    memo = _memo.get()
    if memo is None:
        return _read_week()
    if "week" not in memo:
        memo["week"] = _read_week()
    return memo["week"]


def _special_days(days: list[date]) -> dict[date, Hours | None]:
    if not days:
        return {}
    rows = SpecialDay.objects.filter(date__gte=min(days), date__lte=max(days)).values_list(
        "date", "is_closed", "opens_at", "closes_at")
    return {day: None if closed else (opens, closes) for day, closed, opens, closes in rows}


def opening_hours_for(days: Iterable[date]) -> dict[date, Hours | None]:
    """``opening_hours`` of each of ``days`` (a week, a month, a report's period) in at most two queries."""
    days = sorted(set(days))
    memo = _memo.get()
    known = memo.setdefault("days", {}) if memo is not None else {}
    missing = [day for day in days if day not in known]
    if missing:
        week = weekly_hours()
        special = _special_days(missing)
        for day in missing:
            known[day] = special[day] if day in special else week.get(day.weekday())
    return {day: known[day] for day in days}


def opening_hours(day: date) -> Hours | None:
    """(opens, closes) as whole hours of the studio's clock on ``day`` (closes may be 24: midnight), or None
    when the studio is closed that day. A special day's hours win over the weekday's."""
    return opening_hours_for([day])[day]


def day_bounds(day: date, hours: Hours) -> tuple[datetime, datetime]:
    """The aware moments, in the studio's zone, at which ``day`` with ``hours`` opens and closes."""
    zone = timezone.get_current_timezone()
    opens, closes = hours
    closing_day = day + timedelta(days=closes // DAY_HOURS)
    return (datetime.combine(day, time(opens), tzinfo=zone),
            datetime.combine(closing_day, time(closes % DAY_HOURS), tzinfo=zone))


def opening_times(day: date) -> tuple[datetime, datetime] | None:
    """When the studio opens and closes on ``day`` as aware moments in its zone, or None when it is closed."""
    hours = opening_hours(day)
    return None if hours is None else day_bounds(day, hours)


def widest_hours() -> Hours | None:
    """The earliest opening and the latest closing of the usual week: the start times a form offers before it
    knows the date (the date's own hours are checked when the booking is made). None if no weekday opens."""
    week = weekly_hours()
    if not week:
        return None
    return min(opens for opens, _closes in week.values()), max(closes for _opens, closes in week.values())


def open_hours_between(first: date, last: date) -> int:
    """How many hours the studio is open from ``first`` to ``last``, both included (reports' utilisation)."""
    if last < first:
        return 0
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return sum(hours[1] - hours[0] for hours in opening_hours_for(days).values() if hours is not None)


# --- Keeping them for one request -----------------------------------------------------------------------------


def remember_for_the_request(**kwargs) -> None:
    """From here to the end of the request, the hours are read at most once per day asked for."""
    _memo.set({})


def end_of_the_request(**kwargs) -> None:
    _memo.set(None)


def forget() -> None:
    """Drop what this request has read: the hours just changed (the services call it after a change)."""
    memo = _memo.get()
    if memo is not None:
        memo.clear()


def connect_receivers() -> None:
    """Keep the hours read in a request for the rest of it (called from an AppConfig.ready)."""
    request_started.connect(remember_for_the_request, dispatch_uid="bookings.hours.remember")
    request_finished.connect(end_of_the_request, dispatch_uid="bookings.hours.end_of_the_request")
