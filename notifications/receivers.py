"""Listens to the booking domain. Connected in NotificationsConfig.ready()."""

from . import services


def booking_recorded(sender, booking, event, by, from_state, to_state, reason, fields, **kwargs):
    """A booking changed, inside its transaction: its notifications are written with it, so they exist
    exactly when the change commits, and go out after the commit."""
    services.outbox_write(services.notifications_for_change(
        booking=booking, event=event, by=by, from_state=from_state, to_state=to_state, reason=reason, fields=fields,
    ))
