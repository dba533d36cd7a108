"""The hour cells and the bookings of the calendar grid, written out in Python. A week of every hall is
thousands of them, and the template language costs many times more per element than the few joins each needs.
Every value from the database is escaped here, as the template would."""

from datetime import date, datetime, time
from html import escape

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from bookings.models import BookingState
from calendar_app.grid import Cell, Grid, Item, Lane
from studio_crm.formatting import when

register = template.Library()
# Reversed once per page with this id in place of a booking's, which is then put in: thousands of reverse()
# calls cost more than the rest of a booking's markup.
_ANY_PK = 2_147_483_647


def _url_pattern(name: str) -> str:
    return reverse(name, args=[_ANY_PK])


def _lane_classes(lane: Lane) -> str:
    return (" day-start" if lane.first_of_day else "") + (" today" if lane.is_today else "")


class _HourNames:
    """The moments of a grid as its markup writes them (an hour's start in an address and read aloud, a clock
    time), each worked out once and only where shown. A week's cells and bookings share seven days and a dozen
    clock times, and formatting a date costs more than the rest of a cell's markup."""

    def __init__(self):
        self._local: dict[datetime, datetime] = {}
        self._iso: dict[datetime, str] = {}
        self._days: dict[date, str] = {}
        self._clocks: dict[time, str] = {}

    def local(self, start: datetime) -> datetime:
        if start not in self._local:
            self._local[start] = timezone.localtime(start)
        return self._local[start]

    def iso(self, start: datetime) -> str:
        if start not in self._iso:
            self._iso[start] = escape(self.local(start).isoformat())
        return self._iso[start]

    def spoken(self, start: datetime) -> str:
        """``Tue 1 Dec, 10:00``: the day's name depends only on the date, the time's only on the clock."""
        local = self.local(start)
        day = local.date()
        if day not in self._days:
            self._days[day] = when(day, "day")
        return f"{self._days[day]}, {self.clock(local)}"

    def clock(self, local: datetime) -> str:
        """``10:00`` of a moment on the studio's clock."""
        clock = local.time()
        if clock not in self._clocks:
            self._clocks[clock] = when(local, "time")
        return self._clocks[clock]


def _cell(cell: Cell, lane: Lane, classes: str, names: _HourNames, words: dict[str, str]) -> str:
    place = f'style="grid-row: {cell.line}; grid-column: {lane.column}"'
    if cell.status == "free":
        book = escape(words["book"] % {"space": lane.space.name, "start": names.spoken(cell.start)})
        return (f'<a class="cal-cell free{classes}" {place} href="{escape(cell.book_url)}" '
                f'data-space="{escape(lane.space.slug)}" data-start="{names.iso(cell.start)}" aria-label="{book}">'
                '<span aria-hidden="true">+</span></a>')
    marks = ""
    if cell.status in ("taken", "buffer"):
        marks = f' data-space="{escape(lane.space.slug)}" data-start="{names.iso(cell.start)}"'
    if cell.note:
        marks += f' title="{escape(cell.note)}"'
    note = f'<span class="cal-cell-note">{words["cleanup"]}</span>' if cell.status == "buffer" else ""
    return f'<div class="cal-cell {cell.status}{classes}" {place}{marks}>{note}</div>'


@register.simple_tag
def grid_cells(grid: Grid) -> SafeString:
    """Every lane's hour cells: a link to book a free hour, a box for any other."""
    names = _HourNames()
    words = {"book": _("Book %(space)s, %(start)s"), "cleanup": escape(_("Cleanup"))}
    parts = []
    for lane in grid.lanes:
        classes = _lane_classes(lane)
        parts.extend(_cell(cell, lane, classes, names, words) for cell in lane.cells)
    return mark_safe("".join(parts))  # noqa: S308 - every piece above is escaped


def _booking(item: Item, summary: str, move: str, states: dict[str, str], clock) -> str:
    booking, space = item.obj, item.space
    pk = str(booking.pk)
    summary_url = summary.replace(str(_ANY_PK), pk)
    zone = timezone.get_current_timezone()
    start, end = booking.start.astimezone(zone), booking.end.astimezone(zone)
    hours = f"{clock(start)}–{clock(end)}"
    state = states[booking.state]
    name, client, reference = escape(space.name), escape(booking.client_name), escape(booking.reference)
    classes = f"cal-item cal-booking state-{escape(booking.state)}"
    classes += ("" if item.is_active else " inactive") + (" short" if item.span == 1 else "")
    movable = ""
    if item.is_movable:
        movable = (f' draggable="true" data-move-url="{move.replace(str(_ANY_PK), pk)}" '
                   f'data-version="{booking.version}"')
    return (
        f'<a class="{classes}" style="grid-row: {item.line} / span {item.span}; grid-column: {item.column}; '
        f'--space: {space.css_colour}; --stack: {item.stack}" href="{summary_url}" hx-get="{summary_url}" '
        f'hx-target="#cal-dialog-body" hx-swap="innerHTML" data-booking="{pk}"{movable} '
        f'title="{reference} · {name} · {hours} · {client} · {state}">'
        f'<span class="cal-item-time">{hours}</span>'
        f'<span class="cal-item-hours" aria-hidden="true">{Item.short_hours(start, end)}</span>'
        f'<span class="cal-item-name">{client}</span><span class="cal-item-state">{state}</span>'
        f'<span class="cal-item-short" aria-hidden="true">{escape(item.state_short)}</span>'
        f'<span class="sr-only">{name}, {reference}, {state}</span></a>'
    )


@register.simple_tag
def grid_bookings(grid: Grid) -> SafeString:
    """The bookings drawn on the lanes, each a link to its summary (and draggable while it may still move)."""
    summary, move = _url_pattern("calendar_booking"), _url_pattern("calendar_booking_move")
    states = {value: escape(str(label)) for value, label in BookingState.choices}
    clock = _HourNames().clock  # bookings of a week share few clock times: each is written once
    parts = [_booking(item, summary, move, states, clock) for item in grid.items if item.kind == "booking"]
    return mark_safe("".join(parts))  # noqa: S308 - every piece above is escaped
