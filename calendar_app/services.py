"""Operations of the calendar: closing a space for a time (blocks) and its iCal feeds."""

import logging
from datetime import datetime

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from bookings.availability import holding_bookings
from bookings.errors import local_range
from bookings.models import BlockKind, CalendarBlock, Space

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


def _require_admin(by) -> None:
    if by is None or not by.is_admin_or_owner:
        raise PermissionDenied("Only admins and owners can close a space.")


def block_refusal(*, space: Space, start: datetime, end: datetime) -> str:
    """Why ``space`` cannot be closed from ``start`` to ``end`` (active bookings or another block stand
    there), or an empty string. block_create asks again under the space's lock."""
    clash = list(holding_bookings(space, start, end)[:3])
    if clash:
        listed = "; ".join(f"{b.reference} ({local_range(b.start, b.end)})" for b in clash)
        return f"{space.name} has active bookings in that time: {listed}. Move or cancel them first."
    other = CalendarBlock.objects.filter(space=space, start__lt=end, end__gt=start).first()
    if other is not None:
        return (f"{space.name} is already closed {local_range(other.start, other.end)} "
                f"({other.get_kind_display().lower()}).")
    return ""


def block_create(
    *, space: Space, start: datetime, end: datetime, kind: str = BlockKind.MAINTENANCE, note: str = "", by
) -> CalendarBlock:
    """Close ``space`` from ``start`` to ``end``.

    Refused (ValidationError) where an active booking or another block stands in that time: those
    must be moved or cancelled first, so nobody arrives at a closed hall.
    """
    _require_admin(by)
    if end <= start:
        raise ValidationError({"end": "The end must be after the start."})
    if kind not in BlockKind.values:
        raise ValidationError({"kind": "Choose maintenance or private event."})
    with transaction.atomic():
        # The same lock the booking services take: no booking can slip in while we check.
        space = Space.objects.select_for_update().get(pk=space.pk)
        refusal = block_refusal(space=space, start=start, end=end)
        if refusal:
            raise ValidationError(refusal)
        block = CalendarBlock.objects.create(
            space=space, start=start, end=end, kind=kind, note=(note or "").strip(), created_by=by
        )
        transaction.on_commit(lambda: calendar_changed(space_id=space.pk))
    log.info("block created space=%s %s by=%s", space.slug, local_range(start, end), by.username)
    return block


def block_delete(*, block: CalendarBlock, by) -> None:
    """Reopen the time ``block`` closed."""
    _require_admin(by)
    space_id = block.space_id
    with transaction.atomic():
        CalendarBlock.objects.filter(pk=block.pk).delete()
        transaction.on_commit(lambda: calendar_changed(space_id=space_id))
    log.info("block deleted space=%s by=%s", space_id, by.username)


def feed_regenerate(*, employee, space: Space | None = None) -> CalendarFeed:
    """The employee's feed (of one space, or of all they may see) with a new secret token.

    The old address stops working at once."""
    feed = CalendarFeed.objects.filter(employee=employee, space=space).first()
    if feed is None:
        return CalendarFeed.objects.create(employee=employee, space=space)
    feed.regenerate()
    return feed
