from collections.abc import Mapping

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import ngettext

from studio_crm import metrics
from studio_crm.formatting import when


def local_range(start, end) -> str:
    """'Fri 27 Nov, 10:00–12:00' ('пт, 27 ноября, 10:00–12:00') on the studio's clock, in the active language."""
    return f"{when(start, 'day')}, {when(start, 'time')}–{when(end, 'time')}"


class BookingError(Exception):
    """A booking operation refused for a reason the person can act on. ``str()`` is that reason."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BookingConflict(BookingError):
    """The time is taken: by another booking, a block, or equipment already out on loan.

    ``kind`` says which: "booked" (another booking), "closed" (a calendar block) or "equipment". Each one is
    counted for /metrics as it is made: it is made only where a clash is found, and raised at once.
    """

    def __init__(self, message: str, *, kind: str = "booked", start=None, end=None, alternatives=()):
        super().__init__(message)
        self.kind = kind
        self.start = start
        self.end = end
        self.alternatives = list(alternatives)
        metrics.BOOKING_CONFLICTS.labels(kind=kind).inc()


class StaleBooking(BookingError):
    """Someone changed the booking since it was loaded; the change was not applied."""


class TransitionRefused(BookingError):
    """The state machine does not allow this change now."""


class BatchRefused(BookingError):
    """Some bookings of a batch were refused, so none was changed. ``refusals``: (reference, reason) pairs."""

    def __init__(self, refusals: list[tuple[str, str]], total: int):
        listed = "; ".join(f"{reference}: {reason}" for reference, reason in refusals)
        super().__init__(ngettext(
            "Nothing was changed. %(refused)s of %(total)s cannot be changed — %(listed)s",
            "Nothing was changed. %(refused)s of %(total)s cannot be changed — %(listed)s",
            total,
        ) % {"refused": len(refusals), "total": total, "listed": listed})
        self.refusals = refusals


def service_errors(error: "BookingError | ValidationError") -> dict[str | None, list[str]]:
    """A refused operation's messages by the model field they concern; None holds those about no one field."""
    if isinstance(error, BookingError):
        return {None: [error.message]}
    if not hasattr(error, "error_dict"):
        return {None: error.messages}
    return {None if name == NON_FIELD_ERRORS else name: messages for name, messages in error.message_dict.items()}


def add_service_error(form, error: "BookingError | ValidationError", fields: Mapping[str, str] | None = None) -> None:
    """Put a refused operation's messages on the form: each on the field it concerns, the rest above the form.

    Services name model fields; ``fields`` maps those names to the form's where they differ. Staff forms, guest
    forms, the API and the admin all go through ``service_errors``, so a rule's message reaches every one alike.
    """
    fields = fields or {}
    for name, messages in service_errors(error).items():
        field = fields.get(name, name)
        form.add_error(field if field in form.fields else None, messages)


def error_text(error: "BookingError | ValidationError") -> str:
    """What to tell the person about a refused operation, in one line (messages, the admin, batch refusals)."""
    return " ".join(message for messages in service_errors(error).values() for message in messages)
