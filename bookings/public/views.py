"""The public booking pages: guests book, look up and cancel without an account.

Every page works without JavaScript (GET form for the slots, then a POST); HTMX only swaps the
slot list and the price in place. A guest reaches a booking's page only from the browser that made
it or after proving reference + phone; that proof is kept in their session (``GUEST_SESSION_KEY``).
"""

import json
import logging
from datetime import date, time, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from compliance.consent import policy_current, policy_version_current
from compliance.models import PolicyVersion, RequestKind
from compliance.register import guest_data_request
from studio_crm.formatting import when
from studio_crm.htmx import page_or_partial
from studio_crm.network import client_ip

from ..availability import start_times
from ..errors import BookingConflict, TransitionRefused, error_text
from ..forms import whole_number
from ..models import Booking, Space
from ..pricing import quote
from ..services import booking_guest_cancel
from .forms import (
    GuestCancelForm,
    GuestDetailsForm,
    LookupForm,
    SlotChoiceForm,
    SlotQueryForm,
    active_equipment,
    add_service_errors,
    latest_bookable_day,
    length_choices,
    studio_datetime,
)
from .guests import NOT_FOUND, guest_booking_create, guest_lookup
from .ratelimits import RateLimited, check_rate

logger = logging.getLogger("studio.public")

GUEST_SESSION_KEY = "guest_bookings"
REMEMBERED = 20
DETAIL_FIELDS = ("client_name", "client_phone", "client_email", "special_requirements", "consent")
# What the booking page's address keeps of a booking being put together (never who is booking).
CHOICE_FIELDS = ("space", "date", "start", "hours", "promo_code")


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


def _too_many(request, template: str | None, context: dict, error: RateLimited):
    """429: the page with a notice, or for an htmx request (which swaps nothing on an error) a toast."""
    if request.htmx or template is None:
        response = HttpResponse(error.message, status=429, content_type="text/plain; charset=utf-8")
        response["HX-Trigger"] = json.dumps({"toast": {"message": error.message, "level": "error"}})
    else:
        context["rate_limited"] = error
        response = render(request, template, context, status=429)
    response["Retry-After"] = str(error.retry_after)
    return response


# --- Booking ---------------------------------------------------------------------------------------


def _slot_context(space: Space, day, start: str | None, hours: int | None) -> dict:
    """The free start times of ``day`` and, for the chosen one, how long a booking may last.

    Only free hours are listed. With a length chosen, a start from which that length does not fit is shown as
    unavailable (never the chosen start itself: its length is fixed to fit it instead).
    """
    options = start_times(space, day, hours=hours)
    chosen = next((option for option in options if option.value == start), None)
    longest = chosen.longest if chosen else None
    return {
        "space": space,
        "day": day,
        "slots": options,
        "chosen": chosen,
        "length_choices": length_choices(longest),
        "too_long": bool(chosen and hours and hours > chosen.longest),
        "next_day": day + timedelta(days=1) if day < latest_bookable_day() else None,
        "prev_day": day - timedelta(days=1) if day > timezone.localdate() else None,
    }


def _price(choice: SlotChoiceForm) -> dict | None:
    """The price of what the form describes so far, or None while it is incomplete."""
    errors = choice.errors  # validates the form, so that cleaned_data exists
    data = getattr(choice, "cleaned_data", {})
    # Equipment beyond what is free is left out of the price (its field says why); other errors leave no price.
    if errors.keys() - {"promo_code", *(f"equipment_{item.pk}" for item in choice.equipment_items)} \
            or "start_at" not in data:
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


def _page_context(request, query: SlotQueryForm) -> dict:
    """Steps one and two (hall and day), without a free-slot search."""
    today = timezone.localdate()
    return {
        "spaces": Space.objects.filter(is_active=True),
        "query": query,
        "today": today,
        "latest_day": latest_bookable_day(),
        "policy_version": policy_version_current(),
        "cancel_hours": settings.GUEST_CANCELLATION_HOURS,
        "date_value": (query.data.get("date") if query.is_bound else None) or today.isoformat(),
        # The previous/next day links also move the date picker above the slots.
        "oob_date": bool(request.htmx) and "nav" in request.GET,
    }


def _book_address(data) -> str:
    """/book/ with what ``data`` has chosen so far (hall, day, start, length, equipment, promo code), so that
    the page comes back as it was: the language switcher returns to it."""
    kept = {name: data[name] for name in CHOICE_FIELDS if data.get(name)}
    kept.update({name: value for name, value in data.items()
                 if name.startswith("equipment_") and value not in ("", "0")})
    return reverse("book") + (f"?{urlencode(kept)}" if kept else "")


