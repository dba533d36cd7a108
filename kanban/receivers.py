"""Listens to the booking domain and tells every open board. Connected in KanbanConfig.ready()."""

from bookings.signals import booking_updated

from .services import broadcast_booking


def booking_changed(sender, booking, signal=None, fields=None, **kwargs):
    """Any change to a booking, after its transaction committed: the boards get its card, rendered once.

    Only a change of details can move a booking to another space (``fields`` names what changed; an
    update that does not say is taken to have moved it); a new booking or a state change cannot.
    """
    moved = signal is booking_updated and (fields is None or "space" in fields)
    broadcast_booking(booking, may_have_left_space=moved)
