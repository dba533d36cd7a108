"""The studio's figures: what the dashboard shows and what exports reuse.

Every function takes the bookings (and spaces) the reader may see, e.g. ``visible_bookings(user)``,
so a manager's figures cover their spaces only. Each runs a fixed number of queries. The spaces are only
read, in their own order (by name): a page that shows several figures reads them once and passes the list.

Definitions used everywhere:

- *Revenue* is the total price of bookings the studio has committed to: confirmed, in progress and
  completed (pending requests and cancelled or no-show bookings are not revenue).
- *Booked hours* are the hours of active bookings (pending, confirmed, in progress, completed).
- *Utilisation* is booked hours divided by the open hours of the active spaces in the period.
- *No-show rate* is no-shows over the bookings that were due to take place (in progress, completed, no-show).
- *Cancellation rate* is cancelled bookings over every booking made for the period (drafts left out).
- *Occupancy* (the heat map) is utilisation by weekday and hour: booked hall-hours over open hall-hours.

A period "to date" runs from its first day to today included, and is compared with the same days of the
period before (the 1st to the 13th against the 1st to the 13th), never with a whole month.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cached_property, reduce
from itertools import groupby
from operator import or_

from django.db.models import Count, DecimalField, DurationField, ExpressionWrapper, F, Max, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dates import WEEKDAYS, WEEKDAYS_ABBR
from django.utils.translation import gettext, ngettext

from studio_crm.formatting import money, percent, when

from .dates import day_bounds, local_midnight
from .hours import DAY_HOURS, opening_hours_for
from .models import ACTIVE_STATES, ZERO, Booking, BookingSource, BookingState, Client

REVENUE_STATES = (BookingState.CONFIRMED, BookingState.IN_PROGRESS, BookingState.COMPLETED)
VISIT_STATES = (BookingState.IN_PROGRESS, BookingState.COMPLETED)
# The bookings that were due to take place: the no-show rate's denominator.
DUE_STATES = (BookingState.IN_PROGRESS, BookingState.COMPLETED, BookingState.NO_SHOW)
# Every booking made: the cancellation rate's denominator.
MADE_STATES = tuple(state for state in BookingState if state != BookingState.DRAFT)
# What a client has spent: the same states as revenue.
SPENT_STATES = REVENUE_STATES
# What the lists below show of a booking and its hall: the rest (the notes, the encrypted contact details,
# the audit columns) is left unread rather than converted, or decrypted, row by row.
LINE_FIELDS = ("reference", "start", "end", "state", "client_name", "total_price", "version",
               "space__name", "space__colour")


@dataclass(frozen=True)
class Period:
    """A half-open range of whole studio days [start, end)."""

    start: datetime
    end: datetime
    label: str  # in the language active when the period was made

    @property
    def days(self) -> int:
        return (timezone.localtime(self.end).date() - timezone.localtime(self.start).date()).days

    @property
    def dates(self) -> list[date]:
        """The studio days the period covers."""
        first = timezone.localtime(self.start).date()
        return [first + timedelta(days=n) for n in range(self.days)]

    @property
    def booking_starts(self) -> Q:
        """The bookings that start in the period."""
        return Q(start__gte=self.start, start__lt=self.end)


def day_period(day: date) -> Period:
    return Period(local_midnight(day), local_midnight(day + timedelta(days=1)), when(day, "short"))


def week_period(day: date) -> Period:
    """The Monday-to-Sunday week holding ``day``."""
    monday = day - timedelta(days=day.weekday())
    label = gettext("Week of %(monday)s") % {"monday": when(monday, "short")}
    return Period(local_midnight(monday), local_midnight(monday + timedelta(days=7)), label)


def month_period(day: date) -> Period:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return Period(local_midnight(first), local_midnight(following), when(first, "month"))


def previous_week(period: Period) -> Period:
    return week_period(timezone.localtime(period.start).date() - timedelta(days=7))


def previous_month(period: Period) -> Period:
    return month_period(timezone.localtime(period.start).date() - timedelta(days=1))


def span_label(first: date, last: date) -> str:
    """``1 Jan – 13 Jan`` (a single day: ``1 Jan``), the days a figure covers."""
    if first == last:
        return when(first, "short")
    return gettext("%(first)s – %(last)s") % {"first": when(first, "short"), "last": when(last, "short")}


def days_period(first: date, last: date) -> Period:
    """The whole days ``first`` to ``last``, both included."""
    return Period(local_midnight(first), local_midnight(last + timedelta(days=1)), span_label(first, last))


def week_to_date(day: date) -> Period:
    """Monday of ``day``'s week to ``day`` included."""
    return days_period(day - timedelta(days=day.weekday()), day)


