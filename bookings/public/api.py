"""The public JSON API for the studio's website, mounted at /api/v1/.

Every error has one shape: ``{"error": {"code": ..., "message": ..., "fields"?: {camelCaseField: [messages]},
"conflict"?: {kind, start, end}, "alternatives"?: [slots]}}``, and an unexpected failure is a 500 in that shape
without details (the exception is logged). Bookings go through ``services.booking_create`` like every
other booking; POST /bookings honours ``Idempotency-Key`` (see bookings/idempotency.py).
"""

import json
import logging
import re
from datetime import date as Date
from datetime import datetime, timedelta
from functools import wraps
from typing import Annotated
from urllib.parse import urlencode

import pydantic
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext, ngettext_lazy
from ninja import NinjaAPI, Query
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.docs import DocsBase
from ninja.openapi.schema import REF_TEMPLATE
from pydantic.alias_generators import to_camel

from .. import free_hours_cache
from ..availability import free_slots, longest_stay, validate_booking_day
from ..errors import BookingConflict, local_range, service_errors
from ..hours import day_bounds, opening_hours, widest_hours
from ..models import Booking, Equipment, Space
from ..pricing import hourly_rate
from .api_schemas import AvailabilityOut, BookingIn, BookingOut, ErrorOut
from .guests import NOT_FOUND, guest_booking_create, guest_lookup
from .idempotency import Answer, IdempotencyError, run_once
from .ratelimits import RateLimited, check_rate

logger = logging.getLogger("studio.api")

SLUG = r"^[-a-zA-Z0-9_]{1,60}$"
JSON_TYPES = ("application/json",)
STATUS_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
                415: "unsupported_media_type", 422: "unprocessable", 429: "rate_limited"}
# Field names of the services' ValidationErrors -> the API's camelCase names.
SERVICE_FIELDS = {"start": "startTime", "end": "endTime"}


class ApiError(Exception):
    """An answer in the error shape: raise it anywhere below a view."""

    def __init__(self, status: int, code: str, message: str, *, headers=None, **extra):
        # Translated now, in the language of the request: the answer is JSON (and may be kept for a retry).
        message = str(message)
        if "fields" in extra:
            extra["fields"] = {name: [str(text) for text in texts] for name, texts in extra["fields"].items()}
        super().__init__(message)
        self.answer = Answer(status, {"error": {"code": code, "message": message, **extra}}, headers or {})


def respond(answer: Answer) -> HttpResponse:
    response = HttpResponse(json.dumps(answer.body), status=answer.status, content_type="application/json")
    for name, value in answer.headers.items():
        response[name] = value
    if answer.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def error_response(status: int, code: str, message: str, **extra) -> HttpResponse:
    return respond(ApiError(status, code, message, **extra).answer)


class DocsPage(DocsBase):
    """A docs page in the studio's own design: no script or style from a CDN."""

    def render_page(self, request, api, **kwargs):
        schema = BookingIn.model_json_schema(by_alias=True)
        required = set(schema.get("required", []))
        fields = [
            {"name": name, "required": name in required, "type": _type_label(spec), "format": spec.get("format", ""),
             "limit": _limit(spec),
             # The schema's descriptions are English (gettext_noop in api_schemas): the page reads them translated.
             "description": gettext(spec["description"]) if spec.get("description") else ""}
            for name, spec in schema["properties"].items()
        ]
        rates = {scope: rate_text(rate) for scope, rate in settings.PUBLIC_RATE_LIMITS.items()}
        context = {"api": api, "fields": fields, "openapi_url": self.get_openapi_url(api, kwargs),
                   "max_body": settings.API_MAX_BODY_BYTES, "rates": rates,
                   "horizon": settings.BOOKING_HORIZON_DAYS, "cancel_hours": settings.GUEST_CANCELLATION_HOURS,
                   "not_found": NOT_FOUND, "conflict_example": _conflict_example()}
        return render(request, "public/api_docs.html", context)


