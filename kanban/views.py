import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from bookings.access import get_booking_for, visible_spaces
from bookings.errors import BookingConflict, StaleBooking, TransitionRefused
from employees.access import staff_required
from studio_crm.htmx import page_or_partial, safe_next

from .forms import BoardFilterForm, MoveForm
from .routing import BOARD_SOCKET
from .services import (
    COLUMN_LABELS,
    MAX_RANGE_DAYS,
    board_columns,
    card_move,
    default_range,
    reason_questions,
    render_card,
)


@require_GET
@staff_required
def board(request):
    date_from, date_to = default_range()
    form = BoardFilterForm(
        request.GET or None, spaces=visible_spaces(request.user), initial={"date_from": date_from, "date_to": date_to}
    )
    filters = form.filters()
    columns = board_columns(request.user, **filters)
    context = {
        "form": form,
        "columns": columns,
        "filters": filters,
        "max_range_days": MAX_RANGE_DAYS,
        "board_url": request.get_full_path(),
        "socket_path": f"/{BOARD_SOCKET}",
        "reason_questions": reason_questions(),
    }
    return render(request, page_or_partial(request, "kanban/board.html", "board"), context)


def _answer(request, *, booking, ok: bool, message: str, status: int = 200):
    """The outcome of a move: JSON for the board's script, a message and a redirect for a plain form."""
    level = "success" if ok else "error"
    if "application/json" in request.headers.get("Accept", ""):
        body = {"ok": ok, "message": message}
        if booking is not None:
            body.update(id=booking.pk, state=booking.state, card=render_card(booking, request))
        response = JsonResponse(body, status=status)
    elif request.htmx:
        response = HttpResponse(render_card(booking, request) if booking else "", status=status)
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
        errors = "; ".join(f"{name}: {' '.join(errs)}" for name, errs in form.errors.items())
        return _answer(request, booking=None, ok=False, message=f"The move could not be read ({errors}).", status=400)
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
    message = f"{moved.reference} ({moved.client_name}) is now in {COLUMN_LABELS[moved.state]}."
    if moved.state == booking.state and data["order"]:
        message = "Order saved."
    return _answer(request, booking=moved, ok=True, message=message)
