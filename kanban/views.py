import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from bookings.access import get_booking_for, visible_spaces
from bookings.errors import BookingConflict, StaleBooking, TransitionRefused
from employees.access import staff_required
from studio_crm.htmx import page_or_partial, safe_next

from .cards import card_html, columns_html
from .forms import BoardFilterForm, MoveForm
from .routing import BOARD_SOCKET
from .services import (
    CARDS_PER_PAGE,
    COLUMN_LABELS,
    MAX_RANGE_DAYS,
    MOST_CARDS_SHOWN,
    Column,
    board_columns,
    card_move,
    default_range,
    reason_questions,
)


def _part(request, form: BoardFilterForm, columns: list[Column]) -> tuple[str, dict, list[Column]]:
    """The template of what the request asks for, its extra context and the columns whose cards it shows:
    the page, the board (htmx), one column's cards ("Show more"), or the cards a live page heard changed
    (with every column's head)."""
    more, cards = (form.more(), form.cards()) if request.htmx else (None, None)
    if more is not None:
        column = next(column for column in columns if column.state == more)
        return "kanban/board.html#more", {"column": column}, [column]
    if cards is not None:
        for column in columns:
            column.cards = [booking for booking in column.cards if booking.pk in cards]
    return page_or_partial(request, "kanban/board.html", "board"), {}, columns


def _show_more_links(columns: list[Column], filters: dict, shown: dict[str, int]) -> None:
    for column in columns:
        if column.hidden and column.shown < MOST_CARDS_SHOWN:
            more = min(column.shown + CARDS_PER_PAGE, MOST_CARDS_SHOWN)
            column.more_url = BoardFilterForm.url(filters, {**shown, column.state: more})


@require_GET
@staff_required
def board(request):
    date_from, date_to = default_range()
    form = BoardFilterForm(
        request.GET or None, spaces=visible_spaces(request.user), initial={"date_from": date_from, "date_to": date_to}
    )
    filters, shown = form.filters(), form.shown()
    columns = board_columns(request.user, **filters, shown=shown)
    board_url = form.url(filters, shown)
    _show_more_links(columns, filters, shown)
    template, extra, shown_columns = _part(request, form, columns)
    columns_html(shown_columns, request, next_url=board_url)
    context = {
        "form": form,
        "columns": columns,
        "filters": filters,
        "max_range_days": MAX_RANGE_DAYS,
        "board_url": board_url,
        "socket_path": f"/{BOARD_SOCKET}",
        "reason_questions": reason_questions(),
        **extra,
    }
    return render(request, template, context)


def _answer(request, *, booking, ok: bool, message: str, status: int = 200):
    """The outcome of a move: JSON for the board's script, a message and a redirect for a plain form."""
    level = "success" if ok else "error"
    if "application/json" in request.headers.get("Accept", ""):
        body = {"ok": ok, "message": message}
        if booking is not None:
            body.update(id=booking.pk, state=booking.state, card=card_html(booking, request))
        response = JsonResponse(body, status=status)
    elif request.htmx:
        response = HttpResponse(card_html(booking, request) if booking else "", status=status)
    else:
        getattr(messages, level)(request, message)
        return redirect(safe_next(request, reverse("kanban")))
    response["HX-Trigger"] = json.dumps({"toast": {"message": message, "level": level}})
    return response


@require_POST
@staff_required
def move(request):
    form = MoveForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(" ".join(errs) for errs in form.errors.values())
        message = gettext("The move could not be read: %(errors)s") % {"errors": errors}
        return _answer(request, booking=None, ok=False, message=message, status=400)
    data = form.cleaned_data
    booking = get_booking_for(request, data["booking"])
    try:
        moved = card_move(booking=booking, to=data["to"], by=request.user, version=data["version"],
                          reason=data["reason"], order=data["order"])
    except (TransitionRefused, BookingConflict, StaleBooking) as error:
        current = get_booking_for(request, booking.pk)
        return _answer(request, booking=current, ok=False, message=error.message, status=409)
    except ValidationError as error:
        return _answer(request, booking=booking, ok=False, message=" ".join(error.messages), status=400)
    message = gettext("%(reference)s (%(client)s) is now in %(column)s.") % {
        "reference": moved.reference, "client": moved.client_name, "column": COLUMN_LABELS[moved.state]}
    if moved.state == booking.state and data["order"]:
        message = gettext("Order saved.")
    return _answer(request, booking=moved, ok=True, message=message)
