"""The board's websocket, /ws/kanban/: pushes re-rendered cards and who else is looking.

Messages to the browser (JSON):
  {"type": "card", "id", "state", "date", "space", "html"}  a card to put in its column
  {"type": "remove", "id"}                                  a card this employee no longer sees on a board
  {"type": "order", "state", "ids"}                         the order of a column's cards
  {"type": "presence", "names"}                             the other employees with the board open
"""

import asyncio
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY, user_has_device
from django_otp.models import Device

from bookings.access import visible_bookings
from employees.models import EmployeeStatus

from .presence import BEAT_SECONDS, Presence
from .services import board_group, visible_card
from .views import render_card

log = logging.getLogger("studio.kanban")

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


def may_watch_board(user, session) -> bool:
    """An active employee whose session passed the second factor, where their account has one."""
    if not user.is_active or user.status != EmployeeStatus.ACTIVE:
        return False
    device_id = session.get(DEVICE_ID_SESSION_KEY) if session is not None else None
    device = Device.from_persistent_id(device_id) if device_id else None
    if device is not None and device.user_id == user.pk:
        return True
    return not user.mfa_required and not user_has_device(user, confirmed=True)


class BoardConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        self.joined = False
        user = self.scope.get("user")
        # Accept first, then close with a code the page can read (a refused handshake has none).
        await self.accept()
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if not await database_sync_to_async(may_watch_board)(user, self.scope.get("session")):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.user = user
        self.group = board_group()
        self.presence = Presence(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        self.joined = True
        await self.channel_layer.group_send(self.group, self._presence_message("presence.join"))
        self.beat = asyncio.ensure_future(self._beat())

    async def disconnect(self, code):
        if not getattr(self, "joined", False):
            return
        self.beat.cancel()
        await self.channel_layer.group_send(self.group, {"type": "presence.leave", "channel": self.channel_name})
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        # The board only listens; moves go through HTTP so they share the forms' checks.
        pass

    # --- Bookings ---------------------------------------------------------------------------------

    async def booking_changed(self, event):
        html, booking = await database_sync_to_async(self._render)(event["booking"])
        if booking is None:
            await self.send_json({"type": "remove", "id": event["booking"]})
            return
        start = timezone.localtime(booking.start)
        await self.send_json({
            "type": "card", "id": booking.pk, "state": booking.state, "date": start.date().isoformat(),
            "space": booking.space_id, "html": html,
        })

    def _render(self, booking_id):
        booking = visible_card(self.user, booking_id)
        return (render_card(booking) if booking else ""), booking

    async def board_order(self, event):
        ids = await database_sync_to_async(self._visible_ids)(event["ids"])
        await self.send_json({"type": "order", "state": event["state"], "ids": ids})

    def _visible_ids(self, ids):
        if self.user.is_admin_or_owner:
            return ids
        visible = set(visible_bookings(self.user).filter(pk__in=ids).values_list("pk", flat=True))
        return [pk for pk in ids if pk in visible]

    # --- Presence ---------------------------------------------------------------------------------

    def _presence_message(self, kind):
        return {"type": kind, "channel": self.channel_name, "employee": self.user.pk,
                "name": self.user.full_name or self.user.username}

    async def presence_join(self, event):
        self.presence.seen(event["channel"], event["employee"], event["name"])
        if event["channel"] != self.channel_name:
            await self.channel_layer.send(event["channel"], self._presence_message("presence.here"))
        await self._send_presence()

    async def presence_here(self, event):
        self.presence.seen(event["channel"], event["employee"], event["name"])
        await self._send_presence()

    async def presence_beat(self, event):
        known = event["channel"] in self.presence.viewers
        self.presence.seen(event["channel"], event["employee"], event["name"])
        if not known:
            await self._send_presence()

    async def presence_leave(self, event):
        self.presence.gone(event["channel"])
        await self._send_presence()

    async def _send_presence(self):
        await self.send_json({"type": "presence", "names": self.presence.others()})

    async def _beat(self):
        try:
            while True:
                await asyncio.sleep(BEAT_SECONDS)
                await self.channel_layer.group_send(self.group, self._presence_message("presence.beat"))
                if self.presence.forget_silent():
                    await self._send_presence()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("kanban presence beat stopped")