TYPE_NAMES = {"string": gettext_lazy("string"), "boolean": gettext_lazy("boolean"), "integer": gettext_lazy("integer")}


def _type_label(spec: dict) -> str:
    if "$ref" in spec or spec.get("type") == "array":
        return gettext("list of objects") if spec.get("type") == "array" else gettext("object")
    kind = spec.get("type") or "/".join(option.get("type", "") for option in spec.get("anyOf", []))
    return str(TYPE_NAMES.get(kind, kind))


def _conflict_example() -> str:
    """A 409's message as the API writes it, for a booking on Sunday 15 March 2026 from 10:00 to 12:00."""
    start = datetime(2026, 3, 15, 10, tzinfo=timezone.get_current_timezone())
    return gettext("%(space)s is already booked %(when)s.") % {
        "space": "White Hall", "when": local_range(start, start + timedelta(hours=2))}


def _limit(spec: dict) -> str:
    if "maxLength" in spec:
        return ngettext("≤ %(count)s character", "≤ %(count)s characters", spec["maxLength"]) % {
            "count": spec["maxLength"]}
    if "maxItems" in spec:
        return ngettext("≤ %(count)s item", "≤ %(count)s items", spec["maxItems"]) % {"count": spec["maxItems"]}
    return ""


RATE = re.compile(r"(\d+)/(\d*)([smhd])")


def rate_text(rate: str) -> str:
    """A rate limit as a person reads it: ``"20/h"`` is "20 an hour", ``"5/10m"`` "5 in 10 minutes"."""
    match = RATE.fullmatch(rate or "")
    if match is None:
        return rate
    count, per, unit = int(match[1]), int(match[2] or 1), match[3]
    if per == 1:
        text = {"s": gettext("%(count)s a second"), "m": gettext("%(count)s a minute"),
                "h": gettext("%(count)s an hour"), "d": gettext("%(count)s a day")}[unit]
    else:
        text = {"s": ngettext("%(count)s in %(per)s second", "%(count)s in %(per)s seconds", per),
                "m": ngettext("%(count)s in %(per)s minute", "%(count)s in %(per)s minutes", per),
                "h": ngettext("%(count)s in %(per)s hour", "%(count)s in %(per)s hours", per),
                "d": ngettext("%(count)s in %(per)s day", "%(count)s in %(per)s days", per)}[unit]
    return text % {"count": count, "per": per}


class StudioAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        # The booking body is read by hand (for 413/415 and idempotency), so describe it here.
        body = BookingIn.model_json_schema(by_alias=True, ref_template=REF_TEMPLATE)
        schema["components"]["schemas"].update(body.pop("$defs", {}))
        body["examples"] = [booking_example()]
        schema["components"]["schemas"]["BookingIn"] = body
        return schema


def _first_hour(day):
    """The moment ``day`` opens, or its first hour on the usual clock when the studio is closed: the rate a
    day without free slots is quoted at."""
    hours = opening_hours(day) or widest_hours() or (settings.STUDIO_OPENS_AT, settings.STUDIO_CLOSES_AT)
    return day_bounds(day, hours)[0]


def booking_example() -> dict:
    """A request the studio would accept as it stands: tomorrow, two hours from opening, in an open hall."""
    hall = Space.objects.filter(is_active=True).order_by("pk").first()
    opens = (widest_hours() or (settings.STUDIO_OPENS_AT, settings.STUDIO_CLOSES_AT))[0]
    return {
        "date": (timezone.localdate() + timedelta(days=1)).isoformat(),
        "startTime": f"{opens:02d}:00", "endTime": f"{opens + 2:02d}:00",
        "space": hall.slug if hall else "white",
        "clientName": "Anna Petrova", "clientPhone": "+7 916 123-45-67", "clientEmail": "anna@example.com",
        "equipment": [], "promoCode": "", "specialRequirements": "", "consent": True,
    }


