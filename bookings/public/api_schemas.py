"""Request and response bodies of the public JSON API (camelCase on the wire, snake_case in Python).

Every string has a length limit; unknown fields are ignored (a price sent by a client is never read).
"""

import re
from datetime import date as Date
from datetime import time as Time
from typing import Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext, gettext_noop
from ninja import Schema
from pydantic import ConfigDict, Field, StrictBool, field_validator, model_validator
from pydantic.alias_generators import to_camel

HH_MM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


def _clock_time_schema(example: str):
    def describe(schema: dict) -> None:
        # "HH:MM" only: not the RFC 3339 "time" format (seconds and an offset) a "time" field is described with.
        schema.pop("format", None)
        schema.update(type="string", pattern=HH_MM, examples=[example])

    return describe



class CamelSchema(Schema):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")

    @field_validator("*")
    @classmethod
    def no_control_characters(cls, value):
        # A NUL byte cannot be stored in a PostgreSQL text column; no other control character belongs in a name.
        if isinstance(value, str) and any(ord(char) < 32 and char not in "\n\r\t" for char in value):
            raise ValueError(gettext("Must not contain control characters."))
        return value


class EquipmentLineIn(CamelSchema):
    """One piece of equipment: give its ``id`` or its exact ``name`` (case-insensitive), and a quantity."""

    id: int | None = Field(None, ge=1, le=2_147_483_647, description=gettext_noop("Equipment id, as listed by the studio"))
    name: str | None = Field(None, min_length=1, max_length=100, description=gettext_noop("Equipment name, if no id is given"))
    quantity: int = Field(1, ge=1, le=100, description=gettext_noop("Units wanted, at most the studio's stock"))

    @model_validator(mode="after")
    def id_or_name(self):
        if (self.id is None) == (self.name is None):
            raise ValueError(gettext("Give either the equipment's id or its name."))
        return self


class BookingIn(CamelSchema):
    """A guest's booking request. Times are studio-local whole hours ("10:00"); the booking ends the same day."""

    date: Date = Field(description=gettext_noop("Day of the booking, YYYY-MM-DD"))
    start_time: Time = Field(description=gettext_noop('Start, studio time, a whole hour, "HH:MM": "10:00"'),
                             json_schema_extra=_clock_time_schema("10:00"))
    end_time: Time = Field(description=gettext_noop('End, studio time, a whole hour, "HH:MM": "12:00"'),
                           json_schema_extra=_clock_time_schema("12:00"))
    space: str = Field(min_length=1, max_length=60, description=gettext_noop("The hall's slug, e.g. white"))
    client_name: str = Field(min_length=1, max_length=150)
    client_phone: str = Field(min_length=1, max_length=32, description=gettext_noop("Any common format; stored as E.164"))
    client_email: str = Field("", max_length=254)
    equipment: list[EquipmentLineIn] = Field(default_factory=list, max_length=20)
    promo_code: str = Field("", max_length=32)
    special_requirements: str = Field("", max_length=2000)
    consent: StrictBool = Field(description=gettext_noop("The guest agrees to the processing of personal data: "
                                                         "true, and only true, books"),
                                json_schema_extra={"const": True, "enum": [True]})

    @field_validator("start_time", "end_time", mode="before")
    @classmethod
    def studio_clock_time(cls, value):
        # Only "HH:MM": a number or a time with an offset ("10:00+05:00") would be read as some other hour.
        if not isinstance(value, str) or not re.fullmatch(HH_MM, value):
            raise ValueError(gettext('Give the time as "HH:MM" in studio time, e.g. "10:00".'))
        return value

    @field_validator("client_name")
    @classmethod
    def name_not_blank(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError(gettext("Enter your name."))
        return value

    @field_validator("client_email")
    @classmethod
    def email_valid(cls, value: str) -> str:
        value = value.strip()
        if value:
            try:
                validate_email(value)
            except DjangoValidationError as error:
                raise ValueError(gettext("Enter a valid email address.")) from error
        return value

    @field_validator("consent")
    @classmethod
    def consent_given(cls, value: bool) -> bool:
        if not value:
            raise ValueError(gettext("Consent to the processing of personal data is required to book."))
        return value


class SpaceOut(Schema):
    slug: str
    name: str


class SlotOut(Schema):
    start_time: str = Field(alias="startTime", description='"10:00", studio time')
    end_time: str = Field(alias="endTime")
    start: str = Field(description="ISO 8601 with the studio's offset")
    end: str
    max_hours: int = Field(alias="maxHours", description="Longest booking that can start here")
    hourly_rate: str = Field(alias="hourlyRate", description=(
        "The rate of this hour as the booking is priced (weekday and evening rates included), e.g. \"2500.00\""))


class AvailabilityOut(Schema):
    space: SpaceOut
    date: str
    time_zone: str = Field(alias="timeZone")
    hourly_rate: str = Field(alias="hourlyRate", description=(
        "The lowest rate among the day's free slots (\"from\"); each slot carries its own"))
    slots: list[SlotOut]


class EquipmentLineOut(Schema):
    id: int
    name: str
    quantity: int
    price: str


class BookingOut(Schema):
    booking_reference: str = Field(alias="bookingReference")
    state: str
    space: SpaceOut
    date: str
    start_time: str = Field(alias="startTime")
    end_time: str = Field(alias="endTime")
    start: str
    end: str
    duration_hours: int = Field(alias="durationHours")
    client_name: str = Field(alias="clientName")
    equipment: list[EquipmentLineOut]
    base_price: str = Field(alias="basePrice")
    equipment_price: str = Field(alias="equipmentPrice")
    discount: str
    total_price: str = Field(alias="totalPrice")
    payment_status: str = Field(alias="paymentStatus")
    can_cancel: bool = Field(alias="canCancel", description="Whether the guest may still cancel online")


class AlternativeOut(Schema):
    start_time: str = Field(alias="startTime", description='"10:00", studio time')
    end_time: str = Field(alias="endTime")
    start: str = Field(description="ISO 8601 with the studio's offset")
    end: str


class ConflictOut(Schema):
    kind: Literal["booked", "closed", "equipment"] = Field(
        description="booked: another booking; closed: the hall is closed then; equipment: not enough free units")
    start: str = Field(description="Start of the taken time, ISO 8601 with the studio's offset")
    end: str


class ErrorBody(Schema):
    code: str = Field(description="validation_error, invalid_json, not_found, conflict, rate_limited, "
                                  "payload_too_large, unsupported_media_type, idempotency_key_reused, "
                                  "idempotency_in_progress, invalid_idempotency_key, method_not_allowed, bad_request, "
                                  "invalid_query, unavailable (503, with Retry-After), server_error")
    message: str
    fields: dict[str, list[str]] | None = Field(None, description="Field errors by camelCase field name (400)")
    conflict: ConflictOut | None = Field(None, description="What is in the way (409 conflict); null when unknown")
    alternatives: list[AlternativeOut] | None = Field(None, description=(
        "Times where the whole requested length (and the equipment) is free, nearest first, this day then the next days "
        "(409)"))
    retry_after: int | None = Field(None, alias="retryAfter", description="Seconds to wait before trying again (429)")


class ErrorOut(Schema):
    error: ErrorBody
