"""The calendar's live channel: tells an open calendar page that something changed, so the page
re-fetches its grid. It carries no booking details, only which space changed."""

from studio_crm.live import StaffSocket

from .services import GROUP


class CalendarConsumer(StaffSocket):
    def page_group(self) -> str:
        return GROUP

    async def admitted(self):
        await self.join(GROUP)

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def calendar_changed(self, event):
        space_id = event.get("space_id")
        if space_id is not None and type(space_id) is not int:
            return  # not a message of the studio's own
        if self.space_ids is None or space_id is None or space_id in self.space_ids:
            await self.send_json({"type": "changed", "space": space_id})