def _book_context(request, data, *, choice=None, details=None) -> dict:
    """The whole page: the free start times of the chosen day and, once one is picked, its price."""
    query = SlotQueryForm(data or None)
    context = _page_context(request, query)
    context["language_next"] = _book_address(data)
    if query.is_bound and query.is_valid():
        space, day = query.cleaned_data["space"], query.cleaned_data["date"]
        hours = whole_number(data.get("hours"))
        context.update(_slot_context(space, day, data.get("start"), hours))
        context["date_value"] = day.isoformat()
        if choice is None and data.get("start"):
            # An address with a start time (the language switcher comes back to one): that choice and its price.
            choice = SlotChoiceForm({"hours": "1", **data.dict()}, equipment=active_equipment())
        initial = {"space": space.slug, "date": day, "start": data.get("start"), "hours": hours or 1}
        context["choice"] = choice or SlotChoiceForm(initial=initial, equipment=active_equipment())
        context["details"] = details or GuestDetailsForm()
        context["price"] = _price(context["choice"]) if context["choice"].is_bound else None
    return context


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


def _booking_fields(choice: SlotChoiceForm, details: GuestDetailsForm) -> dict:
    slot, guest = choice.cleaned_data, details.cleaned_data
    return {
        "space": slot["space"], "start": slot["start_at"], "end": slot["end_at"],
        "equipment": slot["equipment"], "promo_code": slot["promo_code"],
        **{name: guest[name] for name in ("client_name", "client_phone", "client_email", "special_requirements")},
    }


def _invalid(request, context: dict, choice, details, error: ValidationError | None = None):
    if error is not None:
        add_service_errors([choice, details], error)
    context["error_summary"] = _error_summary(choice, details)
    return render(request, "public/book.html", context, status=400)


def alternative_value(slot) -> str:
    """"2026-12-03T12:00": what a "Take" button sends, the day and the start of another time to book."""
    return f"{timezone.localtime(slot.start):%Y-%m-%dT%H:%M}"


def _taken(request, context: dict, choice, error: BookingConflict):
    """The time was taken meanwhile: the day's free hours again, and other times where the whole length (and
    the equipment asked for) fits as one-click choices."""
    data = choice.cleaned_data
    context["conflict"] = error
    context["language_next"] = _book_address({name: choice.data.get(name) for name in ("space", "date", "hours")})
    context["alternatives"] = [
        {"value": alternative_value(slot), "start": slot.start, "end": slot.end,
         "same_day": timezone.localtime(slot.start).date() == data["date"]}
        for slot in error.alternatives
    ]
    context["alternatives_hours"] = data["hours"]
    context["alternatives_with_equipment"] = bool(data["equipment"])
    context.update(_slot_context(data["space"], data["date"], None, data["hours"]))
    context["price"] = None  # of the time just refused: the guest picks another
    return render(request, "public/book.html", context, status=409)


def _take_alternative(data) -> str:
    """Put the alternative a guest took ("2026-12-03T12:00", or "12:00" for the same day) into ``data`` as
    its date and start; what to call it in the notice ("12:00", or "3 Dec, 12:00" on another day)."""
    day, _sep, start = data["alternative"].rpartition("T")
    data["start"] = start
    if not day or day == data.get("date"):
        return start
    data["date"] = day
    try:
        return when(studio_datetime(date.fromisoformat(day), time.fromisoformat(start)), "short_datetime")
    except ValueError:
        return start


@require_http_methods(["GET", "POST"])
def book(request):
    if request.method == "GET":
        return _book_page(request)
    data = request.POST.copy()
    picked = _take_alternative(data) if data.get("alternative") else None
    if GuestDetailsForm(data).is_robot:
        logger.info("Booking form honeypot filled from %s; nothing booked.", client_ip(request))
        return redirect("book")
    # "Update price" and "Take 12:00" only ask for a price or another time: they count as look-ups.
    asks_price = bool(data.get("alternative")) or data.get("action") == "quote"
    try:
        check_rate(request, "quote_ip" if asks_price else "booking_ip")
    except RateLimited as error:
        return _too_many(request, "public/book.html", _page_context(request, SlotQueryForm(data)), error)
    choice, details = SlotChoiceForm(data, equipment=active_equipment()), GuestDetailsForm(data)
    context = _book_context(request, data, choice=choice, details=details)
    if asks_price:
        # Show the details as typed, without complaints yet.
        context["details"] = GuestDetailsForm(initial={name: data.get(name) for name in DETAIL_FIELDS})
        context["picked_alternative"] = picked
        return render(request, "public/book.html", context)
    if not (choice.is_valid() and details.is_valid()):
        return _invalid(request, context, choice, details)
    try:
        booking = guest_booking_create(request, **_booking_fields(choice, details))
    except RateLimited as error:
        return _too_many(request, "public/book.html", context, error)
    except ValidationError as error:
        return _invalid(request, context, choice, details, error)
    except BookingConflict as error:
        return _taken(request, context, choice, error)
    _remember(request, booking.reference)
    return redirect("book_done", reference=booking.reference)


def _book_page(request):
    """GET /book/: the empty page, or with ?space=&date= the day's free start times."""
    if request.GET:
        try:
            check_rate(request, "quote_ip")
        except RateLimited as error:
            return _too_many(request, "public/book.html", _page_context(request, SlotQueryForm(request.GET)), error)
    return render(request, page_or_partial(request, "public/book.html", "steps"), _book_context(request, request.GET))


