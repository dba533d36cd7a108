"""What a guest does without an account, the same through the booking page and the JSON API:
book a hall, and find a booking again by its reference and phone.

Both count against the public rate limits (``ratelimits.check_rate``) and raise RateLimited beyond them.
"""

import re
from contextlib import suppress

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from compliance.consent import policy_version_current
from studio_crm.network import client_ip

from ..models import Booking, BookingSource
from ..phones import normalise_phone
from ..services import Consent, booking_create, phone_index
from .ratelimits import check_rate

# What a guest is told for a wrong reference and a wrong phone alike.
NOT_FOUND = _("We could not find a booking with that reference and phone number.")
REFERENCE = re.compile(r"REF-\d{8}-[A-Z0-9]{4}")


def guest_booking_create(request, *, space, start, end, client_name: str, client_phone: str, client_email: str = "",
                         equipment: dict | None = None, promo_code: str = "", special_requirements: str = "") -> Booking:
    """A pending website booking made by a guest who agreed to the privacy policy in ``request``.

    Raises RateLimited when this phone booked too often, ValidationError keyed by model field (a bad phone
    as ``client_phone``), BookingConflict when the time is taken.
    """
    try:
        phone = normalise_phone(client_phone)
    except ValidationError as error:
        raise ValidationError({"client_phone": error.messages}) from None
    check_rate(request, "booking_phone", value=phone_index(phone))
    return booking_create(
        space=space, start=start, end=end,
        client_name=client_name, client_phone=phone, client_email=client_email,
        equipment=equipment or {}, promo_code=promo_code, special_requirements=special_requirements,
        source=BookingSource.WEBSITE,
        consent=Consent(policy_version_current(), timezone.now(), client_ip(request)),
        language=getattr(request, "LANGUAGE_CODE", ""),
        by=None,
    )


def guest_lookup(request, reference: str, phone: str) -> Booking | None:
    """``guest_booking`` counted against the per-address and per-phone look-up limits (RateLimited beyond them)."""
    check_rate(request, "lookup_ip")
    # Not a phone number at all: no phone to count, and the neutral miss like any other.
    with suppress(ValidationError):
        check_rate(request, "lookup_phone", value=phone_index(phone))
    return guest_booking(reference, phone)


def guest_booking(reference: str, phone: str) -> Booking | None:
    """The booking with this reference made with this phone, or None: the one way guests find a booking.

    The phone is compared by its blind index, so a wrong phone and a wrong reference look the same.
    """
    reference = (reference or "").strip().upper()
    if not REFERENCE.fullmatch(reference):
        return None
    try:
        index = phone_index(phone)
    except ValidationError:
        return None
    return (
        Booking.objects.select_related("space")
        .prefetch_related("equipment_lines__equipment")
        .filter(reference=reference, client_phone_index=index)
        .first()
    )
