"""Staff pages: the dashboard, bookings (list, form, card, actions) and clients.

Every view fetches through bookings.access (a manager sees their spaces only) and changes bookings
through bookings.services; refusals become form errors or messages, never a half-written row.
"""

import csv
from contextlib import suppress
from datetime import datetime, time, timedelta

from auditlog.models import LogEntry
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from employees.access import log_denial, staff_required
from studio_crm.htmx import page_or_partial, safe_next

from . import reports, services
from .access import get_booking_for, get_client_for, visible_bookings, visible_clients, visible_spaces
from .availability import as_utc, free_slots, longest_stay
from .dates import EARLIEST, LATEST
from .errors import BatchRefused, BookingConflict, BookingError, StaleBooking, error_text
from .forms import (
    PAGE_SIZES,
    BatchForm,
    BookingEditForm,
    BookingFilterForm,
    BookingForm,
    ClientForm,
    ClientSearchForm,
    InternalNotesForm,
    PaymentForm,
    TransitionForm,
    add_service_error,
    hour_choices,
    is_bookable_hour,
    is_bookable_length,
)
from .models import BookingState, Client, Equipment, PaymentStatus
from .pricing import quote

PAGE_SIZE = PAGE_SIZES[0]
CLIENT_CARD_BOOKINGS = 100  # the latest ones; the rest are a link to the filtered booking list
CLIENT_SORTS = {"name": ["name", "pk"], "spent": ["-total_spent", "name"], "recent": ["-last_visit", "name"],
                "visits": ["-visits", "name"]}


def _conflict_text(error: BookingConflict) -> str:
    text = error.message
    if error.alternatives:
        times = ", ".join(timezone.localtime(slot.start).strftime("%H:%M") for slot in error.alternatives)
        text += f" Nearest free start times that day: {times}."
    else:
        text += " There is no free hour left that day."
    return text


# --- Dashboard --------------------------------------------------------------------------------------


@staff_required
@require_GET
def dashboard(request):
    bookings, spaces = visible_bookings(request.user), visible_spaces(request.user)
    today = timezone.localdate()
    week, month = reports.week_period(today), reports.month_period(today)
    pending, pending_total = reports.pending_bookings(bookings)
    upcoming_from, upcoming_to = reports.upcoming_days()
    return render(request, "dashboard/index.html", {
        "today": today,
        "upcoming_from": upcoming_from,
        "upcoming_to": upcoming_to,
        "today_by_space": reports.bookings_on_day(bookings, today),
        "pending": pending,
        "pending_total": pending_total,
        "upcoming": reports.upcoming_bookings(bookings),
        "week": reports.period_figures(bookings, spaces, week),
        "last_week": reports.period_figures(bookings, spaces, reports.previous_week(week)),
        "month": reports.period_figures(bookings, spaces, month),
        "last_month": reports.period_figures(bookings, spaces, reports.previous_month(month)),
        "activity": reports.daily_activity(bookings, last_day=today),
    })


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
    page = Paginator(bookings, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, page_or_partial(request, "bookings/list.html", "results"), {
        "form": form,
        "page": page,
        "sort": form.current_sort,
        "batch_form": BatchForm(),
        "filtered": form.narrows,
    })


class _Echo:
    def write(self, value):
        return value


CSV_HEADER = ["reference", "space", "start", "end", "hours", "state", "client name", "phone", "email", "total",
              "payment", "source"]


def _csv_cell(value) -> str:
    """Free text that a spreadsheet would run as a formula is prefixed with an apostrophe."""
    text = str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_rows(bookings):
    yield "\ufeff"  # spreadsheets then read the file as UTF-8 (client names are often Cyrillic)
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    for booking in bookings.iterator(chunk_size=500):
        yield writer.writerow([
            booking.reference,
            booking.space.name,
            timezone.localtime(booking.start).isoformat(),
            timezone.localtime(booking.end).isoformat(),
            booking.duration_hours,
            booking.get_state_display(),
            _csv_cell(booking.client_name),
            booking.client_phone,
            _csv_cell(booking.client_email),
            booking.total_price,
            booking.get_payment_status_display(),
            booking.get_source_display(),
        ])