def same_days_last_week(day: date) -> Period:
    """The days of the week before that ``week_to_date(day)`` covers."""
    return week_to_date(day - timedelta(days=7))


def month_to_date(day: date) -> Period:
    """The 1st of ``day``'s month to ``day`` included."""
    return days_period(day.replace(day=1), day)


def same_days_last_month(day: date) -> Period:
    """The 1st of the month before to the same day of it (its last day when it is shorter: 1–28 February
    against 1–31 March)."""
    last_of_previous = day.replace(day=1) - timedelta(days=1)
    return days_period(last_of_previous.replace(day=1), last_of_previous.replace(day=min(day.day, last_of_previous.day)))


# --- Lists ------------------------------------------------------------------------------------------


def bookings_on_day(bookings, day: date, *, limit: int = 24) -> tuple[list[tuple], int]:
    """``([(space, [booking, ...], count), ...], more)`` for the bookings starting on ``day``, cancelled ones left
    out: the first ``limit`` of them by hall and time, each hall's count of the day, and how many more there are.
    A chain's day runs to hundreds; the dashboard shows a screenful and links to the list."""
    period = day_period(day)
    day_bookings = (bookings.filter(start__gte=period.start, start__lt=period.end)
                    .exclude(state=BookingState.CANCELLED))
    rows = (day_bookings.select_related("space").only(*LINE_FIELDS)
            .order_by("space__name", "space_id", "start")[:limit])
    counts = dict(day_bookings.order_by().values_list("space").annotate(count=Count("pk")))
    groups = [(space, list(items), counts.get(space.pk, 0))
              for space, items in groupby(rows, key=lambda booking: booking.space)]
    shown = sum(len(items) for _space, items, _count in groups)
    return groups, sum(counts.values()) - shown


def pending_bookings(bookings, *, limit: int = 10) -> tuple[list, int]:
    """The pending requests to confirm, soonest first, and how many there are in all."""
    pending = (bookings.filter(state=BookingState.PENDING).select_related("space").only(*LINE_FIELDS)
               .order_by("start"))
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
        .only(*LINE_FIELDS)
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
    no_shows: int = 0
    due: int = 0  # bookings that were due to take place: in progress, completed or no-show
    cancellations: int = 0
    made: int = 0  # every booking made for the period but drafts

    @property
    def utilisation(self) -> float | None:
        """Booked share of open hours, 0–1 (may exceed 1 only if hours were booked outside opening)."""
        if not self.open_hours:
            return None
        return float(self.booked_hours) / self.open_hours

    @property
    def no_show_rate(self) -> float | None:
        """No-shows over the bookings that were due, 0–1; None before any was due."""
        return self.no_shows / self.due if self.due else None

    @property
    def cancellation_rate(self) -> float | None:
        """Cancelled bookings over every booking made for the period, 0–1; None when none was made."""
        return self.cancellations / self.made if self.made else None


def active_count(spaces) -> int:
    """How many of ``spaces`` take bookings: the halls whose open hours count."""
    return sum(1 for hall in spaces if hall.is_active)


def period_figures(bookings, spaces, period: Period) -> PeriodFigures:
    """Revenue, bookings, booked and open hours, no-shows and cancellations of ``period``."""
    return figures_by_period(bookings, spaces, [period])[0]


