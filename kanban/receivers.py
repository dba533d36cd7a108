"""Listens to the booking domain and tells every open board. Connected in KanbanConfig.ready()."""

from .services import broadcast_booking


def booking_changed(sender, booking, **kwargs):
    """Any change to a booking, after its transaction committed: the boards re-render its card."""
    broadcast_booking(booking)
