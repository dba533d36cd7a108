"""What the live staff pages' websockets share (the board's and the calendar's): who may open one, and
closing it at once, from any process, when its employee may no longer follow what it shows.

Every socket joins its page's group and a group of its employee's own (``staff_group``). When an
employee's access changes (``employees.signals.staff_access_changed``, or Django's ``user_logged_out``),
the page's receivers call ``staff_sockets_tell``; each socket of that employee then closes if its
session ended, or checks its admission again as at connect.

Close codes the pages read (static/js/live.js): 4401 not signed in and 4403 not allowed, both for good;
4205 still admitted but to other spaces, so the page connects again and loads its data afresh.
"""

import logging
from importlib import import_module

from asgiref.sync import async_to_sync
from channels.auth import get_user
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

from bookings.access import visible_spaces
from employees.access import may_follow_live_updates

from . import metrics

log = logging.getLogger("studio.live")

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
# As HTTP's 205 Reset Content: show the page afresh (through a new connection).
CLOSE_SPACES_CHANGED = 4205


def staff_group(page_group: str, employee_id: int) -> str:
    """The group of ``employee_id``'s sockets among those in ``page_group``."""
    return f"{page_group}-staff-{employee_id}"


def staff_sockets_tell(*, page_group: str, employee_id: int, session_keys: list[str] | None) -> None:
    """Tell the employee's sockets in ``page_group`` that their access changed: those of ``session_keys``
    close, or (None) every one checks its admission again. Never raises: the change is already made,
    and a socket whose process missed it is still refused on its next connect."""
    try:
        layer = get_channel_layer()
        if layer is not None:
            message = {"type": "staff.access_changed", "session_keys": session_keys}
            async_to_sync(layer.group_send)(staff_group(page_group, employee_id), message)
    except Exception:
        log.exception("open %s sockets of employee %s not told of a change of access", page_group, employee_id)


def signed_out_sockets_tell(*, page_group: str, request, user) -> None:
    """For Django's ``user_logged_out``, sent before the session is emptied: the employee's sockets in
    ``page_group`` opened with that session close once the sign-out is committed."""
    key = getattr(getattr(request, "session", None), "session_key", None)
    if user is None or not key:
        return
    transaction.on_commit(
        lambda: staff_sockets_tell(page_group=page_group, employee_id=user.pk, session_keys=[key]), robust=True
    )


def visible_space_ids(user) -> frozenset[int] | None:
    """The spaces whose changes ``user`` hears about; None for every space (owners and admins)."""
    if user.is_admin_or_owner:
        return None
    return frozenset(visible_spaces(user).values_list("pk", flat=True))


def admission(user, session) -> int | None:
    """None if ``user``, signed in with ``session``, may follow live updates; otherwise the close code."""
    if user is None or not user.is_authenticated:
        return CLOSE_UNAUTHENTICATED
    if not may_follow_live_updates(user, session):
        return CLOSE_FORBIDDEN
    return None


class StaffSocket(AsyncJsonWebsocketConsumer):
    """A live page's websocket. A page names its group (``page_group()``) and starts in ``admitted()``,
    where ``self.user`` and ``self.space_ids`` are set; groups it ``join()``s are left for it."""

    refused = False
    counted_as: str | None = None

    def page_group(self) -> str:
        raise NotImplementedError

    async def admitted(self) -> None:
        raise NotImplementedError

    async def opened(self) -> None:
        """The socket of an admitted employee is open: what the page sends first goes here."""

    async def connect(self):
        self.joined: list[str] = []
        user, session = self.scope.get("user"), self.scope.get("session")
        if user is not None and user.is_authenticated:
            # Joined before the checks, so that a change of access while they run is still heard.
            await self.join(staff_group(self.page_group(), user.pk))
        refusal = await database_sync_to_async(admission)(user, session)
        if refusal is None:
            self.user, self.session_key = user, session.session_key
            # The spaces this employee sees, read once: events then need no query. When they change,
            # the socket closes (CLOSE_SPACES_CHANGED) and the page connects again.
            self.space_ids = await database_sync_to_async(visible_space_ids)(user)
            await self.admitted()
        # Accepted once in its groups, so that an open socket hears every change; a refused one is
        # accepted too, then closed with a code the page can read (a refused handshake has none).
        await self.accept()
        if refusal is not None:
            await self.refuse(refusal)
        else:
            # The page's app (kanban, calendar_app) names it on /metrics until the socket closes.
            self.counted_as = type(self).__module__.split(".")[0]
            metrics.WEBSOCKET_CONNECTIONS.labels(page=self.counted_as).inc()
            await self.opened()

    async def join(self, group: str) -> None:
        await self.channel_layer.group_add(group, self.channel_name)
        self.joined.append(group)

    async def leave(self) -> None:
        """Stop hearing every group joined; safe to call again."""
        groups, self.joined = getattr(self, "joined", []), []
        for group in groups:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def disconnect(self, code):
        if self.counted_as is not None:
            metrics.WEBSOCKET_CONNECTIONS.labels(page=self.counted_as).dec()
            self.counted_as = None
        await self.leave()

    async def refuse(self, code: int) -> None:
        """Close with ``code``, sending nothing more, not even messages already on their way."""
        await self.leave()
        self.refused = True
        await self.close(code=code)

    async def send(self, text_data=None, bytes_data=None, close=False):
        if not self.refused:
            await super().send(text_data=text_data, bytes_data=bytes_data, close=close)

    async def send_json(self, content, close=False):
        # Channels' send_json goes to the base class's send, past the override above.
        if not self.refused:
            await super().send_json(content, close=close)

    async def dispatch(self, message):
        """Messages of a type this socket has no handler for are dropped: anyone who can publish on a shared
        Redis could otherwise close every open page with one (channels raises on an unknown type)."""
        try:
            known = getattr(self, get_handler_name(message), None) is not None
        except (ValueError, TypeError, AttributeError):
            known = False
        if not known:
            log.warning("live message of an unknown type dropped: %.40r", message.get("type"))
            return None
        return await super().dispatch(message)

    async def staff_access_changed(self, event):
        if self.refused:
            return
        ended = event.get("session_keys")
        if ended is not None:
            if self.session_key in ended:
                await self.refuse(CLOSE_UNAUTHENTICATED)
            return
        refusal = await self._admission_now()
        if refusal is not None:
            await self.refuse(refusal)

    async def _admission_now(self) -> int | None:
        """The admission of this socket checked again against its session as stored now: the session may
        have ended or belong to an old password, the employee may be deactivated or see other spaces."""
        session = import_module(settings.SESSION_ENGINE).SessionStore(session_key=self.session_key)
        user = await get_user({"session": session})
        if user.pk != self.user.pk:
            return CLOSE_UNAUTHENTICATED
        refusal = await database_sync_to_async(admission)(user, session)
        if refusal is None and await database_sync_to_async(visible_space_ids)(user) != self.space_ids:
            return CLOSE_SPACES_CHANGED
        return refusal
