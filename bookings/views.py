"""Staff pages for bookings: the list with its export and batch actions, and the booking's card and actions.

Every view fetches through bookings.access (a manager sees their spaces only) and changes bookings
through bookings.services; refusals become form errors or messages, never a half-written row.
"""

from auditlog.models import LogEntry
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_POST

from employees.access import log_denial, staff_required
from studio_crm.htmx import page_or_partial, safe_next

from . import exports, services
from .access import get_booking_for, visible_bookings, visible_spaces
from .errors import BatchRefused, BookingError, error_text
from .forms import (
    ALL_DATES,
    DAY,
    LIST_DAYS,
    LIST_FILTERS,
    PAGE_SIZES,
    BatchForm,
    BookingFilterForm,
    InternalNotesForm,
    PaymentForm,
    TransitionForm,
    whole_number,
)
from .models import REASON_REQUIRED_STATES, Booking, payment_in_a_sentence, state_in_a_sentence
from .pagination import CappedPaginator
from .pii import HIDDEN

PAGE_SIZE = PAGE_SIZES[0]
# Session key: what a refused batch had ticked and chosen, shown once on the list it returns to.
BATCH_KEPT = "booking_batch_kept"
# --- Booking list, export and batch actions ---------------------------------------------------------


def _filtered_bookings(request):
    form = BookingFilterForm(request.GET, spaces=visible_spaces(request.user))
    form.is_valid()  # invalid filters are shown as errors and ignored
    bookings = form.filtered(visible_bookings(request.user)).select_related("space").order_by(*form.ordering())
    return form, bookings


def _day_links(query) -> dict:
    """The list's quick choice of dates, each keeping the other filters (a search, dates typed aside)."""
    kept = query.copy()
    for key in ("date_from", "date_to", "page", "q", DAY, ALL_DATES):
        kept.pop(key, None)
    links = {}
    for day in LIST_DAYS:
        params = kept.copy()
        params[DAY] = day
        links[day] = f"?{params.urlencode()}"
    if not any(key in kept for key in LIST_FILTERS):
        kept[ALL_DATES] = "1"
    links["all"] = f"?{kept.urlencode()}"
    return links


def _day_tab(form: BookingFilterForm) -> str:
    """Which quick choice the list shows: "today", "tomorrow", "all" or "" (some other dates)."""
    if form.day_shown:
        ahead = (form.day_shown - timezone.localdate()).days
        return next((day for day, days in LIST_DAYS.items() if days == ahead), "")
    data = getattr(form, "cleaned_data", {})
    return "" if data.get("date_from") or data.get("date_to") else "all"


