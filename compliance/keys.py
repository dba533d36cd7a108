"""How the register knows a person without keeping their contact details: the phone's blind index and the
email's keyed index (case-folded), both HMACs under ``PII_INDEX_KEY`` and the same the bookings and client
cards are found by."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from bookings.phones import normalise_phone
from bookings.pii import blind_index
from bookings.search import email_index


def phone_key(raw_phone: str) -> str:
    """The blind index of a phone as typed, or "" for none (ValidationError for something else)."""
    if not (raw_phone or "").strip():
        return ""
    return blind_index(normalise_phone(raw_phone))


def person_keys(*, phone: str = "", email: str = "") -> tuple[str, str]:
    """(phone blind index, email hash) of what an owner or guest typed; ValidationError if neither is usable."""
    try:
        index = phone_key(phone)
    except ValidationError as error:
        raise ValidationError({"phone": error.messages}) from None
    hashed = email_index(email)
    if not index and not hashed:
        raise ValidationError(_("Enter the person's phone number or email."))
    return index, hashed
