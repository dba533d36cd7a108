"""Several ASGI processes behind a load balancer: a move made through one reaches the boards of another.

Needs Redis (the channel layer the processes share); skipped without REDIS_URL.
"""

import asyncio
import json
import os
import secrets
import urllib.request
from urllib.parse import urlencode

import pytest
from websockets.asyncio.client import connect

from bookings.models import Booking, BookingState
from tests.factories import BookingFactory, studio_time
from tests.live import asgi_servers
from tests.signing_in import session_cookie

pytestmark = [
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL) shared by the processes"),
]


def post_move(base_url: str, cookie: str, fields: dict) -> dict:
    token = secrets.token_hex(16)
    request = urllib.request.Request(
        f"{base_url}/kanban/move/", data=urlencode(fields).encode(), method="POST",
        headers={"Cookie": f"{cookie}; csrftoken={token}", "X-CSRFToken": token, "Accept": "application/json",
                 "Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


async def next_of(socket, kind: str, timeout: float = 5.0) -> dict:
    async with asyncio.timeout(timeout):
        while True:
            message = json.loads(await socket.recv())
            if message["type"] == kind:
                return message


def test_a_move_through_one_process_reaches_boards_on_another(owner, admin, space):
    booking = BookingFactory(space=space, start=studio_time(1, 10))
    owner_cookie, admin_cookie = session_cookie(owner), session_cookie(admin)

    with asgi_servers(2) as (process_a, process_b):
        async def scenario():
            ws_b = process_b.replace("http://", "ws://") + "/ws/kanban/"
            async with connect(ws_b, additional_headers={"Cookie": admin_cookie}, origin=process_b) as board_b:
                # The first presence message means the board has joined the group.
                assert (await next_of(board_b, "presence"))["names"] == []
                answer = await asyncio.to_thread(
                    post_move, process_a, owner_cookie, {"booking": booking.pk, "to": "confirmed", "version": 1})
                assert answer["ok"]
                card = await next_of(board_b, "card")
                assert card["id"] == booking.pk and card["state"] == "confirmed"

                # Presence crosses processes too: a board opened on A shows up on B.
                ws_a = process_a.replace("http://", "ws://") + "/ws/kanban/"
                async with connect(ws_a, additional_headers={"Cookie": owner_cookie}, origin=process_a):
                    assert (await next_of(board_b, "presence"))["names"] == ["Olga Owner"]
                assert (await next_of(board_b, "presence"))["names"] == []

        asyncio.run(scenario())
    assert Booking.objects.get(pk=booking.pk).state == BookingState.CONFIRMED