def figures_by_period(bookings, spaces, periods: list[Period]) -> list[PeriodFigures]:
    """``period_figures`` of each of ``periods`` (this week and last, this month and last), however many: one
    query counts each period's bookings, revenue and hours by state, plus reading ``spaces`` and the opening
    hours of the periods' days (two queries the first time a request asks for those days)."""
    duration = ExpressionWrapper(F("end") - F("start"), output_field=DurationField())
    aggregates = {}
    for index, period in enumerate(periods):
        aggregates |= {f"count_{index}": Count("pk", filter=period.booking_starts),
                       f"revenue_{index}": Sum("total_price", filter=period.booking_starts),
                       f"booked_{index}": Sum(duration, filter=period.booking_starts)}
    in_any = reduce(or_, (period.booking_starts for period in periods))
    by_state = {row.pop("state"): row
                for row in bookings.filter(in_any).values("state").annotate(**aggregates).order_by()}
    space_count = active_count(spaces)
    hours = opening_hours_for(day for period in periods for day in period.dates)
    return [_figures(period, by_state, index, space_count * _open_hours(period, hours))
            for index, period in enumerate(periods)]


def _figures(period: Period, by_state: dict, index: int, open_hours: int) -> PeriodFigures:
    """The figures of ``period``, the ``index``-th of ``figures_by_period``'s, from its totals by state."""

    def total(figure: str, states, zero=0):
        return sum((row[f"{figure}_{index}"] or zero for state, row in by_state.items() if state in states), zero)

    booked = total("booked", ACTIVE_STATES, timedelta(0))
    return PeriodFigures(
        period=period,
        revenue=total("revenue", REVENUE_STATES, ZERO),
        bookings=total("count", ACTIVE_STATES),
        booked_hours=Decimal(booked.total_seconds() / 3600).quantize(Decimal("0.1")),
        open_hours=open_hours,
        no_shows=total("count", (BookingState.NO_SHOW,)),
        due=total("count", DUE_STATES),
        cancellations=total("count", (BookingState.CANCELLED,)),
        made=total("count", MADE_STATES),
    )


def _open_hours(period: Period, hours: dict) -> int:
    """The hours the studio is open in ``period``, given the opening hours of its days."""
    return sum(day_hours[1] - day_hours[0] for day in period.dates if (day_hours := hours[day]) is not None)


# --- Revenue by hall and by source --------------------------------------------------------------------


@dataclass(frozen=True)
class RevenueLine:
    """One hall's or one source's share of a period's revenue, with the same days of the period before."""

    key: str
    label: str
    revenue: Decimal
    bookings: int
    previous_revenue: Decimal
    share: float  # of the period's revenue, 0–1
    colour: str = ""


def _revenue_rows(bookings, current: Period, previous: Period) -> list[dict]:
    """Revenue, bookings and the previous period's revenue per hall and source, both periods in one query."""
    in_current = Q(start__gte=current.start, start__lt=current.end)
    in_previous = Q(start__gte=previous.start, start__lt=previous.end)
    revenue_states = Q(state__in=REVENUE_STATES)
    return list(
        bookings.filter(in_current | in_previous)
        .values("space", "source")
        .annotate(
            revenue=Coalesce(Sum("total_price", filter=in_current & revenue_states), Value(ZERO),
                             output_field=DecimalField()),
            bookings=Count("pk", filter=in_current & Q(state__in=ACTIVE_STATES)),
            previous_revenue=Coalesce(Sum("total_price", filter=in_previous & revenue_states), Value(ZERO),
                                      output_field=DecimalField()),
        )
        .order_by()
    )


def _totals_by(rows: list[dict], field: str) -> dict:
    """``{value of field: {revenue, bookings, previous_revenue}}``: the rows' figures added up per value."""
    found: dict = {}
    for row in rows:
        totals = found.setdefault(row[field], {"revenue": ZERO, "bookings": 0, "previous_revenue": ZERO})
        for figure in totals:
            totals[figure] += row[figure]
    return found


def _lines(found: dict, keys: list[tuple], current_total: Decimal) -> list[RevenueLine]:
    lines = []
    for key, label, colour in keys:
        row = found.get(key, {"revenue": ZERO, "bookings": 0, "previous_revenue": ZERO})
        share = float(row["revenue"] / current_total) if current_total else 0.0
        lines.append(RevenueLine(str(key), str(label), row["revenue"], row["bookings"], row["previous_revenue"],
                                 share, colour))
    return lines


