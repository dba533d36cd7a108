import json
from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from bookings.access import get_booking_for, visible_bookings, visible_spaces
from bookings.availability import as_utc
from bookings.errors import BookingError, add_service_error, error_text, local_range
from bookings.forms import TransitionForm
from bookings.models import TRANSITION_LABELS, BookingState, CalendarBlock
from bookings.services import block_create, block_delete, booking_transition, booking_update
from employees.access import admin_required, staff_required
from studio_crm.htmx import page_or_partial, safe_next

from .feeds import feed_calendar, feed_spaces
from .forms import BlockForm, MoveForm
from .grid import (
    HOUR,
    NEXT_LABELS,
    PREVIOUS_LABELS,
    VIEW_LABELS,
    VIEWS,
    build_month,
    build_time_grid,
    calendar_url,
    hall_page,
    parse_day,
)
from .models import CalendarFeed
from .routing import CALENDAR_SOCKET
from .services import feed_regenerate

# The move form asks for a length in hours where the booking services speak of its end.
MOVE_FIELDS = {"end": "hours"}
# What a state change made of a booking, a whole sentence per state.
DONE_MESSAGES = {
    BookingState.PENDING: gettext_lazy("%(reference)s is waiting for confirmation."),
    BookingState.CONFIRMED: gettext_lazy("%(reference)s is confirmed."),
    BookingState.IN_PROGRESS: gettext_lazy("%(reference)s: the session has started."),
    BookingState.COMPLETED: gettext_lazy("%(reference)s is completed."),
    BookingState.CANCELLED: gettext_lazy("%(reference)s is cancelled."),
    BookingState.NO_SHOW: gettext_lazy("%(reference)s is marked as a no-show."),
}


def _calendar_context(request) -> dict:
    view = request.GET.get("view") if request.GET.get("view") in VIEWS else "week"
    day = parse_day(request.GET.get("date"))
    if not 2000 <= day.year <= 2100:
        day = timezone.localdate()
    spaces = list(visible_spaces(request.user).filter(is_active=True).order_by("name"))
    slug = request.GET.get("space", "")
    space = next((s for s in spaces if s.slug == slug), None)
    show_cancelled = request.GET.get("cancelled") != "hide"
    halls = None if space else hall_page(spaces, request.GET.get("halls"))
    shown = _shown_halls(view, spaces, space, halls)
    bookings = visible_bookings(request.user)
    if view == "month":
        grid = build_month(day=day, spaces=spaces, space=space, bookings=bookings)
    else:
        grid = build_time_grid(
            view=view, day=day, spaces=shown, space=space, bookings=bookings, show_cancelled=show_cancelled
        )
    # The page of halls stays through every move (the month shows all halls but keeps it for the way back).
    keep = {"space": space.slug if space else "", "cancelled": "" if show_cancelled else "hide",
            "halls": _halls_param(halls.number) if halls else ""}

    def url(**changes):
        return calendar_url(**{"view": view, "date": day.isoformat(), **keep, **changes})

    return {
        "grid": grid,
        "view": view,
        "day": day,
        "spaces": spaces,
        "space": space,
        "shown_spaces": shown,
        "show_cancelled": show_cancelled,
        "halls": keep["halls"],
        "hall_pager": _hall_pager(halls, url) if halls and view != "month" else None,
        "day_link_keep": _day_link_keep(keep),
        "current_url": url(),
        "prev_url": url(date=grid.prev_day.isoformat()),
        "next_url": url(date=grid.next_day.isoformat()),
        "today_url": url(date=timezone.localdate().isoformat()),
        "view_urls": [(name, VIEW_LABELS[name], url(view=name)) for name in VIEWS],
        "prev_label": PREVIOUS_LABELS[view],
        "next_label": NEXT_LABELS[view],
        "cancelled_url": url(cancelled="" if not show_cancelled else "hide"),
        "time_zone": timezone.get_current_timezone_name(),
        "socket_path": f"/{CALENDAR_SOCKET}",
    }


