"""Operations of the calendar: telling open calendars to redraw, and the employees' iCal feeds."""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from bookings.models import Space
from employees.models import Employee

from .models import CalendarFeed

log = logging.getLogger("studio.calendar")
GROUP = "calendar"


def calendar_changed(*, space_id: int | None, booking_id: int | None = None) -> None:
    """Tell open calendars to redraw. Never raises: a calendar that misses an update is not worth
    failing a booking for."""
    try:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(
                GROUP, {"type": "calendar.changed", "space_id": space_id, "booking_id": booking_id}
            )
    except Exception:
        log.warning("calendar update not broadcast (space=%s booking=%s)", space_id, booking_id, exc_info=True)


def feed_regenerate(*, employee: Employee, space: Space | None = None) -> CalendarFeed:
    """The employee's feed (of one space, or of all they may see) with a new secret token.

    The old address stops working at once."""
    feed = CalendarFeed.objects.filter(employee=employee, space=space).first()
    if feed is None:
        return CalendarFeed.objects.create(employee=employee, space=space)
    feed.regenerate()
    return feed