def _hall_lines(found: dict, spaces) -> list[RevenueLine]:
    """Active halls even without a booking; an inactive hall only when it has revenue in either period."""
    halls = [hall for hall in spaces
             if hall.is_active or any(found.get(hall.pk, {}).get(key) for key in ("revenue", "previous_revenue"))]
    total = sum((row["revenue"] for row in found.values()), ZERO)
    lines = _lines(found, [(hall.pk, hall.name, hall.css_colour) for hall in halls], total)
    return sorted(lines, key=lambda line: -line.revenue)


def _source_lines(found: dict) -> list[RevenueLine]:
    total = sum((row["revenue"] for row in found.values()), ZERO)
    return _lines(found, [(source.value, source.label, "") for source in BookingSource], total)


def revenue_by_space_and_source(bookings, spaces, current: Period, previous: Period) -> tuple[list, list]:
    """Each hall's revenue in ``current`` and ``previous``, the largest first, and the website's, the phone's
    and walk-ins' (one query, plus reading ``spaces``)."""
    rows = _revenue_rows(bookings, current, previous)
    return _hall_lines(_totals_by(rows, "space"), spaces), _source_lines(_totals_by(rows, "source"))


# --- Occupancy by weekday and hour ---------------------------------------------------------------------

# Shades of the heat map: a cell's level is the highest whose floor its occupancy reaches.
HEAT_LEVELS = (0.0, 0.2, 0.4, 0.6, 0.8)


@dataclass(frozen=True)
class HeatCell:
    weekday: int  # 0 Monday … 6 Sunday
    day: str  # Monday, in the language active when the map was made
    hour: int
    booked: int  # hall-hours booked
    open: int  # hall-hours open

    @property
    def occupancy(self) -> float | None:
        if not self.open:
            return None if not self.booked else 1.0
        return self.booked / self.open

    @cached_property
    def level(self) -> int | None:
        """0 (empty) to 5 (80% and more); None when the studio is closed at that hour."""
        occupancy = self.occupancy
        if occupancy is None:
            return None
        if occupancy == 0:
            return 0
        return max(index for index, floor in enumerate(HEAT_LEVELS, start=1) if occupancy >= floor)

    # The map has a hundred-odd cells: their texts are written here once each, not by a translating
    # template tag per cell.
    @cached_property
    def figure(self) -> str:
        """The occupancy as the cell shows it: ``4%``."""
        return percent(self.occupancy)

    @property
    def title(self) -> str:
        """What the cell says in full: ``Monday, 10:00: 4% (1 of 24 hall-hours booked)``, or that it is closed."""
        hour = f"{self.hour:02d}"
        if self.level is None:
            return gettext("%(day)s, %(hour)s:00: closed") % {"day": self.day, "hour": hour}
        return ngettext("%(day)s, %(hour)s:00: %(share)s (%(booked)s of %(counter)s hall-hour booked)",
                        "%(day)s, %(hour)s:00: %(share)s (%(booked)s of %(counter)s hall-hours booked)",
                        self.open) % {"day": self.day, "hour": hour, "share": self.figure, "booked": self.booked,
                                      "counter": self.open}


@dataclass(frozen=True)
class HeatRow:
    weekday: int
    name: str  # Monday
    abbr: str  # Mon
    cells: list[HeatCell]


@dataclass(frozen=True)
class HeatMap:
    first_day: date
    last_day: date
    weeks: int
    hours: list[int]
    rows: list[HeatRow]

    @property
    def is_empty(self) -> bool:
        return not self.hours

    @property
    def label(self) -> str:
        return span_label(self.first_day, self.last_day)


