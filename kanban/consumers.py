"""The board's websocket, /ws/kanban/: says which cards changed, and who else is looking.

Messages to the browser (JSON):
  {"type": "card", "id", "state", "version"}  a card changed: the page takes it from its own board, fetched again
  {"type": "remove", "id"}                     a card this employee no longer sees on a board
  {"type": "order", "state", "ids"}            the order of a column's cards
  {"type": "presence", "names"}                the other employees with the board open (when that changed)

No markup travels through the socket: a page inserts only what its own server rendered for it. A message
on the channel layer that does not have the shape of the studio's own (ids and versions whole numbers, a
column's state) is dropped, so whoever can publish on a shared Redis cannot reach a browser through it.
A change costs no query per open board: each board knows the spaces its employee sees from the moment it
connected (studio_crm/live.py closes it when they change, and when its session ends).
"""

import asyncio
import logging

from studio_crm.live import StaffSocket

from .presence import ANNOUNCE_SECONDS, BEAT_SECONDS, CLAIM_SECONDS, Roster, Viewer, names_for
from .services import BOARD_STATES, board_group

log = logging.getLogger("studio.kanban")

# Announcements under way, which may outlive the board that started them (it closed meanwhile).
_announcing: set[asyncio.Task] = set()


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


def _summary_event(event: dict) -> bool:
    """Whether ``event`` has the shape of a presence.summary message of this module."""
    viewers = event.get("viewers")
    return isinstance(viewers, list) and all(
        isinstance(pair, list) and len(pair) == 2 and _whole(pair[0]) and isinstance(pair[1], str)
        for pair in viewers)


class BoardConsumer(StaffSocket):
    beat: asyncio.Future | None = None
    names: list[str] | None = None  # who this board's page lists as also viewing

    def page_group(self) -> str:
        return board_group()

    async def admitted(self):
        self.group = board_group()
        self.roster = Roster(self.group)
        self.viewer = Viewer(self.user.pk, self.user.full_name or self.user.username)
        await self.join(self.group)

    async def opened(self):
        await self.roster.enter(self.channel_name, self.viewer)
        await self._show(await self.roster.viewers())
        await self._announce()
        self.beat = asyncio.ensure_future(self._beat())

    async def leave(self):
        """The other boards stop listing this one as it stops hearing them."""
        if self.beat is not None:
            self.beat.cancel()
            self.beat = None
            await self.roster.leave(self.channel_name)
            await self._announce()
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

    async def presence_summary(self, event):
        """Who is looking now, sent to every board when that changed."""
        if not _summary_event(event):
            log.warning("kanban message dropped: not in the shape the studio sends")
            return
        await self._show([Viewer(employee_id, name) for employee_id, name in event["viewers"]])

    async def _show(self, viewers: list[Viewer]) -> None:
        names = names_for(viewers, self.user.pk)
        if names != self.names:
            self.names = names
            await self.send_json({"type": "presence", "names": names})

    async def _announce(self) -> None:
        """Have every board told who is looking, once the roster settles: by this board, unless another
        one is about to."""
        if await self.roster.claim("announcing", CLAIM_SECONDS):
            task = asyncio.ensure_future(self._announce_soon())
            _announcing.add(task)
            task.add_done_callback(_announcing.discard)

    async def _announce_soon(self) -> None:
        try:
            await asyncio.sleep(ANNOUNCE_SECONDS)
            # Released before reading: a board that enters from now on announces again, after this read.
            await self.roster.release("announcing")
            viewers = await self.roster.viewers()
            if await self.roster.news(viewers):
                summary = [[viewer.employee_id, viewer.name] for viewer in viewers]
                await self.channel_layer.group_send(self.group, {"type": "presence.summary", "viewers": summary})
        except Exception:
            log.exception("kanban presence not announced")

    async def _beat(self):
        try:
            while True:
                await asyncio.sleep(BEAT_SECONDS)
                await self.roster.enter(self.channel_name, self.viewer)
                # One board a beat looks for boards whose process died (and announces if there were).
                if await self.roster.claim("sweeping", BEAT_SECONDS):
                    await self._announce()
        except Exception:  # CancelledError is not an Exception: a closing socket still stops the beat
            log.exception("kanban presence beat stopped")