# The OpenAPI document is for the website's developers and stays in English; the docs page is translated.
api = StudioAPI(
    title=f"{settings.STUDIO_NAME} booking API",
    version="1",
    description="Free slots and guest bookings for the studio's website. Errors: "
                '{"error": {"code", "message", "fields"?, "conflict"?, "alternatives"?}}.',
    urls_namespace="api_v1",
    docs=DocsPage(),
    docs_url="/docs",
)


# --- Errors ----------------------------------------------------------------------------------------


# Pydantic's own messages are English only: the API says them in the caller's language, by error type.
PYDANTIC_MESSAGES = {
    "missing": gettext_lazy("This field is required."),
    "string_type": gettext_lazy("Must be text (a JSON string)."),
    "string_pattern_mismatch": gettext_lazy("Use only Latin letters, digits, hyphens and underscores."),
    "bool_type": gettext_lazy("Must be true or false."),
    "list_type": gettext_lazy("Must be a list."),
    "model_type": gettext_lazy("Must be an object."),
    "model_attributes_type": gettext_lazy("Must be an object."),
    "dict_type": gettext_lazy("Must be an object."),
}
# Limits, with the pydantic context value they name.
PYDANTIC_LIMITS = {
    "string_too_short": ("min_length", ngettext_lazy("Must be at least %(count)s character long.",
                                                     "Must be at least %(count)s characters long.", "count")),
    "string_too_long": ("max_length", ngettext_lazy("Must be at most %(count)s character long.",
                                                    "Must be at most %(count)s characters long.", "count")),
    "too_long": ("max_length", ngettext_lazy("At most %(count)s item.", "At most %(count)s items.", "count")),
    "greater_than_equal": ("ge", gettext_lazy("Must be at least %(count)s.")),
    "less_than_equal": ("le", gettext_lazy("Must be at most %(count)s.")),
}
# Families of types by their first word (int_parsing, int_from_float, date_from_datetime_parsing, ...).
PYDANTIC_FAMILIES = {
    "int": gettext_lazy("Must be a whole number."),
    "date": gettext_lazy("Give the date as YYYY-MM-DD."),
    "time": gettext_lazy('Give the time as "HH:MM" in studio time, e.g. "10:00".'),
}


def _pydantic_message(error: dict) -> str:
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind == "value_error":  # our validators' own messages, already in the request's language
        return str(error["msg"]).removeprefix("Value error, ")
    if kind in PYDANTIC_LIMITS:
        name, text = PYDANTIC_LIMITS[kind]
        return text % {"count": ctx.get(name, 0)}
    message = PYDANTIC_MESSAGES.get(kind) or PYDANTIC_FAMILIES.get(kind.split("_")[0])
    return str(message or gettext("This value is not valid."))


def _pydantic_fields(errors, skip=("body", "query", "path", "header")) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        loc = list(error["loc"])
        if loc and loc[0] in skip:
            loc = loc[1:]
        key = ".".join(str(part) for part in loc) or "body"
        fields.setdefault(key, []).append(_pydantic_message(error))
    return fields


def validation_error(fields: dict[str, list[str]], message: str | None = None) -> ApiError:
    return ApiError(400, "validation_error", message or gettext("Some fields are not valid."), fields=fields)


@api.exception_handler(NinjaValidationError)
def on_validation_error(request, exc):
    return respond(validation_error(_pydantic_fields(exc.errors)).answer)


@api.exception_handler(ApiError)
def on_api_error(request, exc):
    return respond(exc.answer)


@api.exception_handler(RateLimited)
def on_rate_limited(request, exc):
    return respond(_rate_limited(exc).answer)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return error_response(404, "not_found", gettext("Not found."))


# Ninja's own refusals are English: the caller reads them in their language.
HTTP_ERROR_MESSAGES = {400: gettext_lazy("The request could not be read."), 403: gettext_lazy("Not allowed.")}


