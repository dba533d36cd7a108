"""The board's websocket, /ws/kanban/: pushes re-rendered cards and who else is looking.

Messages to the browser (JSON):
  {"type": "card", "id", "state", "date", "space", "version", "html"}  a card to put in its column
  {"type": "remove", "id"}                     a card this employee no longer sees on a board
  {"type": "order", "state", "ids"}            the order of a column's cards
  {"type": "presence", "names"}                the other employees with the board open

A change costs one render (where it was made) and no query per open board: each board knows the
spaces its employee sees from the moment it connected.
"""

import asyncio
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from employees.access import may_follow_live_updates

from .presence import BEAT_SECONDS, Presence
from .services import board_group, visible_space_ids

log = logging.getLogger("studio.kanban")

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


class BoardConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        self.joined = False
        user = self.scope.get("user")
        # Accept first, then close with a code the page can read (a refused handshake has none).
        await self.accept()
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if not await database_sync_to_async(may_follow_live_updates)(user, self.scope.get("session")):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.user = user
        # The spaces this employee sees, read once: events then need no query. A changed assignment
        # takes effect when the board reconnects (a reload, or the socket's own reconnect).
        self.space_ids = await database_sync_to_async(visible_space_ids)(user)
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

    def _sees(self, space_id) -> bool:
        return self.space_ids is None or space_id in self.space_ids

    async def booking_changed(self, event):
        """A card rendered once by whoever made the change; sent as is to boards that see its space."""
        if not self._sees(event["space"]):
            if event.get("left_space"):
                # It may have been on this board before it moved to a space this employee does not see.
                await self.send_json({"type": "remove", "id": event["booking"]})
            return
        if not event.get("html"):
            await self.send_json({"type": "remove", "id": event["booking"]})
            return
        await self.send_json({
            "type": "card", "id": event["booking"], "state": event["state"], "date": event["date"],
            "space": event["space"], "version": event["version"], "html": event["html"],
        })

    async def board_order(self, event):
        ids = [pk for pk, space in zip(event["ids"], event["spaces"], strict=True) if self._sees(space)]
        if ids:
            await self.send_json({"type": "order", "state": event["state"], "ids": ids})

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
        except Exception:  # CancelledError is not an Exception: a closing socket still stops the beat
            log.exception("kanban presence beat stopped")
