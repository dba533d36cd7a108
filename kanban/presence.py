"""Who else has the board open.

Every open board keeps its own list, fed by group messages, so it works the same with one process
(in-memory channel layer) or many (Redis): a board announces itself when it opens, every board
already open answers the newcomer directly, and a board says goodbye when it closes. Boards repeat
their announcement every ``BEAT_SECONDS``; one not heard from for ``FORGET_AFTER_SECONDS`` (its
process died without saying goodbye) is forgotten.
"""

import time
from dataclasses import dataclass

BEAT_SECONDS = 30
FORGET_AFTER_SECONDS = 3 * BEAT_SECONDS


@dataclass
class Viewer:
    employee_id: int
    name: str
    seen: float


class Presence:
    """The boards one board knows to be open, keyed by their channel name."""

    def __init__(self, own_employee_id: int):
        self.own_employee_id = own_employee_id
        self.viewers: dict[str, Viewer] = {}

    def seen(self, channel: str, employee_id: int, name: str) -> None:
        self.viewers[channel] = Viewer(employee_id, name, time.monotonic())

    def gone(self, channel: str) -> None:
        self.viewers.pop(channel, None)

    def forget_silent(self) -> bool:
        """Drop boards not heard from for a while; True if any were dropped."""
        cutoff = time.monotonic() - FORGET_AFTER_SECONDS
        silent = [channel for channel, viewer in self.viewers.items() if viewer.seen < cutoff]
        for channel in silent:
            del self.viewers[channel]
        return bool(silent)

    def others(self) -> list[str]:
        """Names of the other employees looking at the board, each once (one may have two tabs open)."""
        names = {v.employee_id: v.name for v in self.viewers.values() if v.employee_id != self.own_employee_id}
        return sorted(names.values(), key=str.casefold)
