"""Deployments that share one Redis server (two studios, staging beside production) talk on channels of
their own, and nothing published on the channel layer puts markup into a staff browser. Two deployments'
servers side by side: tests/kanban/test_two_processes.py."""

import json
import os

import msgpack
import pytest
import redis
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from studio_crm.settings import deployment_channel_prefix
from tests.factories import BookingFactory, studio_time
from tests.live import board_socket, messages_until_quiet
from tests.signing_in import session_cookie

MARKUP = '<img src="x" onerror="alert(document.cookie)">'


def test_every_process_of_a_deployment_agrees_on_its_prefix_and_no_other_deployment_has_it():
    studio = {"NAME": "studio", "HOST": "db.internal", "PORT": 5432}
    prefix = deployment_channel_prefix("secret-one", studio)
    # A worker may reach the same database through another host (pgbouncer, say): still one deployment.
    assert deployment_channel_prefix("secret-one", {**studio, "HOST": "pgbouncer.internal", "PORT": 6432}) == prefix
    others = {
        deployment_channel_prefix("secret-two", studio),  # another studio, or staging with its own key
        deployment_channel_prefix("secret-one", {**studio, "NAME": "studio_staging"}),
    }
    assert prefix not in others and len(others) == 2
    assert "secret" not in prefix


@pytest.mark.django_db(transaction=True)
class TestForgedMessages:
    """Whoever can publish on the channel layer (anyone who reaches a shared Redis) can at most make a page
    fetch its own board again: the socket forwards no markup, and drops what is not in the studio's shape."""

    def forged(self, booking) -> list[dict]:
        card = {"type": "booking.changed", "booking": booking.pk, "space": booking.space_id, "state": "confirmed",
                "version": 7, "left_space": False, "date": f"{booking.start:%Y-%m-%d}"}
        return [
            {**card, "html": MARKUP},  # the card of a real booking, with markup of the attacker's
            {**card, "booking": MARKUP},
            {**card, "state": MARKUP},
            {"type": "board.order", "state": MARKUP, "ids": [booking.pk], "spaces": [booking.space_id]},
            {"type": "board.order", "state": "pending", "ids": [MARKUP], "spaces": [booking.space_id]},
        ]

    def received_after(self, owner, publish) -> list[str]:
        """What a board open for ``owner`` receives after ``publish()``, as the texts its browser gets."""
        async def scenario():
            socket = board_socket(await sync_to_async(session_cookie)(owner))
            assert (await socket.connect())[0]
            await messages_until_quiet(socket, kinds=("presence",))
            await publish()
            texts = []
            while not await socket.receive_nothing(timeout=0.5):
                texts.append((await socket.receive_output())["text"])
            await socket.disconnect()
            return texts

        return async_to_sync(scenario)()

    def test_a_forged_message_on_the_channel_layer_puts_no_markup_on_a_board(self, owner, space):
        booking = BookingFactory(space=space, start=studio_time(1, 10))

        async def publish():
            for message in self.forged(booking):
                await get_channel_layer().group_send(settings.KANBAN_GROUP, message)

        self.assert_no_markup(self.received_after(owner, publish), booking)

    def test_a_forged_list_of_who_is_looking_is_dropped(self, owner, space):
        booking = BookingFactory(space=space, start=studio_time(1, 10))
        forged = [{"type": "presence.summary", "viewers": viewers} for viewers in (
            MARKUP, [MARKUP], [[MARKUP, "Olga Owner"]], [[1, ["Olga"]]], [[1, "Olga", MARKUP]], None)]

        async def publish():
            for message in [*forged, self.forged(booking)[0]]:
                await get_channel_layer().group_send(settings.KANBAN_GROUP, message)

        self.assert_no_markup(self.received_after(owner, publish), booking)

    def test_a_message_of_an_unknown_type_does_not_close_the_board(self, owner, space):
        booking = BookingFactory(space=space, start=studio_time(1, 10))

        async def publish():
            for message in [{"type": "no.such.handler"}, {"type": "_private"}, self.forged(booking)[0]]:
                await get_channel_layer().group_send(settings.KANBAN_GROUP, message)

        # Still open afterwards: the well-formed card that followed got through.
        self.assert_no_markup(self.received_after(owner, publish), booking)

    def assert_no_markup(self, texts, booking):
        assert not any("onerror" in text for text in texts)
        # Only the well-formed card came through, as a notice: the page fetches the card from its server.
        assert [json.loads(text) for text in texts] == [
            {"type": "card", "id": booking.pk, "state": "confirmed", "version": 7}]

    @pytest.mark.redis
    @pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="publishes on Redis itself")
    def test_a_message_published_straight_on_redis_puts_no_markup_on_a_board(self, owner, space):
        booking = BookingFactory(space=space, start=studio_time(1, 10))
        # What any client of the Redis server can do: publish on the channel the boards' group listens to.
        channel = f"{settings.CHANNEL_LAYER_PREFIX}__group__{settings.KANBAN_GROUP}"

        async def publish():
            with redis.Redis.from_url(os.environ["REDIS_URL"]) as attacker:
                listening = 0
                for message in self.forged(booking):
                    listening += attacker.publish(channel, msgpack.packb(message))
            assert listening == len(self.forged(booking))  # the board's process heard every one

        self.assert_no_markup(self.received_after(owner, publish), booking)
