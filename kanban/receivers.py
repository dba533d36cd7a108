"""Listens to the booking domain and the employees, and tells open boards. Connected in KanbanConfig.ready()."""

from bookings.signals import booking_updated
from studio_crm.live import signed_out_sockets_tell, staff_sockets_tell

from .services import board_group, broadcast_booking


def booking_changed(sender, booking, signal=None, fields=None, **kwargs):
    """Any change to a booking, after its transaction committed: the boards hear which card changed.

    Only a change of details can move a booking to another space (``fields`` names what changed; an
    update that does not say is taken to have moved it); a new booking or a state change cannot.
    """
    moved = signal is booking_updated and (fields is None or "space" in fields)
    broadcast_booking(booking, may_have_left_space=moved)


def staff_access_changed(sender, employee, session_keys=None, **kwargs):
    """Sessions of ``employee`` ended, or what they may see changed: their boards close or check again."""
    staff_sockets_tell(page_group=board_group(), employee_id=employee.pk, session_keys=session_keys)


def signed_out(sender, request, user, **kwargs):
    """An employee signed out: the boards open in that session close."""
    signed_out_sockets_tell(page_group=board_group(), request=request, user=user)
