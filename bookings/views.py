"""Staff pages for bookings: the list with its export and batch actions, and the booking's card and actions.

Every view fetches through bookings.access (a manager sees their spaces only) and changes bookings
through bookings.services; refusals become form errors or messages, never a half-written row.
"""

from auditlog.models import LogEntry
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from employees.access import log_denial, staff_required
from studio_crm.htmx import page_or_partial, safe_next

from . import exports, services
from .access import get_booking_for, visible_bookings, visible_spaces
from .errors import BatchRefused, BookingError, error_text
from .forms import (
    PAGE_SIZES,
    BatchForm,
    BookingFilterForm,
    InternalNotesForm,
    PaymentForm,
    TransitionForm,
)
from .models import REASON_REQUIRED_STATES, BookingState, PaymentStatus

PAGE_SIZE = PAGE_SIZES[0]
# The list counts this many bookings at most: years of history cost no more to list than one page.
LIST_COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """Counts at most ``cap`` rows. Past the cap the list says "more than" and pages as far as the cap;
    filters narrow it from there."""

    def __init__(self, object_list, per_page, *, cap: int):
        super().__init__(object_list, per_page)
        self.cap = cap

    @cached_property
    def _probe(self) -> int:
        return self.object_list[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._probe, self.cap)

    @property
    def is_capped(self) -> bool:
        return self._probe > self.cap


# --- Booking list, export and batch actions ---------------------------------------------------------


def _filtered_bookings(request):
    form = BookingFilterForm(request.GET, spaces=visible_spaces(request.user))
    form.is_valid()  # invalid filters are shown as errors and ignored
    bookings = form.filtered(visible_bookings(request.user)).select_related("space").order_by(*form.ordering())
    return form, bookings


@staff_required
@require_GET
def booking_list(request):
    form, bookings = _filtered_bookings(request)
    page = CappedPaginator(bookings, PAGE_SIZE, cap=LIST_COUNT_CAP).get_page(request.GET.get("page"))
    return render(request, page_or_partial(request, "bookings/list.html", "results"), {
        "form": form,
        "page": page,
        "sort": form.current_sort,
        "batch_form": BatchForm(),
        "filtered": form.narrows,
    })


@staff_required
@require_GET
def booking_export(request):
    """The CSV of the bookings the list shows (its filters and sort), streamed; a very large one goes to
    the exports page, where it is prepared as a file."""
    bookings = exports.export_bookings(employee=request.user, query=request.GET)
    if exports.too_large_to_stream(bookings):
        return redirect(f"{reverse('booking_exports')}?{urlencode({'query': request.GET.urlencode()})}")
    return exports.csv_response(request, bookings)


@staff_required
@require_POST
def booking_batch(request):
    back = safe_next(request, reverse("booking_list"))
    form = BatchForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(back)
    ids = set(form.cleaned_data["selected"])
    bookings = list(visible_bookings(request.user).filter(pk__in=ids).select_related("space").order_by("start"))
    if len(bookings) != len(ids):
        log_denial(request, f"batch on bookings {sorted(ids - {b.pk for b in bookings})}")
        messages.error(request, "Nothing was changed: some of the selected bookings do not exist or are not yours.")
        return redirect(back)
    action = form.cleaned_data["action"]
    try:
        services.booking_batch(bookings=bookings, action=action, reason=form.cleaned_data["reason"], by=request.user)
    except BatchRefused as refused:
        messages.error(request, refused.message)
    else:
        done = {"confirm": "confirmed", "cancel": "cancelled", "paid": "marked paid"}[action]
        noun = "booking" if len(bookings) == 1 else "bookings"
        messages.success(request, f"{len(bookings)} {noun} {done}.")
    return redirect(back)


# --- Booking card and its actions -------------------------------------------------------------------


def _history(booking) -> list[dict]:
    """State changes and recorded field changes, oldest first. Personal data stays masked as logged."""
    events = [
        {"at": row.at, "who": row.actor_label, "kind": "state", "from": row.from_state, "to": row.to_state,
         "reason": row.reason}
        for row in booking.transitions.select_related("actor")
    ]
    for entry in LogEntry.objects.get_for_object(booking).select_related("actor"):
        changes = {field: values for field, values in entry.changes_display_dict.items() if field != "state"}
        if entry.action == LogEntry.Action.UPDATE and not changes:
            continue
        events.append({
            "at": entry.timestamp,
            "who": str(entry.actor) if entry.actor_id else "System",
            "kind": "change",
            "action": entry.get_action_display(),
            "changes": sorted(changes.items()) if entry.action == LogEntry.Action.UPDATE else [],
        })
    events.sort(key=lambda event: event["at"])
    return events


@staff_required
@require_GET
def booking_detail(request, pk):
    booking = get_booking_for(request, pk)
    return render(request, "bookings/detail.html", {
        "booking": booking,
        "lines": booking.equipment_lines.select_related("equipment"),
        "history": _history(booking),
        "transitions": booking.next_states(),
        "reason_required": REASON_REQUIRED_STATES,
        "payment_form": PaymentForm(initial={"payment_status": booking.payment_status, "version": booking.version}),
        "notes_form": InternalNotesForm(initial={"internal_notes": booking.internal_notes,
                                                  "version": booking.version}),
    })


@staff_required
@require_POST
def booking_transition(request, pk):
    booking = get_booking_for(request, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That change is not possible.")
        return redirect(safe_next(request, booking.get_absolute_url()))
    to = form.cleaned_data["to"]
    try:
        services.booking_transition(booking=booking, to=to, by=request.user, reason=form.cleaned_data["reason"],
                                    version=form.cleaned_data["version"])
    except (BookingError, ValidationError) as error:
        messages.error(request, f"{booking.reference} was not changed: {error_text(error)}")
    else:
        messages.success(request, f"{booking.reference} is now {BookingState(to).label.lower()}.")
    return redirect(safe_next(request, booking.get_absolute_url()))


@staff_required
@require_POST
def booking_payment(request, pk):
    booking = get_booking_for(request, pk)
    form = PaymentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a payment status.")
        return redirect(booking)
    try:
        services.booking_set_payment(booking=booking, status=form.cleaned_data["payment_status"], by=request.user,
                                     version=form.cleaned_data["version"])
    except (BookingError, ValidationError) as error:
        messages.error(request, f"{booking.reference} was not changed: {error_text(error)}")
    else:
        label = PaymentStatus(form.cleaned_data["payment_status"]).label.lower()
        messages.success(request, f"Payment of {booking.reference}: {label}.")
    return redirect(safe_next(request, booking.get_absolute_url()))


@staff_required
@require_POST
def booking_notes(request, pk):
    booking = get_booking_for(request, pk)
    form = InternalNotesForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(booking)
    try:
        services.booking_update(booking=booking, version=form.cleaned_data["version"], by=request.user,
                                internal_notes=form.cleaned_data["internal_notes"])
    except (BookingError, ValidationError) as error:
        messages.error(request, f"Internal notes not saved: {error_text(error)}")
    else:
        messages.success(request, "Internal notes saved.")
    return redirect(booking)


