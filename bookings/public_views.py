"""The public booking pages: guests book, look up and cancel without an account.

Every page works without JavaScript (GET form for the slots, then a POST); HTMX only swaps the
slot list and the price in place. A guest reaches a booking's page only from the browser that made
it or after proving reference + phone; that proof is kept in their session (``GUEST_SESSION_KEY``).
"""

import logging
from contextlib import suppress
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from studio_crm.network import client_ip

from .availability import free_slots, longest_stay
from .errors import BookingConflict, TransitionRefused
from .models import Booking, BookingSource, BookingState, Space
from .pricing import quote
from .public_forms import (
    NOT_FOUND,
    GuestCancelForm,
    GuestDetailsForm,
    LookupForm,
    SlotChoiceForm,
    SlotQueryForm,
    active_equipment,
    add_service_errors,
    guest_booking,
    hour_choices,
    latest_bookable_day,
)
from .ratelimits import RateLimited, check_rate
from .services import Consent, booking_create, booking_transition, phone_index

logger = logging.getLogger("studio.public")

GUEST_SESSION_KEY = "guest_bookings"
REMEMBERED = 20
DETAIL_FIELDS = ("client_name", "client_phone", "client_email", "special_requirements", "consent")


def _remember(request, reference: str) -> None:
    references = [ref for ref in request.session.get(GUEST_SESSION_KEY, []) if ref != reference]
    request.session[GUEST_SESSION_KEY] = [*references, reference][-REMEMBERED:]


def get_booking_for_guest(request, reference: str) -> Booking:
    """The booking ``reference`` if this browser made it or proved its phone; 404 otherwise."""
    if reference not in request.session.get(GUEST_SESSION_KEY, []):
        raise Http404("No such booking.")
    booking = (
        Booking.objects.select_related("space")
        .prefetch_related("equipment_lines__equipment")
        .filter(reference=reference)
        .first()
    )
    if booking is None:
        raise Http404("No such booking.")
    return booking


def _too_many(request, template: str, context: dict, error: RateLimited):
    context["rate_limited"] = error
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(error.retry_after)
    return response


# --- Booking ---------------------------------------------------------------------------------------


def _slot_context(space: Space, day, start: str | None, hours: int | None) -> dict:
    """The free start times of ``day`` and, for the chosen one, how long a booking may last."""
    slots = free_slots(space, day)
    options = [{"value": timezone.localtime(slot.start).strftime("%H:%M"), "slot": slot,
                "max_hours": longest_stay(slot.start, slots)} for slot in slots]
    chosen = next((option for option in options if option["value"] == start), None)
    longest = chosen["max_hours"] if chosen else None
    return {
        "space": space,
        "day": day,
        "slots": options,
        "chosen": chosen,
        "hour_choices": hour_choices(longest),
        "too_long": bool(chosen and hours and hours > chosen["max_hours"]),
        "next_day": day + timedelta(days=1) if day < latest_bookable_day() else None,
        "prev_day": day - timedelta(days=1) if day > timezone.localdate() else None,
    }


def _price(choice: SlotChoiceForm) -> dict | None:
    """The price of what the form describes so far, or None while it is incomplete."""
    errors = choice.errors  # validates the form, so that cleaned_data exists
    data = getattr(choice, "cleaned_data", {})
    if errors.keys() - {"promo_code"} or "start_at" not in data:
        return None
    equipment = data.get("equipment") or {}
    price = quote(space=data["space"], start=data["start_at"], end=data["end_at"], equipment=equipment,
                  promo=data.get("promo"))
    return {
        "start": data["start_at"],
        "end": data["end_at"],
        "hours": data["hours"],
        "base": price.base_price,
        "lines": [(item.name, equipment[item], amount) for item, amount in price.lines.items()],
        "discount": price.discount,
        "promo": data.get("promo"),
        "total": price.total_price,
    }


