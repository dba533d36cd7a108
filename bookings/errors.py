from django.utils import timezone
from django.utils.formats import date_format


def local_range(start, end) -> str:
    """'Fri 27 Nov, 10:00–12:00' in the studio's time zone."""
    start, end = timezone.localtime(start), timezone.localtime(end)
    return f"{date_format(start, 'D j M')}, {start:%H:%M}–{end:%H:%M}"


class BookingError(Exception):
    """A booking operation refused for a reason the person can act on. ``str()`` is that reason."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BookingConflict(BookingError):
    """The time is taken: by another booking, a block, or equipment already out on loan.

    ``kind`` says which: "booked" (another booking), "closed" (a calendar block) or "equipment".
    """

    def __init__(self, message: str, *, kind: str = "booked", start=None, end=None, alternatives=()):
        super().__init__(message)
        self.kind = kind
        self.start = start
        self.end = end
        self.alternatives = list(alternatives)


class StaleBooking(BookingError):
    """Someone changed the booking since it was loaded; the change was not applied."""


class TransitionRefused(BookingError):
    """The state machine does not allow this change now."""


class BatchRefused(BookingError):
    """Some bookings of a batch were refused, so none was changed. ``refusals``: (reference, reason) pairs."""

    def __init__(self, refusals: list[tuple[str, str]], total: int):
        listed = "; ".join(f"{reference}: {reason}" for reference, reason in refusals)
        super().__init__(f"Nothing was changed. {len(refusals)} of {total} cannot be changed — {listed}")
        self.refusals = refusals


def error_text(error) -> str:
    """What to tell the person about a refused operation (a BookingError or a ValidationError)."""
    if isinstance(error, BookingError):
        return error.message
    return " ".join(error.messages)
