"""iCal feeds of the studio's bookings. A feed carries what a wall calendar needs: the reference,
the client's first name, the space and the state. Never a phone number, an email or a surname.

A calendar app asks for the feed without saying who reads it, so its texts are in the studio's language
(STUDIO_LANGUAGE)."""

from datetime import UTC, timedelta

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext_lazy
from icalendar import Calendar, Event

from bookings.access import visible_spaces
from bookings.models import ACTIVE_STATES, BlockKind, Booking, BookingState, CalendarBlock

from .models import CalendarFeed

PAST_DAYS = 30
FUTURE_DAYS = 365
STATUS = {
    BookingState.PENDING: "TENTATIVE",
    BookingState.CANCELLED: "CANCELLED",
    BookingState.NO_SHOW: "CANCELLED",
}
# A block's summary line, a whole phrase per kind.
BLOCK_SUMMARIES = {
    BlockKind.MAINTENANCE: pgettext_lazy("calendar feed", "%(space)s: closed for maintenance"),
    BlockKind.PRIVATE_EVENT: pgettext_lazy("calendar feed", "%(space)s: closed for a private event"),
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
    with translation.override(settings.STUDIO_LANGUAGE):
        return _calendar(feed, spaces)


def _calendar(feed: CalendarFeed, spaces) -> bytes:
    now = timezone.now()
    since, until = now - timedelta(days=PAST_DAYS), now + timedelta(days=FUTURE_DAYS)
    names = {space.pk: space.name for space in spaces}
    calendar = Calendar()
    calendar.add("prodid", "-//Studio CRM//Calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", next(iter(names.values())) if feed.space_id else gettext("Studio bookings"))
    bookings = (
        Booking.objects.filter(space__in=list(names), start__lt=until, end__gt=since)
        .exclude(state=BookingState.DRAFT)
        .only("reference", "space_id", "start", "end", "state", "client_name", "updated_at", "version")
        .order_by("start")
    )
    for booking in bookings:
        event = Event()
        event.add("uid", f"{booking.reference}@studio-crm")
        event.add("summary", gettext("%(space)s: %(client)s (%(reference)s)") % {
            "space": names[booking.space_id], "client": booking.client_first_name, "reference": booking.reference})
        event.add("location", names[booking.space_id])
        event.add("description", "\n".join([
            gettext("Reference: %(reference)s") % {"reference": booking.reference},
            gettext("State: %(state)s") % {"state": booking.get_state_display()},
        ]))
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
        summary = BLOCK_SUMMARIES.get(block.kind, pgettext_lazy("calendar feed", "%(space)s: closed"))
        event.add("summary", summary % {"space": names[block.space_id]})
        event.add("location", names[block.space_id])
        event.add("dtstart", block.start.astimezone(UTC))
        event.add("dtend", block.end.astimezone(UTC))
        event.add("dtstamp", block.created_at)
        event.add("status", "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical()