def _book_context(request, data=None, *, choice=None, details=None) -> dict:
    query = SlotQueryForm(data if data is not None else (request.GET or None))
    equipment = active_equipment()
    context = {
        "spaces": Space.objects.filter(is_active=True),
        "query": query,
        "today": timezone.localdate(),
        "latest_day": latest_bookable_day(),
        "equipment": equipment,
        "policy_version": settings.CONSENT_POLICY_VERSION,
        "cancel_hours": settings.GUEST_CANCELLATION_HOURS,
        "date_value": query.data.get("date") or timezone.localdate().isoformat() if query.is_bound
        else timezone.localdate().isoformat(),
        # The previous/next day links also move the date picker above the slots.
        "oob_date": bool(request.htmx) and "nav" in request.GET,
    }
    if query.is_bound and query.is_valid():
        space, day = query.cleaned_data["space"], query.cleaned_data["date"]
        source = data if data is not None else request.GET
        hours = _int(source.get("hours"))
        context.update(_slot_context(space, day, source.get("start"), hours))
        context["date_value"] = day.isoformat()
        initial = {"space": space.slug, "date": day, "start": source.get("start"), "hours": hours or 1}
        context["choice"] = choice or SlotChoiceForm(initial=initial, equipment=equipment)
        context["details"] = details or GuestDetailsForm()
        context["price"] = _price(context["choice"]) if context["choice"].is_bound else None
    return context


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _error_summary(*forms) -> list[dict]:
    """Every error of the booking form, for a list at its top (a phone shows the top after a reload)."""
    summary = []
    for form in forms:
        for name, errors in form.errors.items():
            field = form.fields.get(name)
            visible = field is not None and not field.widget.is_hidden
            summary += [{"label": field.label if visible else "", "anchor": f"id_{name}" if visible else "",
                         "message": message} for message in errors]
    return summary


@require_http_methods(["GET", "POST"])
def book(request):
    if request.method == "GET":
        context = _book_context(request)
        template = "public/book.html#steps" if request.htmx and not request.htmx.boosted else "public/book.html"
        return render(request, template, context)

    equipment = active_equipment()
    data = request.POST.copy()
    alternative = data.get("alternative")
    if alternative:
        data["start"] = alternative
    choice = SlotChoiceForm(data, equipment=equipment)
    details = GuestDetailsForm(data)
    context = _book_context(request, data, choice=choice, details=details)
    if details.is_robot:
        logger.info("Booking form honeypot filled from %s; nothing booked.", client_ip(request))
        return redirect("book")
    try:
        check_rate(request, "booking_ip")
    except RateLimited as error:
        return _too_many(request, "public/book.html", context, error)
    choice_ok = choice.is_valid()
    if alternative or data.get("action") == "quote":
        # Only a price or another time was asked for: show the details as typed, without complaints yet.
        context["details"] = GuestDetailsForm(initial={name: data.get(name) for name in DETAIL_FIELDS})
        context["picked_alternative"] = alternative
        return render(request, "public/book.html", context)
    if not (choice_ok and details.is_valid()):
        context["error_summary"] = _error_summary(choice, details)
        return render(request, "public/book.html", context, status=400)
    try:
        check_rate(request, "booking_phone", value=phone_index(details.cleaned_data["client_phone"]))
        booking = booking_create(
            space=choice.cleaned_data["space"],
            start=choice.cleaned_data["start_at"],
            end=choice.cleaned_data["end_at"],
            client_name=details.cleaned_data["client_name"],
            client_phone=details.cleaned_data["client_phone"],
            client_email=details.cleaned_data["client_email"],
            equipment=choice.cleaned_data["equipment"],
            promo_code=choice.cleaned_data["promo_code"],
            special_requirements=details.cleaned_data["special_requirements"],
            source=BookingSource.WEBSITE,
            consent=Consent(settings.CONSENT_POLICY_VERSION, timezone.now(), client_ip(request)),
            by=None,
        )
    except RateLimited as error:
        return _too_many(request, "public/book.html", context, error)
    except ValidationError as error:
        add_service_errors(dict.fromkeys(choice.fields, choice) | dict.fromkeys(details.fields, details), error, choice)
        context["error_summary"] = _error_summary(choice, details)
        return render(request, "public/book.html", context, status=400)
    except BookingConflict as error:
        context["conflict"] = error
        context["alternatives"] = [timezone.localtime(slot.start).strftime("%H:%M") for slot in error.alternatives]
        context.update(_slot_context(choice.cleaned_data["space"], choice.cleaned_data["date"], None, None))
        return render(request, "public/book.html", context, status=409)
    _remember(request, booking.reference)
    return redirect("book_done", reference=booking.reference)


