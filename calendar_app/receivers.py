"""Open calendars redraw when a booking or a block changes, and close when their employee may no longer
follow them. The signals arrive after commit; nothing here may raise into the sender (calendar_changed and
the live sockets' helpers log and swallow their own failures)."""

from studio_crm.live import signed_out_sockets_tell, staff_sockets_tell

from .services import GROUP, calendar_changed


def booking_changed(sender, booking, **kwargs):
    calendar_changed(space_id=booking.space_id, booking_id=booking.pk)


def block_changed(sender, block, **kwargs):
    calendar_changed(space_id=block.space_id)


def staff_access_changed(sender, employee, session_keys=None, **kwargs):
    staff_sockets_tell(page_group=GROUP, employee_id=employee.pk, session_keys=session_keys)


def signed_out(sender, request, user, **kwargs):
    signed_out_sockets_tell(page_group=GROUP, request=request, user=user)
