"""Making and changing a booking from the staff form, with live free hours and price.

Conflicts become form errors naming the taken time; a stale edit keeps what was typed.
"""

from contextlib import suppress
from datetime import datetime, time, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from employees.access import staff_required

from . import services
from .access import get_booking_for, visible_bookings, visible_clients, visible_spaces
from .availability import as_utc, start_times
from .dates import EARLIEST, LATEST
from .errors import BookingConflict, BookingError, StaleBooking, add_service_error, local_range
from .forms import (
    SERVICE_FIELD,
    BookingEditForm,
    BookingForm,
    StartTimeSelect,
    is_bookable_hour,
    is_bookable_length,
    start_hour_choices,
    start_time_choices,
    whole_number,
)
from .models import Client, Equipment
from .pricing import quote
from .search import clients_matching


def _conflict_text(error: BookingConflict) -> str:
    if error.alternatives:
        times = ", ".join(local_range(slot.start, slot.end) for slot in error.alternatives)
        after = gettext("Free for the whole length: %(times)s.") % {"times": times}
    else:
        after = gettext("Nothing that long is free that day or the week after.")
    return f"{error.message} {after}"


# --- Booking form -----------------------------------------------------------------------------------


def _parse(parser, text: str):
    with suppress(ValueError):
        return parser(text)
    return None


def _bookable_day(value):
    """A date from a form value or query string, or None if it is unreadable or outside the years offered."""
    day = _parse(parse_date, value) if isinstance(value, str) else value
    return day if day is not None and EARLIEST <= day <= LATEST else None


def _preview(data, spaces, *, user, booking=None) -> dict:
    """Free starts of the chosen space and day (``slots``, with how long each may last), the price, and a
    warning about the phone's client.

    Values outside what the form offers (a start outside opening hours, a length beyond the limits,
    a date in another century) are ignored, as if not chosen yet.
    """
    context = {"start_hour_choices": start_hour_choices()}
    choosable = Q(is_active=True) | Q(pk=booking.space_id) if booking else Q(is_active=True)
    space = spaces.filter(choosable, slug=data.get("space")).first() if data.get("space") else None
    day = _bookable_day(data.get("date"))
    start_hour, hours = whole_number(data.get("start_time")), whole_number(data.get("hours"))
    start_hour = start_hour if is_bookable_hour(start_hour) else None
    hours = hours if is_bookable_length(hours) else None
    context.update(space=space, day=day, start_hour=start_hour)
    if space and day:
        slots = start_times(space, day, hours=hours, exclude=booking)
        context["slots"] = slots
        if start_hour is not None:
            start = as_utc(datetime.combine(day, time(start_hour), tzinfo=timezone.get_current_timezone()))
            context["longest"] = next((slot.longest for slot in slots if slot.start == start), 0)
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
        quantity = whole_number(data.get(f"equipment_{item.pk}"))
        if quantity and 0 < quantity <= item.stock:
            equipment[item] = quantity
    promo = booking.promo_code if booking else None
    if booking is None:
        try:
            promo = services.promo_for(data.get("promo_code") or "")
        except ValidationError as error:
            context["promo_error"] = " ".join(error.messages)
    return quote(space=space, start=start, end=start + timedelta(hours=hours), equipment=equipment, promo=promo)


def _client_prefill(params, user, spaces) -> dict:
    """The client (and, from a booking, its space, start hour, length and equipment) of ``?client=<id>``
    (a client card's "New booking") or ``?again=<booking id>`` ("Book again"); only what ``user`` may see."""
    initial = {}
    if whole_number(params.get("again")) is not None:
        booking = visible_bookings(user).filter(pk=whole_number(params["again"])).select_related("space").first()
        if booking is not None:
            initial.update(client_name=booking.client_name, client_phone=booking.client_phone_display,
                           client_email=booking.client_email, hours=booking.duration_hours)
            if spaces.filter(pk=booking.space_id, is_active=True).exists():
                initial["space"] = booking.space.slug
            if is_bookable_hour(timezone.localtime(booking.start).hour):
                initial["start_time"] = timezone.localtime(booking.start).hour
            for line in booking.equipment_lines.filter(equipment__is_active=True):
                initial[f"equipment_{line.equipment_id}"] = line.quantity
    elif whole_number(params.get("client")) is not None:
        client = visible_clients(user).filter(pk=whole_number(params["client"])).first()
        if client is not None:
            initial.update(client_name=client.name, client_phone=client.phone_display, client_email=client.email)
    return initial