@staff_required
@require_GET
def booking_list(request):
    # A URL that names no filter opens on today (see opening_query); the page's own links keep the URL asked.
    asked = request.GET
    request.GET = BookingFilterForm.opening_query(asked)
    form, bookings = _filtered_bookings(request)
    opened, request.GET = request.GET, asked
    page = CappedPaginator(bookings, PAGE_SIZE).get_page(request.GET.get("page"))
    # What a refused batch had chosen comes back ticked (booking_batch keeps it for one showing).
    kept = request.session.pop(BATCH_KEPT, None) or {}
    ticked = set(kept.get("selected", [])) & {booking.pk for booking in page.object_list}
    day_tab = _day_tab(form)
    return render(request, page_or_partial(request, "bookings/list.html", "results"), {
        "form": form,
        # The filter card shows what was asked: on the quick days its dates stay empty (a search is every date).
        "filter_form": form if opened is asked else BookingFilterForm(asked, spaces=visible_spaces(request.user)),
        "page": page,
        "sort": form.current_sort,
        "batch_form": BatchForm(initial={"action": kept.get("action"), "reason": kept.get("reason", "")}),
        "ticked": ticked,
        "filtered": form.narrows,
        "day_shown": form.day_shown,
        "day_tab": day_tab,
        "day_param": asked.get(DAY) if asked.get(DAY) in LIST_DAYS else ("today" if opened is not asked else ""),
        "beyond_the_day": any(form.cleaned_data.get(key) for key in LIST_FILTERS if not key.startswith("date_")),
        "today": timezone.localdate(),
        "day_links": _day_links(asked),
        "export_query": opened.urlencode(),
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
        return _refused_batch(request, form, back)
    ids = set(form.cleaned_data["selected"])
    bookings = list(visible_bookings(request.user).filter(pk__in=ids).select_related("space").order_by("start"))
    if len(bookings) != len(ids):
        log_denial(request, f"batch on bookings {sorted(ids - {b.pk for b in bookings})}")
        messages.error(request, gettext("Nothing was changed: some of the selected bookings do not exist or are not "
                                        "yours."))
        return _refused_batch(request, form, back)
    action = form.cleaned_data["action"]
    try:
        services.booking_batch(bookings=bookings, action=action, reason=form.cleaned_data["reason"], by=request.user)
    except BatchRefused as refused:
        messages.error(request, refused.message)
        return _refused_batch(request, form, back)
    messages.success(request, batch_done_text(action, len(bookings)))
    return redirect(back)


def _refused_batch(request, form: BatchForm, back: str):
    """Back to the list with the rows still ticked, the action and reason still chosen, to fix and retry."""
    selected = [whole_number(value) for value in request.POST.getlist("selected")]
    action = request.POST.get("action", "")
    request.session[BATCH_KEPT] = {
        "selected": sorted({pk for pk in selected if pk is not None})[:PAGE_SIZES[-1]],
        "action": action if action in dict(BatchForm.ACTIONS) else "",
        "reason": request.POST.get("reason", "")[:1000],
    }
    return redirect(back)


def batch_done_text(action: str, count: int) -> str:
    """What a batch action did, e.g. "3 bookings confirmed."."""
    if action == "confirm":
        text = ngettext("%(count)s booking confirmed.", "%(count)s bookings confirmed.", count)
    elif action == "cancel":
        text = ngettext("%(count)s booking cancelled.", "%(count)s bookings cancelled.", count)
    else:
        text = ngettext("%(count)s booking marked paid.", "%(count)s bookings marked paid.", count)
    return text % {"count": count}


# --- Booking card and its actions -------------------------------------------------------------------


LOG_ACTIONS = {LogEntry.Action.CREATE: "create", LogEntry.Action.UPDATE: "update", LogEntry.Action.DELETE: "delete"}


def _shown(value) -> str:
    """A logged value as the reader sees it: a masked one says so in their language."""
    return gettext("[hidden]") if value == HIDDEN else value


def _history(booking) -> list[dict]:
    """State changes and recorded field changes, oldest first. Personal data stays masked as logged."""
    events = [
        {"at": row.at, "who": row.actor_label, "kind": "state", "from": row.from_state, "to": row.to_state,
         "reason": row.reason}
        for row in booking.transitions.select_related("actor")
    ]
    # State changes are shown from the transitions above; the log names the field by its verbose name.
    state_field = str(Booking._meta.get_field("state").verbose_name)
    for entry in LogEntry.objects.get_for_object(booking).select_related("actor"):
        changes = {str(field): [_shown(value) for value in values]
                   for field, values in entry.changes_display_dict.items() if str(field) != state_field}
        if entry.action == LogEntry.Action.UPDATE and not changes:
            continue
        events.append({
            "at": entry.timestamp,
            "who": str(entry.actor) if entry.actor_id else gettext("System"),
            "kind": "change",
            "action": LOG_ACTIONS.get(entry.action, "update"),
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
        messages.error(request, gettext("That change is not possible."))
        return redirect(safe_next(request, booking.get_absolute_url()))
    to = form.cleaned_data["to"]
    try:
        services.booking_transition(booking=booking, to=to, by=request.user, reason=form.cleaned_data["reason"],
                                    version=form.cleaned_data["version"])
    except (BookingError, ValidationError) as error:
        messages.error(request, gettext("%(reference)s was not changed: %(reason)s") % {
            "reference": booking.reference, "reason": error_text(error)})
    else:
        messages.success(request, gettext("%(reference)s is now %(state)s.") % {
            "reference": booking.reference, "state": state_in_a_sentence(to)})
    return redirect(safe_next(request, booking.get_absolute_url()))


@staff_required
@require_POST
def booking_payment(request, pk):
    booking = get_booking_for(request, pk)
    form = PaymentForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Choose a payment status."))
        return redirect(booking)
    try:
        services.booking_set_payment(booking=booking, status=form.cleaned_data["payment_status"], by=request.user,
                                     version=form.cleaned_data["version"])
    except (BookingError, ValidationError) as error:
        messages.error(request, gettext("%(reference)s was not changed: %(reason)s") % {
            "reference": booking.reference, "reason": error_text(error)})
    else:
        label = payment_in_a_sentence(form.cleaned_data["payment_status"])
        messages.success(request, gettext("Payment of %(reference)s: %(status)s.") % {
            "reference": booking.reference, "status": label})
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
        messages.error(request, gettext("Internal notes not saved: %(reason)s") % {"reason": error_text(error)})
    else:
        messages.success(request, gettext("Internal notes saved."))
    return redirect(booking)


