"""The studio's figures: what the dashboard shows and what exports reuse.

Every function takes the bookings (and spaces) the reader may see, e.g. ``visible_bookings(user)``,
so a manager's figures cover their spaces only. Each runs a fixed number of queries.

Definitions used everywhere:

- *Revenue* is the total price of bookings the studio has committed to: confirmed, in progress and
  completed (pending requests and cancelled or no-show bookings are not revenue).
- *Booked hours* are the hours of active bookings (pending, confirmed, in progress, completed).
- *Utilisation* is booked hours divided by the open hours of the active spaces in the period.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import groupby

from django.conf import settings
from django.db.models import Count, DecimalField, DurationField, ExpressionWrapper, F, Max, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from .dates import day_bounds, local_midnight
from .models import ACTIVE_STATES, ZERO, Booking, BookingState, Client

REVENUE_STATES = (BookingState.CONFIRMED, BookingState.IN_PROGRESS, BookingState.COMPLETED)
VISIT_STATES = (BookingState.IN_PROGRESS, BookingState.COMPLETED)
# What a client has spent: the same states as revenue.
SPENT_STATES = REVENUE_STATES
# The lists below show no contact details: left unread, they are not decrypted row by row.
CONTACT_FIELDS = ("client_phone", "client_email")


@dataclass(frozen=True)
class Period:
    """A half-open range of whole studio days [start, end)."""

    start: datetime
    end: datetime
    label: str

    @property
    def days(self) -> int:
        return (timezone.localtime(self.end).date() - timezone.localtime(self.start).date()).days


def day_period(day: date) -> Period:
    return Period(local_midnight(day), local_midnight(day + timedelta(days=1)), f"{day:%d %b}")


def week_period(day: date) -> Period:
    """The Monday-to-Sunday week holding ``day``."""
    monday = day - timedelta(days=day.weekday())
    return Period(local_midnight(monday), local_midnight(monday + timedelta(days=7)), f"Week of {monday:%d %b}")


def month_period(day: date) -> Period:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return Period(local_midnight(first), local_midnight(following), f"{first:%B %Y}")


def previous_week(period: Period) -> Period:
    return week_period(timezone.localtime(period.start).date() - timedelta(days=7))


def previous_month(period: Period) -> Period:
    return month_period(timezone.localtime(period.start).date() - timedelta(days=1))


# --- Lists ------------------------------------------------------------------------------------------


def bookings_on_day(bookings, day: date) -> list[tuple]:
    """``[(space, [booking, ...]), ...]`` for the bookings starting on ``day``, cancelled ones left out."""
    period = day_period(day)
    rows = (
        bookings.filter(start__gte=period.start, start__lt=period.end)
        .exclude(state=BookingState.CANCELLED)
        .select_related("space")
        .defer(*CONTACT_FIELDS)
        .order_by("space__name", "space_id", "start")
    )
    return [(space, list(items)) for space, items in groupby(rows, key=lambda booking: booking.space)]


def pending_bookings(bookings, *, limit: int = 10) -> tuple[list, int]:
    """The pending requests to confirm, soonest first, and how many there are in all."""
    pending = bookings.filter(state=BookingState.PENDING).select_related("space").defer(*CONTACT_FIELDS).order_by("start")
    return list(pending[:limit]), pending.count()


def upcoming_days(*, now: datetime | None = None, days: int = 7) -> tuple[date, date]:
    """The first and last day "upcoming" covers: tomorrow and ``days`` days on (today has its own list)."""
    tomorrow = timezone.localtime(now or timezone.now()).date() + timedelta(days=1)
    return tomorrow, tomorrow + timedelta(days=days - 1)


def upcoming_bookings(bookings, *, now: datetime | None = None, days: int = 7, limit: int = 15):
    """Confirmed and pending bookings from tomorrow for ``days`` days, soonest first."""
    first, last = upcoming_days(now=now, days=days)
    since, until = day_bounds(first, last)
    return list(
        bookings.filter(
            state__in=(BookingState.PENDING, BookingState.CONFIRMED),
            start__gte=since,
            start__lt=until,
        )
        .select_related("space")
        .defer(*CONTACT_FIELDS)
        .order_by("start")[:limit]
    )


# --- Figures ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodFigures:
    period: Period
    revenue: Decimal
    bookings: int
    booked_hours: Decimal
    open_hours: int

    @property
    def utilisation(self) -> float | None:
        """Booked share of open hours, 0–1 (may exceed 1 only if hours were booked outside opening)."""
        if not self.open_hours:
            return None
        return float(self.booked_hours) / self.open_hours


def open_hours_per_day() -> int:
    return max(settings.STUDIO_CLOSES_AT - settings.STUDIO_OPENS_AT, 0)


def period_figures(bookings, spaces, period: Period) -> PeriodFigures:
    """Revenue, booking count, booked and open hours of ``period`` (two queries)."""
    duration = ExpressionWrapper(F("end") - F("start"), output_field=DurationField())
    totals = bookings.filter(start__gte=period.start, start__lt=period.end).aggregate(
        revenue=Coalesce(
            Sum("total_price", filter=Q(state__in=REVENUE_STATES)), Value(ZERO), output_field=DecimalField()
        ),
        bookings=Count("pk", filter=Q(state__in=ACTIVE_STATES)),
        booked=Sum(duration, filter=Q(state__in=ACTIVE_STATES)),
    )
    booked = totals["booked"] or timedelta(0)
    space_count = spaces.filter(is_active=True).count()
    return PeriodFigures(
        period=period,
        revenue=totals["revenue"],
        bookings=totals["bookings"],
        booked_hours=Decimal(booked.total_seconds() / 3600).quantize(Decimal("0.1")),
        open_hours=space_count * period.days * open_hours_per_day(),
    )


@dataclass(frozen=True)
class DayActivity:
    day: date
    bookings: int
    revenue: Decimal


def daily_activity(bookings, *, last_day: date, days: int = 30) -> list[DayActivity]:
    """Active bookings and revenue per day for the ``days`` days ending with ``last_day`` (one query)."""
    first_day = last_day - timedelta(days=days - 1)
    zone = timezone.get_current_timezone()
    rows = (
        bookings.filter(start__gte=local_midnight(first_day), start__lt=local_midnight(last_day + timedelta(days=1)))
        .annotate(day=TruncDate("start", tzinfo=zone))
        .values("day")
        .annotate(
            count=Count("pk", filter=Q(state__in=ACTIVE_STATES)),
            revenue=Coalesce(
                Sum("total_price", filter=Q(state__in=REVENUE_STATES)), Value(ZERO), output_field=DecimalField()
            ),
        )
        .order_by("day")
    )
    by_day = {row["day"]: row for row in rows}
    series = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        row = by_day.get(day)
        series.append(DayActivity(day, row["count"] if row else 0, row["revenue"] if row else ZERO))
    return series


# --- Clients ----------------------------------------------------------------------------------------


# A client's figures before their first booking.
NO_FIGURES = {"booking_count": 0, "visits": 0, "no_shows": 0, "total_spent": ZERO, "last_visit": None}


def _figure_aggregates(prefix: str, scope: Q) -> dict:
    """The client figures as aggregates over the bookings reached through ``prefix`` ("" from bookings)."""

    def among(**lookups) -> Q:
        return scope & Q(**{f"{prefix}{name}": value for name, value in lookups.items()})

    return {
        "booking_count": Count(f"{prefix}id", filter=scope),
        "visits": Count(f"{prefix}id", filter=among(state__in=VISIT_STATES)),
        "no_shows": Count(f"{prefix}id", filter=among(state=BookingState.NO_SHOW)),
        "total_spent": Coalesce(Sum(f"{prefix}total_price", filter=among(state__in=SPENT_STATES)), Value(ZERO),
                                output_field=DecimalField()),
        "last_visit": Max(f"{prefix}start", filter=among(state__in=VISIT_STATES)),
    }


def clients_with_figures(clients, spaces=None):
    """``clients`` annotated with visits, total spent, no-shows, bookings and last visit: what sorting every
    client by a figure needs (it reads all their bookings; ``with_figures`` reads only a page's).

    With ``spaces``, only bookings of those spaces count (a manager sees their spaces' history only).
    Visits are in-progress and completed bookings; total spent is the total price of confirmed,
    in-progress and completed bookings.
    """
    scope = Q() if spaces is None else Q(bookings__space__in=spaces)
    return clients.annotate(**_figure_aggregates("bookings__", scope))


def with_figures(clients: list[Client], spaces=None) -> list[Client]:
    """``clients`` (a page of them) given the figures ``clients_with_figures`` defines, in one query over
    their own bookings only."""
    bookings = Booking.objects.filter(client__in=[client.pk for client in clients])
    if spaces is not None:
        bookings = bookings.filter(space__in=spaces)
    rows = bookings.order_by().values("client").annotate(**_figure_aggregates("", Q()))
    figures = {row.pop("client"): row for row in rows}
    for client in clients:
        for name, value in figures.get(client.pk, NO_FIGURES).items():
            setattr(client, name, value)
    return clients


def client_figures(client: Client, spaces=None) -> Client:
    """The figures of one client, as ``clients_with_figures`` defines them."""
    return with_figures([client], spaces)[0]
