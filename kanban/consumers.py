"""The board's websocket, /ws/kanban/: says which cards changed, and who else is looking.

Messages to the browser (JSON):
  {"type": "card", "id", "state", "version"}  a card changed: the page takes it from its own board, fetched again
  {"type": "remove", "id"}                     a card this employee no longer sees on a board
  {"type": "order", "state", "ids"}            the order of a column's cards
  {"type": "presence", "names"}                the other employees with the board open

No markup travels through the socket: a page inserts only what its own server rendered for it. A message
on the channel layer that does not have the shape of the studio's own (ids and versions whole numbers, a
column's state) is dropped, so whoever can publish on a shared Redis cannot reach a browser through it.
A change costs no query per open board: each board knows the spaces its employee sees from the moment it
connected (studio_crm/live.py closes it when they change, and when its session ends).
"""

import asyncio
import logging

from studio_crm.live import StaffSocket

from .presence import BEAT_SECONDS, Presence
from .services import BOARD_STATES, board_group

log = logging.getLogger("studio.kanban")


def _whole(*values) -> bool:
    return all(type(value) is int for value in values)


def _card_event(event: dict) -> bool:
    """Whether ``event`` has the shape of a booking.changed message of kanban.services."""
    state = event.get("state")
    return _whole(event.get("booking"), event.get("space"), event.get("version")) and (
        state is None or state in BOARD_STATES)


def _order_event(event: dict) -> bool:
    """Whether ``event`` has the shape of a board.order message of kanban.services."""
    ids, spaces = event.get("ids"), event.get("spaces")
    return (event.get("state") in BOARD_STATES and isinstance(ids, list) and isinstance(spaces, list)
            and len(ids) == len(spaces) and _whole(*ids, *spaces))


class BoardConsumer(StaffSocket):
    beat: asyncio.Future | None = None

    def page_group(self) -> str:
        return board_group()

    async def admitted(self):
        self.group = board_group()
        self.presence = Presence(self.user.pk)
        await self.join(self.group)
        await self.channel_layer.group_send(self.group, self._presence_message("presence.join"))
        self.beat = asyncio.ensure_future(self._beat())

    async def leave(self):
        """The other boards stop listing this one as it stops hearing them."""
        if self.beat is not None:
            self.beat.cancel()
            self.beat = None
            await self.channel_layer.group_send(self.group, {"type": "presence.leave", "channel": self.channel_name})
        await super().leave()

    async def receive_json(self, content, **kwargs):
        # The board only listens; moves go through HTTP so they share the forms' checks.
        pass

    # --- Bookings ---------------------------------------------------------------------------------

    def _sees(self, space_id) -> bool:
        return self.space_ids is None or space_id in self.space_ids

    async def booking_changed(self, event):
        """A booking changed: boards that see its space hear which card to show afresh."""
        if not _card_event(event):
            log.warning("kanban message dropped: not in the shape the studio sends")
            return
        if not self._sees(event["space"]):
            if event.get("left_space"):
                # It may have been on this board before it moved to a space this employee does not see.
                await self.send_json({"type": "remove", "id": event["booking"]})
            return
        if event["state"] is None:
            await self.send_json({"type": "remove", "id": event["booking"]})
            return
        await self.send_json({"type": "card", "id": event["booking"], "state": event["state"],
                              "version": event["version"]})

    async def board_order(self, event):
        if not _order_event(event):
            log.warning("kanban message dropped: not in the shape the studio sends")
            return
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