@staff_required
@require_GET
def booking_export(request):
    _form, bookings = _filtered_bookings(request)
    response = StreamingHttpResponse(_csv_rows(bookings), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="bookings-{timezone.localdate():%Y-%m-%d}.csv"'
    return response


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


# --- Booking form -----------------------------------------------------------------------------------


def _int(value):
    with suppress(TypeError, ValueError):
        return int(value)
    return None


def _parse(parser, text: str):
    with suppress(ValueError):
        return parser(text)
    return None


def _bookable_day(value):
    """A date from a form value or query string, or None if it is unreadable or outside the years offered."""
    day = _parse(parse_date, value) if isinstance(value, str) else value
    return day if day is not None and EARLIEST <= day <= LATEST else None


def _preview(data, spaces, *, user, booking=None) -> dict:
    """Free slots of the chosen space and day, the price, and a warning about the phone's client.

    Values outside what the form offers (a start outside opening hours, a length beyond the limits,
    a date in another century) are ignored, as if not chosen yet.
    """
    context = {"hour_choices": hour_choices()}
    choosable = Q(is_active=True) | Q(pk=booking.space_id) if booking else Q(is_active=True)
    space = spaces.filter(choosable, slug=data.get("space")).first() if data.get("space") else None
    day = _bookable_day(data.get("date"))
    start_hour, hours = _int(data.get("start_time")), _int(data.get("hours"))
    start_hour = start_hour if is_bookable_hour(start_hour) else None
    hours = hours if is_bookable_length(hours) else None
    context.update(space=space, day=day, start_hour=start_hour)
    if space and day:
        slots = free_slots(space, day, exclude=booking)
        context["slots"] = slots
        if start_hour is not None:
            start = as_utc(datetime.combine(day, time(start_hour), tzinfo=timezone.get_current_timezone()))
            context["longest"] = longest_stay(start, slots)
            if hours:
                context["quote"] = _quote(data, space, start, hours, booking, context)
                context["quote_hours"] = hours
    phone = data.get("client_phone")
    if phone:
        with suppress(ValidationError):
            index = services.phone_index(phone)
            # Only a client the employee may see is named; a flag on anyone else's is still warned about.
            context["known_client"] = visible_clients(user).filter(phone_index=index).first()
            if context["known_client"] is None:
                context["flagged_phone"] = Client.objects.filter(phone_index=index, do_not_book=True).exists()
    return context


def _quote(data, space, start, hours, booking, context):
    booked = booking.equipment_lines.values("equipment") if booking else []
    equipment = {}
    for item in Equipment.objects.filter(Q(is_active=True) | Q(pk__in=booked)):
        quantity = _int(data.get(f"equipment_{item.pk}"))
        if quantity and 0 < quantity <= item.stock:
            equipment[item] = quantity
    promo = booking.promo_code if booking else None
    if booking is None:
        try:
            promo = services.promo_for(data.get("promo_code") or "")
        except ValidationError as error:
            context["promo_error"] = " ".join(error.messages)
    return quote(space=space, start=start, end=start + timedelta(hours=hours), equipment=equipment, promo=promo)


def _prefill(params, spaces) -> dict:
    """Initial values from ``?space=<slug>&start=<ISO datetime>`` (the calendar links here).

    Anything unreadable or out of range is left out rather than refused.
    """
    initial = {"hours": 2}
    if params.get("space") and spaces.filter(slug=params["space"]).exists():
        initial["space"] = params["space"]
    day = _bookable_day(params.get("date", ""))
    if day is not None:
        initial["date"] = day
    # An unencoded "+03:00" offset arrives as " 03:00".
    start = _parse(parse_datetime, params.get("start", "").strip().replace(" ", "+"))
    if start is not None and _bookable_day(start.date()):
        with suppress(OverflowError, ValueError):
            start = timezone.localtime(timezone.make_aware(start) if timezone.is_naive(start) else start)
            if _bookable_day(start.date()):
                initial["date"] = start.date()
                if is_bookable_hour(start.hour):
                    initial["start_time"] = start.hour
    return initial


def _form_page(request, form, preview, *, booking=None, alternatives=(), stale=False):
    return render(request, "bookings/form.html", {
        "form": form, "preview": preview, "alternatives": alternatives, "booking": booking, "stale": stale,
    })


@staff_required
@require_http_methods(["GET", "POST"])
def booking_create(request):
    spaces = visible_spaces(request.user)
    if request.method == "GET":
        initial = _prefill(request.GET, spaces)
        return _form_page(request, BookingForm(initial=initial, spaces=spaces),
                          _preview(initial, spaces, user=request.user))
    form, alternatives = BookingForm(request.POST, spaces=spaces), []
    if form.is_valid():
        data = form.cleaned_data
        try:
            booking = services.booking_create(
                space=data["space"], start=data["start"], end=data["end"], client_name=data["client_name"],
                client_phone=data["client_phone"], client_email=data["client_email"],
                equipment=data["equipment"], promo_code=data["promo_code"],
                special_requirements=data["special_requirements"], notes=data["notes"],
                internal_notes=data["internal_notes"], source=data["source"], by=request.user,
            )
        except BookingConflict as error:
            form.add_error(None, _conflict_text(error))
            alternatives = error.alternatives
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Booking {booking.reference} created for {booking.client_name}.")
            return redirect(booking)
    return _form_page(request, form, _preview(request.POST, spaces, user=request.user), alternatives=alternatives)


def _equipment_change(form: BookingEditForm):
    """The equipment to save, or None when it is as booked (which keeps lines no longer offered)."""
    wanted = {item: quantity for item, quantity in form.cleaned_data["equipment"].items() if quantity}
    if {item.pk: quantity for item, quantity in wanted.items()} == form.booked_equipment:
        return None
    return wanted


@staff_required
@require_http_methods(["GET", "POST"])
def booking_edit(request, pk):
    booking = get_booking_for(request, pk)
    spaces = visible_spaces(request.user)
    if request.method == "GET":
        initial = BookingEditForm.initial_for(booking)
        form = BookingEditForm(initial=initial, spaces=spaces, booking=booking)
        return _form_page(request, form, _preview(initial, spaces, user=request.user, booking=booking),
                          booking=booking)
    form, alternatives, stale = BookingEditForm(request.POST, spaces=spaces, booking=booking), [], False
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.booking_update(
                booking=booking, version=data["version"], by=request.user, space=data["space"],
                start=data["start"], end=data["end"], equipment=_equipment_change(form),
                client_phone=data["client_phone"], client_name=data["client_name"],
                client_email=data["client_email"], special_requirements=data["special_requirements"],
                notes=data["notes"], internal_notes=data["internal_notes"], source=data["source"],
            )
        except BookingConflict as error:
            form.add_error(None, _conflict_text(error))
            alternatives = error.alternatives
        except StaleBooking as error:
            form.add_error(None, error.message)
            stale = True
        except BookingError as error:
            form.add_error(None, error.message)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Booking {booking.reference} saved.")
            return redirect(booking)
    preview = _preview(request.POST, spaces, user=request.user, booking=booking)
    return _form_page(request, form, preview, booking=booking, alternatives=alternatives, stale=stale)


@staff_required
@require_GET
def booking_preview(request):
    booking = get_booking_for(request, request.GET["booking"]) if _int(request.GET.get("booking")) else None
    preview = _preview(request.GET, visible_spaces(request.user), user=request.user, booking=booking)
    return render(request, "bookings/form.html#preview", {"preview": preview, "booking": booking})


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
        "transitions": services.allowed_transitions(booking),
        "reason_required": services.REASON_REQUIRED,
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


# --- Clients ----------------------------------------------------------------------------------------


def _figure_spaces(user):
    """The spaces whose bookings count in a client's figures for ``user`` (None: all of them)."""
    return None if user.is_admin_or_owner else visible_spaces(user)


def _clients_for(user):
    """The clients the employee may see, with figures counting only the bookings they may see."""
    if user.is_admin_or_owner:
        return reports.clients_with_figures(visible_clients(user))
    clients = Client.objects.filter(pk__in=visible_clients(user).values("pk"))
    return reports.clients_with_figures(clients, _figure_spaces(user))


@staff_required
@require_GET
def client_list(request):
    form = ClientSearchForm(request.GET)
    form.is_valid()
    clients = _clients_for(request.user)
    text = (form.cleaned_data.get("q") or "").strip()
    if text:
        query = Q(name__icontains=text)
        with suppress(ValidationError):
            query |= Q(phone_index=services.phone_index(text))
        clients = clients.filter(query)
    if form.cleaned_data.get("do_not_book"):
        clients = clients.filter(do_not_book=True)
    sort = request.GET.get("sort") if request.GET.get("sort") in CLIENT_SORTS else "name"
    page = Paginator(clients.order_by(*CLIENT_SORTS[sort]), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, page_or_partial(request, "clients/list.html", "results"), {
        "form": form, "page": page, "sort": sort, "searching": bool(text or form.cleaned_data.get("do_not_book")),
    })


@staff_required
@require_GET
def client_detail(request, pk):
    client = get_client_for(request, pk)
    bookings = visible_bookings(request.user).filter(client=client).select_related("space").order_by("-start")
    return render(request, "clients/detail.html", {
        "client": reports.client_figures(client, _figure_spaces(request.user)),
        "bookings": bookings[:CLIENT_CARD_BOOKINGS],
        "form": ClientForm(initial={"notes": client.notes, "do_not_book": client.do_not_book}),
    })


@staff_required
@require_POST
def client_update(request, pk):
    client = get_client_for(request, pk)
    form = ClientForm(request.POST)
    if form.is_valid():
        services.client_update(client=client, by=request.user, notes=form.cleaned_data["notes"],
                               do_not_book=form.cleaned_data["do_not_book"])
        flag = " Flagged “do not book”." if client.do_not_book else ""
        messages.success(request, f"{client.name}: card saved.{flag}")
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(client)
