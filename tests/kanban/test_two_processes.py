"""Several ASGI processes behind a load balancer: a move made through one reaches the boards of another, and
a sign-out through one closes the boards open on another; processes of another deployment on the same
Redis hear none of it.

Needs Redis (the channel layer the processes share); skipped without REDIS_URL.
"""

import asyncio
import contextlib
import json
import os
import secrets
import urllib.request
import uuid
from urllib.parse import urlencode

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from bookings.models import Booking, BookingState
from tests.factories import BookingFactory, studio_time
from tests.live import asgi_servers, cookie_of
from tests.signing_in import session_cookie, signed_in_client

pytestmark = [
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL) shared by the processes"),
]


def post_form(base_url: str, cookie: str, path: str, fields: dict | None = None, **headers) -> bytes:
    token = secrets.token_hex(16)
    request = urllib.request.Request(
        f"{base_url}{path}", data=urlencode(fields or {}).encode(), method="POST",
        headers={"Cookie": f"{cookie}; csrftoken={token}", "X-CSRFToken": token,
                 "Content-Type": "application/x-www-form-urlencoded", **headers},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read()


def post_move(base_url: str, cookie: str, fields: dict) -> dict:
    return json.loads(post_form(base_url, cookie, "/kanban/move/", fields, Accept="application/json"))


async def heard_within(socket, *, seconds: float) -> list[dict]:
    """Every message ``socket`` receives in the next ``seconds``."""
    heard = []
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            while True:
                heard.append(json.loads(await socket.recv()))
    return heard


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


def test_a_move_in_one_deployment_never_reaches_another_on_the_same_redis(owner, admin, space):
    booking = BookingFactory(space=space, start=studio_time(1, 10))
    owner_cookie, admin_cookie = session_cookie(owner), session_cookie(admin)
    # Two deployments (two studios, or staging beside production): the same code and settings but their
    # channel-layer prefixes, on one Redis server.
    studio_a = {"CHANNEL_LAYER_PREFIX": f"studio-test-a-{uuid.uuid4().hex[:12]}"}
    studio_b = {"CHANNEL_LAYER_PREFIX": f"studio-test-b-{uuid.uuid4().hex[:12]}"}

    with asgi_servers(1, env=studio_a) as (process_a,), asgi_servers(1, env=studio_b) as (process_b,):
        async def scenario():
            ws_a, ws_b = (url.replace("http://", "ws://") + "/ws/kanban/" for url in (process_a, process_b))
            async with connect(ws_b, additional_headers={"Cookie": admin_cookie}, origin=process_b) as board_b:
                assert (await next_of(board_b, "presence"))["names"] == []
                async with connect(ws_a, additional_headers={"Cookie": owner_cookie}, origin=process_a) as board_a:
                    await next_of(board_a, "presence")
                    answer = await asyncio.to_thread(
                        post_move, process_a, owner_cookie, {"booking": booking.pk, "to": "confirmed", "version": 1})
                    assert answer["ok"]
                    # A's own board hears of the move: it was told.
                    assert (await next_of(board_a, "card"))["id"] == booking.pk
                    # B's board hears nothing of A: neither the move nor who has A's board open.
                    return await heard_within(board_b, seconds=1.5)

        assert asyncio.run(scenario()) == []


def test_signing_out_through_one_process_closes_the_board_open_on_another(manager):
    laptop = signed_in_client(manager)
    cookie = cookie_of(laptop)

    with asgi_servers(2) as (process_a, process_b):
        async def scenario():
            ws_b = process_b.replace("http://", "ws://") + "/ws/kanban/"
            async with connect(ws_b, additional_headers={"Cookie": cookie}, origin=process_b) as board_b:
                await next_of(board_b, "presence")
                await asyncio.to_thread(post_form, process_a, cookie, "/logout/")
                async with asyncio.timeout(5):
                    with pytest.raises(ConnectionClosed):
                        while True:
                            await board_b.recv()
                return board_b.close_code

        assert asyncio.run(scenario()) == 4401
