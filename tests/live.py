"""Live updates as staff receive them: websockets to the studio's ASGI application in this process, and
real ASGI server processes (daphne) against the test database for what needs real sockets: two processes
sharing Redis, and the browser tests (Django's live_server speaks no websocket)."""

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connection

from studio_crm.asgi import application

DAPHNE = Path(sys.executable).parent / "daphne"


def _socket(path: str, cookie: str | None) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(application, path, headers=headers)


def board_socket(cookie: str | None = None) -> WebsocketCommunicator:
    """The kanban board's websocket, opened from the studio's own pages with ``cookie`` (a Cookie header value)."""
    return _socket("/ws/kanban/", cookie)


def calendar_socket(cookie: str | None = None) -> WebsocketCommunicator:
    """The calendar's websocket, opened from the studio's own pages with ``cookie`` (a Cookie header value)."""
    return _socket("/ws/calendar/", cookie)


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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_database_url() -> str:
    """DATABASE_URL pointing at the test database this process uses (its rows must be committed)."""
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{name}"
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"daphne exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("daphne did not start listening in time")


@contextmanager
def asgi_servers(count: int = 1, *, static: bool = False):
    """Start ``count`` daphne processes of the studio's application (tests/asgi_app.py) on free loopback ports,
    side by side; yields their base URLs. ``static`` also serves /static/ (for a browser), as runserver does."""
    app = "tests.asgi_app:" + ("with_static" if static else "application")
    env = {**os.environ, "DATABASE_URL": test_database_url(), "DEBUG": "true", "PYTHONUNBUFFERED": "1",
           "KANBAN_TEST_GROUP": f"kanban-test-{uuid.uuid4().hex}"}
    started = []
    try:
        for _ in range(count):
            port = free_port()
            log_path = Path(settings.BASE_DIR) / "var" / f"daphne-{port}.log"
            with open(log_path, "wb") as log:
                process = subprocess.Popen(
                    [str(DAPHNE), "-b", "127.0.0.1", "-p", str(port), app],
                    cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
                )
            started.append((process, port, log_path))
        for process, port, _ in started:
            _wait_for_port(port, process)
        yield [f"http://127.0.0.1:{port}" for _, port, _ in started]
    finally:
        for process, _, _ in started:
            process.terminate()
        for process, _, log_path in started:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.returncode in (0, -15):
                log_path.unlink(missing_ok=True)


@contextmanager
def asgi_server(*, static: bool = False):
    """One daphne process; yields its base URL."""
    with asgi_servers(1, static=static) as (url,):
        yield url