@api.exception_handler(HttpError)
def on_http_error(request, exc):
    message = HTTP_ERROR_MESSAGES.get(exc.status_code, str(exc))
    return error_response(exc.status_code, STATUS_CODES.get(exc.status_code, "error"), message)


@api.exception_handler(SuspiciousOperation)
def on_unreadable(request, exc):
    """What Django refuses to read (too many fields, a malformed header): the caller's mistake, not ours."""
    return error_response(400, "bad_request", gettext("The request could not be read. Send fewer parameters."))


@api.exception_handler(Exception)
def on_unexpected(request, exc):
    logger.exception("Unexpected error in %s %s", request.method, request.path)
    return error_response(500, "server_error", gettext("Something went wrong on our side. Please try again later."))


def _rate_limited(error: RateLimited) -> ApiError:
    return ApiError(429, "rate_limited", error.message, headers={"Retry-After": str(error.retry_after)},
                    retryAfter=error.retry_after)


# --- Availability -----------------------------------------------------------------------------------


def _slot_json(slot, slots=None) -> dict:
    start, end = timezone.localtime(slot.start), timezone.localtime(slot.end)
    body = {"startTime": f"{start:%H:%M}", "endTime": f"{end:%H:%M}", "start": start.isoformat(), "end": end.isoformat()}
    if slots is not None:
        body["maxHours"] = longest_stay(slot.start, slots)
    return body


def _check_day(day: Date) -> None:
    try:
        validate_booking_day(day)
    except ValidationError as error:
        raise validation_error({"date": error.messages}) from None


@api.get("/availability", response={200: AvailabilityOut, 400: ErrorOut, 404: ErrorOut, 429: ErrorOut},
         summary="Free whole-hour start times of a hall on one day", tags=["availability"], by_alias=True)
def availability(request, space: Annotated[str, Query(pattern=SLUG, description="The hall's slug")],
                 date: Annotated[Date, Query(description="YYYY-MM-DD, studio time")]):
    """Each slot is a free one-hour start; ``maxHours`` says how long a booking starting there can last."""
    check_rate(request, "availability_ip")
    now = timezone.now()
    return respond(Answer(200, free_hours_cache.kept(space, date, now, find_hall=lambda: _active_hall(space),
                                                     answer=lambda hall: _free_hours(hall, date, now))))


def _active_hall(slug: str) -> Space:
    hall = Space.objects.filter(slug=slug, is_active=True).first()
    if hall is None:
        raise ApiError(404, "not_found", gettext("There is no hall with that slug."))
    return hall


def _free_hours(hall: Space, day: Date, now: datetime) -> dict:
    _check_day(day)
    slots = free_slots(hall, day, now=now)
    rates = list(hall.rates.all())
    slot_rates = [hourly_rate(hall, slot.start, rates) for slot in slots]
    return {
        "space": {"slug": hall.slug, "name": hall.name},
        "date": day.isoformat(),
        "timeZone": settings.TIME_ZONE,
        "hourlyRate": str(min(slot_rates, default=hourly_rate(hall, _first_hour(day), rates))),
        "slots": [{**_slot_json(slot, slots), "hourlyRate": str(rate)} for slot, rate in zip(slots, slot_rates, strict=True)],
    }


# --- Bookings ---------------------------------------------------------------------------------------


def booking_json(booking: Booking) -> dict:
    start, end = timezone.localtime(booking.start), timezone.localtime(booking.end)
    return {
        "bookingReference": booking.reference,
        "state": booking.state,
        "space": {"slug": booking.space.slug, "name": booking.space.name},
        "date": start.date().isoformat(),
        "startTime": f"{start:%H:%M}",
        "endTime": f"{end:%H:%M}",
        "start": start.isoformat(),
        "end": end.isoformat(),
        "durationHours": booking.duration_hours,
        "clientName": booking.client_name,
        "equipment": [
            {"id": line.equipment_id, "name": line.equipment.name, "quantity": line.quantity, "price": str(line.price)}
            for line in booking.equipment_lines.all()
        ],
        "basePrice": str(booking.base_price),
        "equipmentPrice": str(booking.equipment_price),
        "discount": str(booking.discount),
        "totalPrice": str(booking.total_price),
        "paymentStatus": booking.payment_status,
        "canCancel": booking.can_guest_cancel(),
    }