@require_GET
def book_quote(request):
    """The price and the length choices for what the booking form holds now (an HTMX partial)."""
    data = request.GET.copy()
    # A new start time brings its own length choices (out of band); other changes leave the select alone.
    context = {"oob_hours": "slot" in data, "cancel_hours": settings.GUEST_CANCELLATION_HOURS}
    query = SlotQueryForm(data)
    if query.is_valid():
        context.update(_slot_context(query.cleaned_data["space"], query.cleaned_data["date"],
                                     data.get("start"), _int(data.get("hours"))))
        chosen = context["chosen"]
        if chosen and (_int(data.get("hours")) or 1) > chosen["max_hours"]:
            # Less free time after this start: offer its longest stay instead of a refusal.
            data["hours"] = str(chosen["max_hours"])
            context.update(too_long=False, oob_hours=True)
    choice = SlotChoiceForm(data, equipment=active_equipment())
    choice.is_valid()
    context.update(choice=choice, price=_price(choice))
    return render(request, "public/book.html#quote", context)


@require_GET
def book_done(request, reference):
    booking = get_booking_for_guest(request, reference)
    return render(request, "public/done.html", {"booking": booking, "cancel_hours": settings.GUEST_CANCELLATION_HOURS})


@require_GET
def privacy_policy(request):
    return render(request, "public/privacy.html", {"policy_version": settings.CONSENT_POLICY_VERSION})


# --- Look-up and cancellation -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def book_lookup(request):
    form = LookupForm(request.POST or None)
    context = {"form": form}
    if request.method == "GET":
        return render(request, "public/lookup.html", context)
    try:
        check_rate(request, "lookup_ip")
        if not form.is_valid():
            return render(request, "public/lookup.html", context, status=400)
        # Not a phone number at all: no phone to count, and the neutral answer below like any other miss.
        with suppress(ValidationError):
            check_rate(request, "lookup_phone", value=phone_index(form.cleaned_data["phone"]))
        booking = guest_booking(form.cleaned_data["reference"], form.cleaned_data["phone"])
    except RateLimited as error:
        return _too_many(request, "public/lookup.html", context, error)
    if booking is None:
        context["not_found"] = NOT_FOUND
        return render(request, "public/lookup.html", context, status=404)
    _remember(request, booking.reference)
    return redirect("book_lookup_detail", reference=booking.reference)


@require_GET
def book_lookup_detail(request, reference):
    booking = get_booking_for_guest(request, reference)
    return render(request, "public/lookup_detail.html", _detail_context(booking, GuestCancelForm()))


def _detail_context(booking, form) -> dict:
    return {
        "booking": booking,
        "form": form,
        "can_cancel": booking.can_guest_cancel(),
        "cancel_hours": settings.GUEST_CANCELLATION_HOURS,
        "is_final": booking.state in (BookingState.CANCELLED, BookingState.COMPLETED, BookingState.NO_SHOW),
    }


@require_POST
def book_cancel(request, reference):
    booking = get_booking_for_guest(request, reference)
    form = GuestCancelForm(request.POST)
    if not booking.can_guest_cancel():
        messages.error(request, f"This booking can no longer be cancelled online. "
                                f"Please call the studio (online cancellation closes {settings.GUEST_CANCELLATION_HOURS} hours before the start).")
        return redirect("book_lookup_detail", reference=reference)
    if not form.is_valid():
        return render(request, "public/lookup_detail.html", _detail_context(booking, form), status=400)
    try:
        booking_transition(booking=booking, to=BookingState.CANCELLED, by=None, reason=form.cleaned_data["reason"])
    except (TransitionRefused, ValidationError) as error:
        messages.error(request, getattr(error, "message", None) or " ".join(error.messages))
        return redirect("book_lookup_detail", reference=reference)
    messages.success(request, f"Booking {reference} is cancelled. The time is free for others again.")
    return redirect("book_lookup_detail", reference=reference)