def _shown_halls(view: str, spaces: list, space, halls) -> list:
    """The halls the grid draws: the one chosen, else one page of a chain's halls in a day or week, else all
    (the month adds every hall up into one cell a day)."""
    if space is not None:
        return [space]
    if halls is not None and view != "month":
        return list(halls.object_list)
    return spaces


def _day_link_keep(keep: dict) -> str:
    """What a link from the grid to one of its days keeps of this address: the hall, or the page of halls."""
    return "".join(f"&{urlencode({key: keep[key]})}" for key in ("space", "halls") if keep[key])


def _halls_param(number: int) -> int | str:
    """The ``halls`` of an address: none for the first page, so a small studio's addresses stay as they were."""
    return number if number > 1 else ""


def _hall_pager(halls: Page, url: Callable[..., str]) -> dict:
    """Which halls of how many the grid shows, and the addresses of the pages before and after."""
    return {
        "page": halls,
        "prev_url": url(halls=_halls_param(halls.previous_page_number())) if halls.has_previous() else "",
        "next_url": url(halls=halls.next_page_number()) if halls.has_next() else "",
    }


def _render_calendar(request, *, block_form=None, status=200):
    context = _calendar_context(request)
    template = page_or_partial(request, "calendar_app/calendar.html", "grid")
    if template.endswith("#grid"):  # an htmx swap needs only the grid, not the panels below it
        return render(request, template, context, status=status)
    if request.user.is_admin_or_owner:
        context["block_form"] = block_form or BlockForm(
            spaces=visible_spaces(request.user).filter(is_active=True),
            initial={"space": context["space"].slug if context["space"] else None},
        )
    context["feeds"] = [
        {"feed": feed, "url": request.build_absolute_uri(reverse("calendar_ical", args=[feed.token]))}
        for feed in CalendarFeed.objects.filter(employee=request.user).select_related("space")
    ]
    return render(request, "calendar_app/calendar.html", context, status=status)


@require_GET
@staff_required
def calendar(request):
    return _render_calendar(request)


def _day_url(booking) -> str:
    return calendar_url(view="day", date=timezone.localdate(booking.start).isoformat())


def _summary_response(request, booking, *, move_form=None, error="", status=200, toast=None):
    spaces = visible_spaces(request.user).filter(is_active=True)
    if move_form is None:
        move_form = MoveForm(
            spaces=spaces, auto_id=f"move{booking.pk}_%s",
            initial={"version": booking.version, "space": booking.space.slug,
                     "start": timezone.localtime(booking.start), "hours": booking.duration_hours},
        )
    context = {
        "booking": booking,
        "space_colour": booking.space.css_colour,
        "move_form": move_form,
        "error": error,
        "day_url": _day_url(booking),
        "transitions": [
            {"to": state.value, "label": TRANSITION_LABELS[state], "needs_reason": booking.needs_reason(state)}
            for state in booking.next_states()
        ],
        "can_move": booking.can_reschedule,
    }
    response = render(request, page_or_partial(request, "calendar_app/summary.html", "summary"), context,
                      status=status)
    if request.htmx and toast:
        response["HX-Trigger"] = json.dumps(toast)
    return response


@require_GET
@staff_required
def booking_summary(request, pk):
    return _summary_response(request, get_booking_for(request, pk))


def _error_toast(message: str) -> dict:
    return {"toast": {"message": message, "level": "error"}}


def _refused(request, booking, error, *, move_form=None):
    """The summary again with the reason: 400 for input the rules refuse, 409 for a clash or a stale change."""
    message, status = error_text(error), 400 if isinstance(error, ValidationError) else 409
    if move_form is not None:
        add_service_error(move_form, error, fields=MOVE_FIELDS)
        return _summary_response(request, booking, move_form=move_form, status=status, toast=_error_toast(message))
    return _summary_response(request, booking, error=message, status=status, toast=_error_toast(message))