def _json_body(request) -> bytes:
    content_type = request.content_type or ""
    if content_type.lower() not in JSON_TYPES:
        raise ApiError(415, "unsupported_media_type",
                       gettext("Send the booking as JSON (Content-Type: application/json)."))
    limit = settings.API_MAX_BODY_BYTES
    too_large = ApiError(413, "payload_too_large", ngettext(
        "The request body must be at most %(count)s byte.", "The request body must be at most %(count)s bytes.", limit,
    ) % {"count": limit})
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise too_large
    try:
        body = request.body
    except RequestDataTooBig:
        raise too_large from None
    if len(body) > limit:
        raise too_large
    return body


def _equipment(lines) -> dict:
    """The request's equipment lines as {Equipment: quantity}; unknown items and quantities beyond stock are 400."""
    if not lines:
        return {}
    items = list(Equipment.objects.filter(is_active=True))
    by_id = {item.pk: item for item in items}
    by_name = {item.name.casefold(): item for item in items}
    wanted, fields = {}, {}
    for position, line in enumerate(lines):
        item = by_id.get(line.id) if line.id is not None else by_name.get(line.name.strip().casefold())
        if item is None:
            fields[f"equipment.{position}"] = [gettext("There is no such equipment to book.")]
            continue
        wanted[item] = wanted.get(item, 0) + line.quantity
        if wanted[item] > item.stock:
            fields[f"equipment.{position}.quantity"] = [
                gettext("The studio has %(stock)s × %(name)s.") % {"stock": item.stock, "name": item.name}]
    if fields:
        raise validation_error(fields)
    return wanted


def _service_fields(error: ValidationError) -> dict[str, list[str]]:
    """The service's messages by the API's field names; those about no one field under ``body``."""
    return {
        SERVICE_FIELDS.get(name, to_camel(name)) if name else "body": messages
        for name, messages in service_errors(error).items()
    }


def _create(request, body: bytes) -> Answer:
    try:
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            raise ApiError(400, "invalid_json", gettext("The request body is not valid JSON.")) from None
        if not isinstance(data, dict):
            raise validation_error({"body": [gettext("Send one JSON object.")]})
        try:
            payload = BookingIn.model_validate(data)
        except pydantic.ValidationError as error:
            raise validation_error(_pydantic_fields(error.errors(include_url=False))) from None
        check_rate(request, "booking_ip")
        space = Space.objects.filter(slug=payload.space, is_active=True).first()
        if space is None:
            raise validation_error({"space": [gettext("There is no hall with that slug.")]})
        _check_day(payload.date)
        zone = timezone.get_current_timezone()
        start = datetime.combine(payload.date, payload.start_time, tzinfo=zone)
        end = datetime.combine(payload.date, payload.end_time, tzinfo=zone)
        booking = guest_booking_create(
            request, space=space, start=start, end=end, equipment=_equipment(payload.equipment),
            client_name=payload.client_name, client_phone=payload.client_phone, client_email=payload.client_email,
            promo_code=payload.promo_code, special_requirements=payload.special_requirements,
        )
    except ApiError as error:
        return error.answer
    except RateLimited as error:
        return _rate_limited(error).answer
    except ValidationError as error:
        return validation_error(_service_fields(error)).answer
    except BookingConflict as error:
        conflict = None
        if error.start and error.end:
            conflict = {"kind": error.kind, "start": timezone.localtime(error.start).isoformat(),
                        "end": timezone.localtime(error.end).isoformat()}
        # Each alternative spans the whole length asked for, with the equipment asked for free; it may be on a
        # later day (``start`` and ``end`` carry the date).
        return ApiError(409, "conflict", error.message, conflict=conflict,
                        alternatives=[_slot_json(slot) for slot in error.alternatives]).answer
    location = reverse("api_v1:booking", args=[booking.reference]) + "?" + urlencode({"phone": booking.client_phone})
    return Answer(201, booking_json(booking), {"Location": location})