def occupancy_by_hour(bookings, spaces, *, last_day: date, weeks: int = 8) -> HeatMap:
    """Booked over open hall-hours by weekday and hour of the studio's clock, over the ``weeks`` weeks that end
    with ``last_day``: one aggregate query over the bookings that start in those weeks (the start index
    bounds it), plus reading the halls and the opening hours of those days.

    A booking fills every hour it covers: the query groups by start and length, and each group is spread over
    its hours here. Bookings start on whole hours, so the groups are at most the weeks' hours times the lengths
    booked (445 for a chain's fifty halls over eight weeks), however many bookings; reading each start's weekday and hour on the studio's clock here, not in the query,
    spares the database a time-zone conversion per booking (half the query's time).
    """
    first_day = last_day - timedelta(days=7 * weeks - 1)
    zone = timezone.get_current_timezone()
    length = ExpressionWrapper(F("end") - F("start"), output_field=DurationField())
    rows = (
        bookings.filter(start__gte=local_midnight(first_day), start__lt=local_midnight(last_day + timedelta(days=1)),
                        state__in=ACTIVE_STATES)
        .annotate(length=length)
        .values("start", "length")
        .annotate(count=Count("pk"))
        .order_by()
    )
    booked: dict[tuple[int, int], int] = {}
    for row in rows:
        hours = max(1, round(row["length"].total_seconds() / 3600)) if row["length"] else 1
        start = timezone.localtime(row["start"], zone)
        for offset in range(hours):
            moment = start.weekday() * DAY_HOURS + start.hour + offset
            cell = (moment // DAY_HOURS % 7, moment % DAY_HOURS)
            booked[cell] = booked.get(cell, 0) + row["count"]
    halls = active_count(spaces)
    open_cells: dict[tuple[int, int], int] = {}
    for day, hours in opening_hours_for(first_day + timedelta(days=n) for n in range(7 * weeks)).items():
        if hours is None:
            continue
        for hour in range(hours[0], min(hours[1], DAY_HOURS)):
            open_cells[(day.weekday(), hour)] = open_cells.get((day.weekday(), hour), 0) + halls
    shown = {hour for _weekday, hour in open_cells} | {hour for _weekday, hour in booked}
    columns = list(range(min(shown), max(shown) + 1)) if shown else []
    rows = []
    for weekday in range(7):
        name = str(WEEKDAYS[weekday])
        cells = [HeatCell(weekday, name, hour, booked.get((weekday, hour), 0), open_cells.get((weekday, hour), 0))
                 for hour in columns]
        rows.append(HeatRow(weekday, name, str(WEEKDAYS_ABBR[weekday]), cells))
    return HeatMap(first_day=first_day, last_day=last_day, weeks=weeks, hours=columns, rows=rows)


@dataclass(frozen=True)
class DayActivity:
    day: date
    bookings: int
    revenue: Decimal

    # The chart writes each day's date and revenue twice (a bar's title, a row of its table): formatted once.
    @cached_property
    def day_text(self) -> str:
        """``Tue 1 Dec``."""
        return when(self.day, "day")

    @cached_property
    def revenue_text(self) -> str:
        return money(self.revenue)

    @property
    def title(self) -> str:
        """A bar's title: ``Tue 1 Dec: 3 bookings, ₽12,000``."""
        return ngettext("%(day)s: %(counter)s booking, %(revenue)s", "%(day)s: %(counter)s bookings, %(revenue)s",
                        self.bookings) % {"day": self.day_text, "counter": self.bookings, "revenue": self.revenue_text}


def daily_activity(bookings, *, last_day: date, days: int = 30) -> list[DayActivity]:
    """Active bookings and revenue per day for the ``days`` days ending with ``last_day`` (one query, grouped by
    start: each start's day on the studio's clock is read here, as ``occupancy_by_hour`` does)."""
    first_day = last_day - timedelta(days=days - 1)
    zone = timezone.get_current_timezone()
    rows = (
        bookings.filter(start__gte=local_midnight(first_day), start__lt=local_midnight(last_day + timedelta(days=1)))
        .values("start")
        .annotate(
            count=Count("pk", filter=Q(state__in=ACTIVE_STATES)),
            revenue=Coalesce(
                Sum("total_price", filter=Q(state__in=REVENUE_STATES)), Value(ZERO), output_field=DecimalField()
            ),
        )
        .order_by()
    )
    counts, revenue = defaultdict(int), defaultdict(lambda: ZERO)
    for row in rows:
        day = timezone.localtime(row["start"], zone).date()
        counts[day] += row["count"]
        revenue[day] += row["revenue"]
    return [DayActivity(day, counts[day], revenue[day])
            for day in (first_day + timedelta(days=offset) for offset in range(days))]


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