@require_GET
def book_quote(request):
    """The price and the length choices for what the booking form holds now (an HTMX partial)."""
    try:
        check_rate(request, "quote_ip")
    except RateLimited as error:
        return _too_many(request, None, {}, error)
    data = request.GET.copy()
    # A new start time brings its own length choices (out of band), a new length the starts it fits; either
    # brings what equipment is free then. Other changes (a quantity, the promo code) leave those alone.
    context = {"oob_hours": "slot" in data, "oob_slots": "length" in data,
               "oob_equipment": "slot" in data or "length" in data,
               "cancel_hours": settings.GUEST_CANCELLATION_HOURS}
    query = SlotQueryForm(data)
    if query.is_valid():
        context.update(_slot_context(query.cleaned_data["space"], query.cleaned_data["date"],
                                     data.get("start"), whole_number(data.get("hours"))))
        chosen = context["chosen"]
        if chosen and (whole_number(data.get("hours")) or 1) > chosen.longest:
            # Less free time after this start: offer its longest stay instead of a refusal.
            data["hours"] = str(chosen.longest)
            context.update(_slot_context(query.cleaned_data["space"], query.cleaned_data["date"],
                                         data.get("start"), chosen.longest), oob_hours=True)
    choice = SlotChoiceForm(data, equipment=active_equipment())
    choice.is_valid()
    context.update(choice=choice, price=_price(choice), language_next=_book_address(data), language_oob=True)
    return render(request, "public/book.html#quote", context)


@require_GET
def book_done(request, reference):
    booking = get_booking_for_guest(request, reference)
    return render(request, "public/done.html", {"booking": booking, "cancel_hours": settings.GUEST_CANCELLATION_HOURS})


@require_GET
def privacy_policy(request, version: str | None = None):
    """The privacy policy in force, or with ``version`` one guests consented to before (compliance's register)."""
    current, published = policy_current(), PolicyVersion.objects.filter(published_at__lte=timezone.now())
    policy = current if version is None else published.filter(version=version).first()
    if version is not None and policy is None:
        raise Http404("No such version of the privacy policy.")
    return render(request, "public/privacy.html", {
        "policy": policy, "policy_version": policy.version if policy else policy_version_current(),
        "is_current": policy == current, "versions": published.order_by("-published_at", "-pk")})


# --- Look-up and cancellation -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def book_lookup(request):
    form = LookupForm(request.POST or None)
    context = {"form": form}
    if request.method == "GET":
        return render(request, "public/lookup.html", context)
    if not form.is_valid():
        return render(request, "public/lookup.html", context, status=400)
    try:
        booking = guest_lookup(request, form.cleaned_data["reference"], form.cleaned_data["phone"])
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
    }


@require_POST
def book_cancel(request, reference):
    booking = get_booking_for_guest(request, reference)
    if not booking.can_guest_cancel():
        hours = settings.GUEST_CANCELLATION_HOURS
        messages.error(request, ngettext(
            "This booking can no longer be cancelled online. Please call the studio (online cancellation closes "
            "%(count)s hour before the start).",
            "This booking can no longer be cancelled online. Please call the studio (online cancellation closes "
            "%(count)s hours before the start).", hours) % {"count": hours})
        return redirect("book_lookup_detail", reference=reference)
    form = GuestCancelForm(request.POST)
    if not form.is_valid():
        return render(request, "public/lookup_detail.html", _detail_context(booking, form), status=400)
    try:
        booking_guest_cancel(booking=booking, reason=form.cleaned_data["reason"])
    except (TransitionRefused, ValidationError) as error:
        messages.error(request, error_text(error))
        return redirect("book_lookup_detail", reference=reference)
    messages.success(request, _("Booking %(reference)s is cancelled. The time is free for others again.")
                     % {"reference": reference})
    return redirect("book_lookup_detail", reference=reference)


# --- The guest's own data (152-FZ, GDPR) --------------------------------------------------------------

DATA_REQUEST_SENT = {
    RequestKind.EXPORT: gettext_lazy("We have your request for a copy of your data. The studio answers within ten "
                                     "working days; you will be asked to collect the copy at the studio."),
    RequestKind.ERASE: gettext_lazy("We have your request to delete your data. The studio answers within ten "
                                    "working days."),
}


@require_POST
def book_data_request(request, reference, kind):
    """The guest who proved their booking asks for a copy of their data or its erasure: a register row for
    the owners, told by email when answered (if they gave one)."""
    booking = get_booking_for_guest(request, reference)
    try:
        check_rate(request, "data_request_ip")
    except RateLimited as error:
        return _too_many(request, "public/lookup_detail.html", _detail_context(booking, GuestCancelForm()), error)
    _data_request, created = guest_data_request(booking=booking, kind=kind)
    notice = DATA_REQUEST_SENT[kind] if created else _("Your request is already with the studio.")
    if booking.client_email:
        by_email = _("We will tell you by email when it is done.")
        notice = f"{notice} {by_email}"
    messages.success(request, notice)
    return redirect("book_lookup_detail", reference=reference)