def _done(request, booking, message: str):
    """After a change: the fresh summary and a redraw of the grid (htmx), or back to the day with a message."""
    if request.htmx:
        return _summary_response(request, booking, toast={
            "calendarChanged": {"booking": booking.pk}, "toast": {"message": message, "level": "success"}})
    messages.success(request, message)
    return redirect(_day_url(booking))


@require_POST
@staff_required
def booking_move(request, pk):
    booking = get_booking_for(request, pk)
    form = MoveForm(request.POST, spaces=visible_spaces(request.user).filter(is_active=True),
                    auto_id=f"move{booking.pk}_%s")
    if not form.is_valid():
        return _summary_response(request, booking, move_form=form, status=400,
                                 toast=_error_toast(gettext("Check the new time and space.")))
    start = as_utc(form.cleaned_data["start"])
    hours = form.cleaned_data["hours"] or booking.duration_hours
    try:
        moved = booking_update(booking=booking, version=form.cleaned_data["version"], by=request.user,
                               space=form.cleaned_data["space"], start=start, end=start + hours * HOUR)
    except (ValidationError, BookingError) as error:
        return _refused(request, booking, error, move_form=form)
    message = gettext("%(reference)s moved to %(space)s, %(time)s.") % {
        "reference": moved.reference, "space": moved.space.name, "time": local_range(moved.start, moved.end)}
    return _done(request, moved, message)


@require_POST
@staff_required
def booking_transition_view(request, pk):
    booking = get_booking_for(request, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        return _summary_response(request, booking, error=gettext("Choose what to do with the booking."), status=400)
    to = form.cleaned_data["to"]
    try:
        changed = booking_transition(booking=booking, to=to, by=request.user, reason=form.cleaned_data["reason"],
                                     version=form.cleaned_data["version"])
    except (ValidationError, BookingError) as error:
        return _refused(request, booking, error)
    return _done(request, changed, DONE_MESSAGES[changed.state] % {"reference": changed.reference})


@require_POST
@admin_required
def block_new(request):
    form = BlockForm(request.POST, spaces=visible_spaces(request.user).filter(is_active=True))
    if form.is_valid():
        data = form.cleaned_data
        try:
            block = block_create(space=data["space"], start=data["start"], end=data["end"], kind=data["kind"],
                                 note=data["note"], by=request.user)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, gettext("%(space)s is closed %(time)s.") % {
                "space": block.space.name, "time": local_range(block.start, block.end)})
            return redirect(calendar_url(view=request.GET.get("view", "week"),
                                         date=timezone.localdate(block.start).isoformat(),
                                         space=request.GET.get("space", ""), halls=request.GET.get("halls", "")))
    return _render_calendar(request, block_form=form, status=400)


@require_POST
@admin_required
def block_remove(request, pk):
    block = CalendarBlock.objects.filter(pk=pk, space__in=visible_spaces(request.user)).select_related("space").first()
    if block is None:
        raise Http404("No such block.")
    block_delete(block=block, by=request.user)
    messages.success(request, gettext("%(space)s is open again %(time)s.") % {
        "space": block.space.name, "time": local_range(block.start, block.end)})
    return redirect(safe_next(request, calendar_url(view="day", date=timezone.localdate(block.start).isoformat())))


@require_POST
@staff_required
def feed_new(request):
    slug = request.POST.get("space", "")
    space = None
    if slug:
        space = visible_spaces(request.user).filter(slug=slug).first()
        if space is None:
            raise Http404("No such space.")
    feed_regenerate(employee=request.user, space=space)
    if space is None:
        message = gettext("New calendar link for all your spaces. Any older link no longer works.")
    else:
        message = gettext("New calendar link for %(space)s. Any older link no longer works.") % {"space": space.name}
    messages.success(request, message)
    return redirect(safe_next(request, reverse("calendar")))


@require_GET
def ical(request, token):
    feed = CalendarFeed.objects.select_related("employee", "space").filter(token=token).first()
    spaces = feed_spaces(feed) if feed is not None else None
    if spaces is None:
        raise Http404("No such calendar.")
    response = HttpResponse(feed_calendar(feed, spaces), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="studio.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response