# The guest's phone for GET /bookings/{reference}, as a header rather than in the address.
PHONE_HEADER = "X-Client-Phone"
IDEMPOTENCY_HEADER = {
    "name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string", "maxLength": 255},
    "description": "Any unique string (a UUID). A retry with the same key and body returns the first answer; "
                   "the same key with another body is refused with 422 idempotency_key_reused. Kept 24 hours.",
}


@api.post(
    "/bookings",
    response={201: BookingOut, 400: ErrorOut, 409: ErrorOut, 413: ErrorOut, 415: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="Request a booking as a guest",
    by_alias=True,
    tags=["bookings"],
    openapi_extra={
        "requestBody": {"required": True,
                        "content": {"application/json": {"schema": {"$ref": REF_TEMPLATE.format(model="BookingIn")}}}},
        "parameters": [IDEMPOTENCY_HEADER],
    },
)
def create_booking(request):
    """Creates a pending booking (the studio confirms it). Prices are computed by the studio; any sent are ignored."""
    body = _json_body(request)
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return respond(_create(request, body))
    try:
        return respond(run_once(key, body, lambda: _create(request, body)))
    except IdempotencyError as error:
        headers = {"Retry-After": str(error.retry_after)} if error.retry_after else {}
        return respond(ApiError(error.status, error.code, error.message, headers=headers).answer)


@api.get("/bookings/{reference}", response={200: BookingOut, 400: ErrorOut, 404: ErrorOut, 429: ErrorOut},
         summary="A guest's view of one booking", tags=["bookings"], by_alias=True, url_name="booking",
         openapi_extra={"parameters": [{
             "name": PHONE_HEADER, "in": "header", "required": False, "schema": {"type": "string", "maxLength": 32},
             "description": "The phone the booking was made with (instead of ?phone=)."}]})
def get_booking(request, reference: str,
                phone: Annotated[str | None, Query(max_length=32, description=(
                    f"The phone the booking was made with. The {PHONE_HEADER} header takes it too, and keeps it out "
                    "of the access logs of proxies and servers between."))] = None):
    """Found only when the reference and the phone belong together; otherwise one neutral 404."""
    phone = request.headers.get(PHONE_HEADER, phone)
    if not phone:
        raise validation_error({"phone": [
            gettext("Give the booking's phone, in the %(header)s header or ?phone=.") % {"header": PHONE_HEADER}]})
    booking = guest_lookup(request, reference, phone[:32])
    if booking is None:
        raise ApiError(404, "not_found", NOT_FOUND)
    return respond(Answer(200, booking_json(booking)))


# --- URLs -------------------------------------------------------------------------------------------


def _json_method_errors(view):
    """Ninja answers a wrong method in plain text; give it the API's error shape."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith("application/json"):
            allowed = response.get("Allow", "")
            message = (gettext("Use %(methods)s here.") % {"methods": allowed} if allowed
                       else gettext("Use another method here."))
            response = error_response(405, "method_not_allowed", message)
            response["Allow"] = allowed
        return response

    return wrapped


def not_found(request, rest=""):
    return error_response(404, "not_found", gettext("There is no such API endpoint. See %(docs)s.") % {
        "docs": "/api/v1/docs"})


def urlpatterns() -> list:
    patterns, _app, _namespace = api.urls
    for pattern in patterns:
        pattern.callback = _json_method_errors(pattern.callback)
    return patterns
