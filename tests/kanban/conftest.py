import asyncio
import json
import uuid

import pytest
from channels.testing import WebsocketCommunicator

from studio_crm.asgi import application
from tests.signing_in import session_cookie


@pytest.fixture(autouse=True)
def own_board_group(settings):
    """Each test's boards talk in a group of their own: test runs may share one Redis."""
    settings.KANBAN_GROUP = f"kanban-test-{uuid.uuid4().hex}"


def signed_in_cookie(user, *, verified=True) -> str:
    """A Cookie header value with a signed-in session for ``user``."""
    return session_cookie(user, verified=verified)


def board_socket(cookie: str | None = None) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(application, "/ws/kanban/", headers=headers)


async def messages_until_quiet(communicator, *, quiet=0.3, kinds=("card", "remove", "order")) -> list[dict]:
    """Every message of ``kinds`` received until nothing arrives for ``quiet`` seconds."""
    received = []
    while True:
        # receive_output's timeout would stop the consumer; receive_nothing only looks.
        if await communicator.receive_nothing(timeout=quiet, interval=0.02):
            return received
        output = await communicator.receive_output()
        if output["type"] == "websocket.close":
            received.append({"type": "closed", "code": output.get("code")})
            return received
        message = json.loads(output["text"])
        if message["type"] in kinds:
            received.append(message)


async def next_message(communicator, kind: str, timeout=3.0) -> dict:
    """The next message of ``kind``, skipping others."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        output = await communicator.receive_output(timeout=max(deadline - loop.time(), 0.01))
        message = json.loads(output["text"])
        if message["type"] == kind:
            return message
