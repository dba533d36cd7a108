"""Open calendars redraw when a booking changes. The signals arrive after commit; nothing here may
raise into the booking flow (calendar_changed logs and swallows its own failures)."""

from .services import calendar_changed


def booking_changed(sender, booking, **kwargs):
    calendar_changed(space_id=booking.space_id, booking_id=booking.pk)
