"""iCal feeds of the studio's bookings. A feed carries what a wall calendar needs: the reference,
the client's first name, the space and the state. Never a phone number, an email or a surname."""

from datetime import UTC, timedelta

from django.utils import timezone
from icalendar import Calendar, Event

from bookings.access import visible_spaces
from bookings.models import ACTIVE_STATES, Booking, BookingState, CalendarBlock

from .models import CalendarFeed

PAST_DAYS = 30
FUTURE_DAYS = 365
STATUS = {
    BookingState.PENDING: "TENTATIVE",
    BookingState.CANCELLED: "CANCELLED",
    BookingState.NO_SHOW: "CANCELLED",
}


def feed_spaces(feed: CalendarFeed):
    """The spaces ``feed`` shows now, or None when the feed no longer works."""
    if feed.employee_id is None:
        return [feed.space] if feed.space.is_active else None
    if not feed.employee.is_active:
        return None
    spaces = visible_spaces(feed.employee)
    if feed.space_id is not None:
        spaces = spaces.filter(pk=feed.space_id)
    spaces = list(spaces)
    return spaces or None


def feed_calendar(feed: CalendarFeed, spaces) -> bytes:
    now = timezone.now()
    since, until = now - timedelta(days=PAST_DAYS), now + timedelta(days=FUTURE_DAYS)
    names = {space.pk: space.name for space in spaces}
    calendar = Calendar()
    calendar.add("prodid", "-//Studio CRM//Calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", next(iter(names.values())) if feed.space_id else "Studio bookings")
    bookings = (
        Booking.objects.filter(space__in=list(names), start__lt=until, end__gt=since)
        .exclude(state=BookingState.DRAFT)
        .only("reference", "space_id", "start", "end", "state", "client_name", "updated_at", "version")
        .order_by("start")
    )
    for booking in bookings:
        event = Event()
        event.add("uid", f"{booking.reference}@studio-crm")
        event.add("summary", f"{names[booking.space_id]}: {booking.client_first_name} ({booking.reference})")
        event.add("location", names[booking.space_id])
        event.add("description", f"Reference {booking.reference}\nState: {booking.get_state_display()}")
        event.add("dtstart", booking.start.astimezone(UTC))
        event.add("dtend", booking.end.astimezone(UTC))
        event.add("dtstamp", booking.updated_at)
        event.add("sequence", booking.version)
        event.add("status", STATUS.get(booking.state, "CONFIRMED"))
        if booking.state not in ACTIVE_STATES:
            event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    for block in CalendarBlock.objects.filter(space__in=list(names), start__lt=until, end__gt=since):
        event = Event()
        event.add("uid", f"block-{block.pk}@studio-crm")
        event.add("summary", f"{names[block.space_id]}: closed ({block.get_kind_display().lower()})")
        event.add("location", names[block.space_id])
        event.add("dtstart", block.start.astimezone(UTC))
        event.add("dtend", block.end.astimezone(UTC))
        event.add("dtstamp", block.created_at)
        event.add("status", "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical()
