"""The calendar's view models: which lanes, rows, bookings and blocks a day, week or month shows.

All arithmetic on instants happens in UTC; local (studio) time is only used to name days and
hours. A day's rows start at its own opening time, so a day on which the clocks change has the
right number of hours, each labelled with its real local time.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext, pgettext_lazy

from bookings.availability import LONGEST_HOLD, as_utc, hour_clashes, validate_booking_time
from bookings.hours import Hours, day_bounds, opening_hours_for, widest_hours
from bookings.models import ACTIVE_STATES, BookingState, CalendarBlock, Space
from studio_crm.formatting import when

HOUR = timedelta(hours=1)
VIEWS = ("day", "week", "month")
# How many halls an all-halls day or week shows at once: a chain's fifty halls side by side are thousands of
# lanes no one can read and a page of more than a megabyte.
HALLS_PER_PAGE = 8
# What the view switcher and the previous/next links call each view (whole phrases: "previous" agrees with
# the view's gender in some languages).
VIEW_LABELS = {
    "day": pgettext_lazy("calendar view", "Day"),
    "week": pgettext_lazy("calendar view", "Week"),
    "month": pgettext_lazy("calendar view", "Month"),
}
PREVIOUS_LABELS = {
    "day": pgettext_lazy("calendar", "Previous day"),
    "week": pgettext_lazy("calendar", "Previous week"),
    "month": pgettext_lazy("calendar", "Previous month"),
}
NEXT_LABELS = {
    "day": pgettext_lazy("calendar", "Next day"),
    "week": pgettext_lazy("calendar", "Next week"),
    "month": pgettext_lazy("calendar", "Next month"),
}
BOOKING_FIELDS = ("id", "reference", "space_id", "start", "end", "occupied_until", "state", "client_name", "version")
# A state in a few letters, for the narrow lanes of the all-spaces week.
SHORT_STATES = {
    BookingState.PENDING: pgettext_lazy("short booking state", "Pend."),
    BookingState.CONFIRMED: pgettext_lazy("short booking state", "Conf."),
    BookingState.IN_PROGRESS: pgettext_lazy("short booking state", "Live"),
    BookingState.COMPLETED: pgettext_lazy("short booking state", "Done"),
    BookingState.CANCELLED: pgettext_lazy("short booking state", "Canc."),
    BookingState.NO_SHOW: pgettext_lazy("short booking state", "NS"),
}
# A space closed for a time (a calendar block), in full and in a narrow lane.
CLOSED = pgettext_lazy("calendar block", "Closed")
CLOSED_SHORT = pgettext_lazy("calendar block, short", "Closed")
# The legend: what each pattern means, and the short labels of the all-spaces week.
STATE_KEYS = (
    *((state.value, state.label, SHORT_STATES[state]) for state in SHORT_STATES),
    ("block", CLOSED, CLOSED_SHORT),
)


def parse_day(value: str | None) -> date:
    try:
        return date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        return timezone.localdate()


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def day_window(day: date, hours: Hours) -> tuple[datetime, datetime]:
    """``hours`` (whole hours of the studio's clock) of ``day`` as UTC instants."""
    opens, closes = day_bounds(day, hours)
    return as_utc(opens), as_utc(closes)


def shown_hours(days: list[date]) -> tuple[Hours, dict[date, Hours | None]]:
    """The hours a grid of ``days`` spans (the earliest opening to the latest closing among them, so that rows
    line up across days with different hours), and each day's own opening hours (None: closed)."""
    hours = opening_hours_for(days)
    open_days = [day_hours for day_hours in hours.values() if day_hours is not None]
    if open_days:
        span = (min(opens for opens, _ in open_days), max(closes for _, closes in open_days))
    else:
        span = widest_hours() or (settings.STUDIO_OPENS_AT, settings.STUDIO_CLOSES_AT)
    return span, hours


def hall_page(spaces: list[Space], requested: str | None) -> Page | None:
    """The page of ``spaces`` an all-halls day or week shows (``requested`` is its number from the address), or
    None when they all fit on one. A number that is not one shows the first page, one past the end the last."""
    if len(spaces) <= HALLS_PER_PAGE:
        return None
    try:
        number = max(int(requested), 1)
    except (TypeError, ValueError):
        number = 1
    return Paginator(spaces, HALLS_PER_PAGE).get_page(number)


def calendar_url(**params) -> str:
    return reverse("calendar") + "?" + urlencode({key: value for key, value in params.items() if value})


@dataclass
class Cell:
    row: int
    start: datetime
    status: str  # free, past, closed, taken, buffer (cleanup time), refused (e.g. beyond the booking horizon)
    book_url: str = ""
    line: int = 0  # the CSS grid row line
    note: str = ""  # why a cell that is neither taken nor past cannot be booked


@dataclass
class Lane:
    """One column of the grid: one space on one day."""

    day: date
    space: Space
    column: int
    window: tuple[datetime, datetime]  # the hours the grid shows for the lane's day
    is_today: bool
    open: tuple[datetime, datetime] | None = None  # when the studio is open that day (None: closed)
    first_of_day: bool = True
    cells: list[Cell] = field(default_factory=list)
    placed: list[tuple[datetime, datetime]] = field(default_factory=list)
    held: list[tuple[datetime, datetime]] = field(default_factory=list)  # active bookings' occupied time, blocks


@dataclass
class Item:
    """A booking or a block drawn on a lane, spanning ``span`` hour rows from ``row``."""

    kind: str
    obj: object
    space: Space
    column: int
    row: int
    span: int
    stack: int
    cut_before: bool
    cut_after: bool
    line: int = 0

    @property
    def is_active(self) -> bool:
        return self.kind == "booking" and self.obj.state in ACTIVE_STATES

    @property
    def state_short(self) -> str:
        """A state label short enough for the narrow lanes of the all-spaces week."""
        return SHORT_STATES.get(self.obj.state, "") if self.kind == "booking" else CLOSED_SHORT

    @property
    def hours_label(self) -> str:
        return self.short_hours(self.local_start, self.local_end)

    @staticmethod
    def short_hours(local_start: datetime, local_end: datetime) -> str:
        """``10–13``, or ``10:30–13`` off the hour: the time in as few characters as a narrow lane needs."""
        return "–".join(f"{t.hour}:{t.minute:02d}" if t.minute else f"{t.hour}" for t in (local_start, local_end))

    @property
    def is_movable(self) -> bool:
        return self.kind == "booking" and self.obj.can_reschedule

    @property
    def local_start(self):
        return timezone.localtime(self.obj.start)

    @property
    def local_end(self):
        return timezone.localtime(self.obj.end)


@dataclass
class Header:
    label: str
    sublabel: str
    column: int
    span: int
    is_today: bool
    day: date | None = None
    space: Space | None = None
    first_of_day: bool = False


@dataclass
class Grid:
    view: str
    day: date
    days: list[date]
    spaces: list[Space]
    space: Space | None
    lanes: list[Lane]
    row_labels: list[str]
    headers: list[Header]
    subheaders: list[Header]
    items: list[Item]
    now_line: dict | None
    title: str
    prev_day: date
    next_day: date
    notice: str = ""  # why some open hours cannot be booked (e.g. beyond the booking horizon)

    @property
    def state_keys(self) -> tuple:
        return STATE_KEYS

    @property
    def has_cleanup(self) -> bool:
        return any(lane.space.cleanup_minutes for lane in self.lanes)

    @property
    def header_rows(self) -> int:
        return 2 if self.subheaders else 1

    @property
    def first_row(self) -> int:
        return self.header_rows + 1

    @property
    def row_count(self) -> int:
        return len(self.row_labels)

    @property
    def lane_count(self) -> int:
        return len(self.lanes)

    @property
    def blocks(self) -> list[Item]:
        return [item for item in self.items if item.kind == "block"]


def load_bookings(bookings, spaces: list[Space], start: datetime, end: datetime, *, show_cancelled: bool = True):
    """The bookings of ``spaces`` drawn or holding time between ``start`` and ``end`` (a booking's cleanup time
    may reach into the next day's first hour): one query over the rows of that time, only the columns the grid
    needs."""
    queryset = bookings.filter(
        space__in=[s.pk for s in spaces], start__gt=start - LONGEST_HOLD, start__lt=end, occupied_until__gt=start,
    ).exclude(state=BookingState.DRAFT)
    if not show_cancelled:
        queryset = queryset.filter(state__in=ACTIVE_STATES)
    return list(queryset.only(*BOOKING_FIELDS).order_by("start", "pk"))


def load_blocks(spaces: list[Space], start: datetime, end: datetime):
    return list(
        CalendarBlock.objects.filter(space__in=[s.pk for s in spaces], start__lt=end, end__gt=start).order_by("start")
    )


def build_time_grid(
    *, view: str, day: date, spaces: list[Space], space: Space | None, bookings, show_cancelled: bool = True
) -> Grid:
    """The day view (spaces across) or the week view (days across, each day one lane per space)."""
    now = timezone.now()
    days, prev_day, next_day = _shown_days(view, day)
    shown = [space] if space is not None else spaces

    span, hours = shown_hours(days)
    windows = {d: day_window(d, span) for d in days}
    row_count = max((int((c - o) / HOUR) for o, c in windows.values()), default=0)
    labels = [when(windows[days[0]][0] + i * HOUR, "time") for i in range(row_count)]
    lanes, headers, subheaders = _lanes(view, days, shown, windows)
    for lane in lanes:
        lane.open = None if hours[lane.day] is None else day_window(lane.day, hours[lane.day])
    blocks = load_blocks(shown, windows[days[0]][0], windows[days[-1]][1])
    booking_rows = load_bookings(bookings, shown, windows[days[0]][0], windows[days[-1]][1],
                                 show_cancelled=show_cancelled)
    items = _items(lanes, blocks, booking_rows, row_count)

    first_row = 3 if subheaders else 2
    for item in items:
        item.line = first_row + item.row
    refusals = _fill_cells(lanes, items, row_count=row_count, first_row=first_row, now=now)

    return Grid(
        view=view, day=day, days=days, spaces=spaces, space=space, lanes=lanes,
        row_labels=[{"label": label, "line": first_row + i} for i, label in enumerate(labels)],
        headers=headers, subheaders=subheaders, items=items, now_line=_now_line(lanes, now, row_count),
        title=_title(view, days), prev_day=prev_day, next_day=next_day,
        notice=next((note for note in refusals.values() if note), ""),
    )


def _shown_days(view: str, day: date) -> tuple[list[date], date, date]:
    """The days a day or week view shows, and the days its previous and next links go to."""
    if view == "day":
        return [day], day - timedelta(days=1), day + timedelta(days=1)
    first = week_start(day)
    return [first + timedelta(days=i) for i in range(7)], first - timedelta(days=7), first + timedelta(days=7)


def _lanes(view: str, days: list[date], shown: list[Space], windows: dict) -> tuple[list[Lane], list[Header], list[Header]]:
    """One lane per space and day, from grid column 2, with the headers above them."""
    today = timezone.localdate()
    lanes: list[Lane] = []
    headers: list[Header] = []
    subheaders: list[Header] = []
    column = 2
    for d in days:
        first_column = column
        for s in shown:
            lanes.append(Lane(day=d, space=s, column=column, window=windows[d], is_today=d == today,
                              first_of_day=column == first_column))
            if view == "day":
                headers.append(Header(s.name, "", column, 1, d == today, day=d, space=s))
            elif len(shown) > 1:
                subheaders.append(Header(s.name, s.name[:1], column, 1, d == today, day=d, space=s,
                                         first_of_day=column == first_column))
            column += 1
        if view == "week":
            headers.append(Header(when(d, "weekday"), when(d, "short"), first_column, len(shown), d == today, day=d))
    return lanes, headers, subheaders


def _items(lanes: list[Lane], blocks: list, booking_rows: list, row_count: int) -> list[Item]:
    """The blocks and bookings drawn on the lanes; notes on each lane the time its space is held."""
    lanes_of_space: dict[int, list[Lane]] = {}
    for lane in lanes:
        lanes_of_space.setdefault(lane.space.pk, []).append(lane)
    # Blocks and active bookings are laid first, so a cancelled booking is the one pushed aside.
    booking_rows.sort(key=lambda b: b.state not in ACTIVE_STATES)
    items: list[Item] = []
    for kind, rows in (("block", blocks), ("booking", booking_rows)):
        for obj in rows:
            for lane in lanes_of_space.get(obj.space_id, []):
                if kind == "block" or obj.state in ACTIVE_STATES:
                    _hold(lane, obj.start, obj.end if kind == "block" else obj.occupied_until)
                item = _place(kind, obj, lane, lane.space, row_count)
                if item is not None:
                    items.append(item)
    return items


def _fill_cells(lanes: list[Lane], items: list[Item], *, row_count: int, first_row: int, now: datetime) -> dict:
    """Give every lane its hour cells; returns why hours were refused, by start (see _time_refusal)."""
    taken = {(item.column, r) for item in items if item.kind == "block" or item.is_active
             for r in range(item.row, item.row + item.span)}
    refusals: dict[datetime, str] = {}
    book = reverse("booking_create")
    start_params: dict[datetime, str] = {}  # the halls of a page share their hours: each is encoded once
    for lane in lanes:
        lane_book = f"{book}?{urlencode({'space': lane.space.slug})}&"
        for i in range(row_count):
            start = lane.window[0] + i * HOUR
            status, note = _cell_status(lane, start, taken=(lane.column, i) in taken, now=now, refusals=refusals)
            url = ""
            if status == "free":
                if start not in start_params:
                    start_params[start] = urlencode({"start": timezone.localtime(start).isoformat()})
                url = lane_book + start_params[start]
            lane.cells.append(Cell(row=i, start=start, status=status, book_url=url, line=first_row + i, note=note))
    return refusals


def _cell_status(lane: Lane, start: datetime, *, taken: bool, now: datetime, refusals: dict) -> tuple[str, str]:
    """What the hour of ``lane`` from ``start`` is (see Cell.status), and why it cannot be booked if it is free
    of bookings but still refused."""
    if lane.open is None or start < lane.open[0] or start + HOUR > lane.open[1]:
        return "closed", ""
    if taken:
        return "taken", ""
    if start < now:
        return "past", ""
    if note := _time_refusal(start, now, refusals):
        return "refused", note
    if hour_clashes(lane.space, start, lane.held):
        return "buffer", _cleanup_note(lane.space)
    return "free", ""


def _hold(lane: Lane, start: datetime, until: datetime) -> None:
    """Note time ``lane``'s space is held (an active booking with its cleanup, or a block) if it touches the lane."""
    opens, closes = lane.window
    if start < closes and until > opens:
        lane.held.append((start, until))


def _time_refusal(start: datetime, now: datetime, cache: dict[datetime, str]) -> str:
    """Why a one-hour booking may not start at ``start`` by the booking-time rules (e.g. beyond the
    booking horizon), or "". The same check the booking form runs; one call per hour of the grid."""
    if start not in cache:
        try:
            validate_booking_time(start, start + HOUR, now=now)
        except ValidationError as error:
            cache[start] = " ".join(error.messages)
        else:
            cache[start] = ""
    return cache[start]


def _cleanup_note(space: Space) -> str:
    return gettext("Kept free for cleanup: %(space)s needs %(minutes)s min between bookings.") % {
        "space": space.name, "minutes": space.cleanup_minutes}


def _place(kind: str, obj, lane: Lane, space: Space, row_count: int) -> Item | None:
    opens, closes = lane.window
    start, end = max(obj.start, opens), min(obj.end, closes)
    if start >= end:
        return None
    row = int((start - opens) / HOUR)
    last = -(-(end - opens) // HOUR)  # ceiling: a part hour still fills its row
    span = max(1, min(last, row_count) - row)
    stack = sum(1 for s, e in lane.placed if s < end and e > start)
    lane.placed.append((start, end))
    return Item(kind=kind, obj=obj, space=space, column=lane.column, row=row, span=span, stack=stack,
                cut_before=obj.start < opens, cut_after=obj.end > closes)


def _now_line(lanes: list[Lane], now: datetime, row_count: int) -> dict | None:
    today_lanes = [lane for lane in lanes if lane.is_today]
    if not today_lanes or not row_count:
        return None
    opens, closes = today_lanes[0].window
    if not opens <= now < closes:
        return None
    return {
        "column": today_lanes[0].column,
        "span": len(today_lanes),
        "percent": round((now - opens) / (row_count * HOUR) * 100, 2),
        "label": when(now, "time"),
    }


def _title(view: str, days: list[date]) -> str:
    """The day (``Tuesday 1 December 2026``) or the week (``30 Nov – 6 Dec 2026``), in the reader's language."""
    if view == "day":
        return when(days[0], "day_long")
    first, last = days[0], days[-1]
    if first.month == last.month:
        return f"{first.day}–{when(last, 'date')}"
    if first.year == last.year:
        return f"{when(first, 'short')} – {when(last, 'short')} {last.year}"
    return f"{when(first, 'date')} – {when(last, 'date')}"


@dataclass
class MonthDay:
    day: date
    in_month: bool
    is_today: bool
    bookings: int = 0
    hours: float = 0.0
    capacity_hours: float = 0.0
    blocked: bool = False

    @property
    def utilisation(self) -> int:
        return round(self.hours / self.capacity_hours * 100) if self.capacity_hours else 0


@dataclass
class Month:
    view: str
    day: date
    weeks: list[list[MonthDay]]
    spaces: list[Space]
    space: Space | None
    title: str
    prev_day: date
    next_day: date

    @cached_property
    def weekdays(self) -> list[str]:
        """The names of the days over the columns, Monday first, in the reader's language."""
        return [when(d.day, "weekday") for d in self.weeks[0]]

    @property
    def total_bookings(self) -> int:
        return sum(d.bookings for week in self.weeks for d in week if d.in_month)


def build_month(*, day: date, spaces: list[Space], space: Space | None, bookings) -> Month:
    """Per day of the month: active bookings, booked hours and their share of the open hours."""
    today = timezone.localdate()
    first = day.replace(day=1)
    next_month = (first + timedelta(days=32)).replace(day=1)
    start = week_start(first)
    days = []
    d = start
    while d < next_month or d.weekday() != 0:
        days.append(d)
        d += timedelta(days=1)
    shown = [space] if space is not None else spaces
    hours = opening_hours_for(days)
    # A closed day has an empty window: no capacity, and nothing booked or blocked counts in it.
    windows = {d: day_window(d, hours[d] or (0, 0)) for d in days}
    month_days = {
        d: MonthDay(day=d, in_month=d.month == first.month, is_today=d == today,
                    capacity_hours=len(shown) * (windows[d][1] - windows[d][0]) / HOUR)
        for d in days
    }
    zone = timezone.get_current_timezone()
    range_start = as_utc(datetime.combine(days[0], time(0), tzinfo=zone))
    range_end = as_utc(datetime.combine(days[-1] + timedelta(days=1), time(0), tzinfo=zone))
    active = bookings.filter(state__in=ACTIVE_STATES, start__gt=range_start - LONGEST_HOLD, start__lt=range_end,
                             end__gt=range_start)
    if space is not None:
        active = active.filter(space=space)
    for booking_start, booking_end in active.values_list("start", "end"):
        local_day = timezone.localdate(booking_start)
        month_day = month_days.get(local_day)
        if month_day is None:
            continue
        opens, closes = windows[local_day]
        month_day.bookings += 1
        month_day.hours += max((min(booking_end, closes) - max(booking_start, opens)) / HOUR, 0)
    for block in load_blocks(shown, range_start, range_end):
        for d in days:
            opens, closes = windows[d]
            if opens < closes and block.start < closes and block.end > opens:
                month_days[d].blocked = True
    prev_day = (first - timedelta(days=1)).replace(day=1)
    return Month(
        view="month", day=day, weeks=[[month_days[d] for d in days[i:i + 7]] for i in range(0, len(days), 7)],
        spaces=spaces, space=space, title=when(first, "month"), prev_day=prev_day, next_day=next_month,
    )
