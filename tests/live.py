"""Live updates as staff receive them: websockets to the studio's ASGI application in this process, and
real ASGI server processes (daphne or uvicorn) against the test database for what needs real sockets: two
processes sharing Redis, the browser tests (Django's live_server speaks no websocket), and bursts of guests."""

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit, urlunsplit

from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connection

from studio_crm.asgi import application

BIN = Path(sys.executable).parent


class StudioSocket(WebsocketCommunicator):
    """A test websocket whose handshake may take as long as a loaded machine needs (Channels waits one second):
    the first one of a run opens the database connection, reads the session and the employee."""

    async def connect(self, timeout=10):
        return await super().connect(timeout)


def _socket(path: str, cookie: str | None) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    return StudioSocket(application, path, headers=headers)


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


async def closed_with(communicator, *, quiet=0.5) -> int | None:
    """The code the socket is closed with before it stays quiet for ``quiet`` seconds; None if it stays open."""
    while not await communicator.receive_nothing(timeout=quiet, interval=0.02):
        output = await communicator.receive_output()
        if output["type"] == "websocket.close":
            return output.get("code")
    return None


def cookie_of(client) -> str:
    """The Cookie header value of a test client's session: the websocket its browser would open."""
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


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
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start listening in time")


def _command(server: str, app: str, port: int) -> list[str]:
    if server == "uvicorn":
        return [str(BIN / "uvicorn"), "--host", "127.0.0.1", "--port", str(port), "--lifespan", "off",
                "--no-access-log", app]
    return [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), app]


@contextmanager
def asgi_servers(count: int = 1, *, static: bool = False, server: str = "daphne", env: dict[str, str] | None = None):
    """Start ``count`` processes of the studio's application (tests/asgi_app.py) under ``server`` (daphne or
    uvicorn) on free loopback ports, side by side, with ``env`` added to their environment; yields their base
    URLs. ``static`` also serves /static/ (for a browser), as runserver does. The processes are one
    deployment: a channel-layer prefix of their own (unless ``env`` names one) keeps them apart from other
    test runs on the same Redis."""
    app = "tests.asgi_app:" + ("with_static" if static else "application")
    env = {**os.environ, "DATABASE_URL": test_database_url(), "DEBUG": "true", "PYTHONUNBUFFERED": "1",
           "CHANNEL_LAYER_PREFIX": f"studio-test-{uuid.uuid4().hex[:16]}", **(env or {})}
    started = []
    try:
        for _ in range(count):
            port = free_port()
            log_path = Path(settings.BASE_DIR) / "var" / f"{server}-{port}.log"
            with open(log_path, "wb") as log:
                process = subprocess.Popen(_command(server, app, port), cwd=settings.BASE_DIR, env=env, stdout=log,
                                           stderr=subprocess.STDOUT)
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
def asgi_server(*, static: bool = False, server: str = "daphne", env: dict[str, str] | None = None):
    """One server process; yields its base URL."""
    with asgi_servers(1, static=static, server=server, env=env) as (url,):
        yield url


class Answer(NamedTuple):
    url: str
    status: int  # 0: the connection failed or timed out without an answer
    retry_after: str | None
    seconds: float


def _get(url: str, timeout: float) -> Answer:
    began = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            status, headers = response.status, response.headers
    except urllib.error.HTTPError as error:
        status, headers = error.code, error.headers
    except OSError:
        status, headers = 0, {}
    return Answer(url, status, headers.get("Retry-After"), time.perf_counter() - began)


def burst(urls: list[str], *, count_connections: Callable[[], int], timeout: float = 60) -> tuple[list[Answer], int]:
    """GET every URL at the same moment, one thread each, released together by a barrier.

    Returns the answers and the peak of ``count_connections()``, sampled from the calling thread while the
    requests are in flight."""
    barrier = threading.Barrier(len(urls))
    answers: list[Answer] = []

    def guest(url: str) -> None:
        barrier.wait()
        answers.append(_get(url, timeout))

    threads = [threading.Thread(target=guest, args=(url,)) for url in urls]
    for thread in threads:
        thread.start()
    peak = 0
    while any(thread.is_alive() for thread in threads):
        peak = max(peak, count_connections())
        time.sleep(0.02)
    return answers, max(peak, count_connections())


def server_connections(application_name: str) -> int:
    """Connections to this test database held by a server started with ``PGAPPNAME=application_name``."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                       " AND application_name = %s", [application_name])
        return cursor.fetchone()[0]


def guest_burst(base_url: str, *, space: str, day: date, lookups: int = 60, pages: int = 20) -> list[str]:
    """A busy Saturday in one moment: ``lookups`` free-slot look-ups of one hall and day through the API, and
    ``pages`` visits to the booking page."""
    lookup = f"{base_url}/api/v1/availability?space={space}&date={day.isoformat()}"
    return [lookup] * lookups + [f"{base_url}/book/"] * pages
