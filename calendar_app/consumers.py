"""The calendar's live channel: tells an open calendar page that something changed, so the page
re-fetches its grid. It carries no booking details, only which space changed."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from bookings.access import visible_spaces
from employees.access import may_follow_live_updates

from .services import GROUP


class CalendarConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if not await database_sync_to_async(may_follow_live_updates)(user, self.scope.get("session")):
            await self.close(code=4403)
            return
        self.space_ids = await database_sync_to_async(self._space_ids)(user)
        await self.channel_layer.group_add(GROUP, self.channel_name)
        await self.accept()

    @staticmethod
    def _space_ids(user):
        return None if user.is_admin_or_owner else set(visible_spaces(user).values_list("pk", flat=True))

    async def disconnect(self, code):
        await self.channel_layer.group_discard(GROUP, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def calendar_changed(self, event):
        space_id = event.get("space_id")
        if self.space_ids is None or space_id is None or space_id in self.space_ids:
            await self.send_json({"type": "changed", "space": space_id})