def _prefill(params, spaces, user) -> dict:
    """Initial values from ``?space=<slug>&start=<ISO datetime>`` (the calendar links here), and the client
    from ``?client=`` or ``?again=`` (see _client_prefill); an explicit space or start wins.

    Anything unreadable or out of range is left out rather than refused.
    """
    initial = {"hours": 2, **_client_prefill(params, user, spaces)}
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
    form.fields["start_time"].widget.offer(preview.get("slots"))
    return render(request, "bookings/form.html", {
        "form": form, "preview": preview, "alternatives": alternatives, "booking": booking, "stale": stale,
    })


@staff_required
@require_http_methods(["GET", "POST"])
def booking_create(request):
    spaces = visible_spaces(request.user)
    if request.method == "GET":
        initial = _prefill(request.GET, spaces, request.user)
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
            add_service_error(form, error, SERVICE_FIELD)
        else:
            messages.success(request, gettext("Booking %(reference)s created for %(name)s.") % {
                "reference": booking.reference, "name": booking.client_name})
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
            add_service_error(form, error)
            stale = True
        except (BookingError, ValidationError) as error:
            add_service_error(form, error, SERVICE_FIELD)
        else:
            messages.success(request, gettext("Booking %(reference)s saved.") % {"reference": booking.reference})
            return redirect(booking)
    preview = _preview(request.POST, spaces, user=request.user, booking=booking)
    return _form_page(request, form, preview, booking=booking, alternatives=alternatives, stale=stale)


@staff_required
@require_GET
def booking_preview(request):
    booking = get_booking_for(request, request.GET["booking"]) if whole_number(request.GET.get("booking")) else None
    preview = _preview(request.GET, visible_spaces(request.user), user=request.user, booking=booking)
    # The start list is brought in line with the free hours too, in place, so it keeps focus and its choice.
    start_select = StartTimeSelect(choices=start_time_choices())
    start_select.offer(preview.get("slots"))
    start_list = start_select.render("start_time", request.GET.get("start_time"), attrs={
        "id": "start-time-options", "hx-swap-oob": "innerHTML:#id_start_time"})
    return render(request, "bookings/form.html#preview", {
        "preview": preview, "booking": booking, "start_list": start_list})


# --- Known clients as the form's name or phone is typed -----------------------------------------------

SUGGESTED_CLIENTS = 6
# Fewer digits than this match too many phones to be a suggestion; fewer letters, too many names.
SUGGEST_MIN_DIGITS, SUGGEST_MIN_LETTERS = 4, 2


def clients_like(clients, text: str):
    """``clients`` matching what was typed into the form's name or phone field, or None while too little is
    typed to suggest anyone."""
    digits = sum(character.isdigit() for character in text)
    if (digits and digits < SUGGEST_MIN_DIGITS) or len(text) < SUGGEST_MIN_LETTERS:
        return None
    return clients_matching(clients, text)


@staff_required
@require_GET
def client_suggestions(request):
    """A few known clients for the booking form, as its name or phone is typed (htmx); a manager's own only."""
    text = (request.GET.get("client_phone") or request.GET.get("client_name") or "").strip()[:150]
    matching = clients_like(visible_clients(request.user), text)
    clients = [] if matching is None else list(matching.order_by("name", "pk")[:SUGGESTED_CLIENTS])
    return render(request, "bookings/form.html#suggestions", {
        "suggestions": clients, "searched": matching is not None, "typed": text})
