"""Open calendars redraw when a booking or a block changes. The signals arrive after commit; nothing here
may raise into the sender (calendar_changed logs and swallows its own failures)."""

from .services import calendar_changed


def booking_changed(sender, booking, **kwargs):
    calendar_changed(space_id=booking.space_id, booking_id=booking.pk)


def block_changed(sender, block, **kwargs):
    calendar_changed(space_id=block.space_id)
