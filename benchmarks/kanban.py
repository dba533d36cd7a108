"""The live board: how fast a move reaches open boards, what the board costs to render, and what telling
boards who else is looking costs.

- latency from an HTTP move (POST /kanban/move/) to its card arriving on 50 connected board consumers,
  measured in-process: the test client and channels' communicators drive the ASGI application, so the
  message goes through the settings' channel layer but over no real socket (no network, no browser);
- the board of the default range with 100 and 2,000 cards (in as many halls as they need, each of the
  six columns used): server time of the first view (no card rendered before) and the median of 5 after,
  the HTML's size, the queries, the cards in the page; and the same board with every column shown as far
  as "Show more" goes;
- presence with 200 boards, each of another employee, through the in-memory channel layer: the messages
  between boards (channel-layer deliveries) and to the browsers when one more board opens beside 200,
  per board when 200 open or close at once (a reconnect after a Redis blip), and in one heartbeat round
  of 200 idle boards.
"""

import asyncio
import contextvars
import statistics
import time
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from unittest import mock

from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

CLIENTS = 50
MOVES = 20
BOARDS = 200
# Six two-hour bookings a day in a hall, over the six days ahead, as the scale database has them.
SLOTS = [(day, hour) for day in range(1, 7) for hour in range(9, 21, 2)]
STATES = ["pending", "pending", "pending", "confirmed", "confirmed", "confirmed", "confirmed", "completed",
          "cancelled", "in_progress", "confirmed", "no_show"]


def _session_cookie(user) -> str:
    from tests.signing_in import signed_in_session

    return signed_in_session(user)


def _http_client(user) -> Client:
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = _session_cookie(user)
    return client


def _owner(prefix: str):
    from employees.models import Employee, Role

    owner, _ = Employee.objects.get_or_create(
        username=f"{prefix}-owner", defaults={"email": f"{prefix}@studio.test", "full_name": "Bench Owner",
                                              "role": Role.OWNER})
    return owner


def _guest(prefix: str):
    from bookings.models import Client as Guest
    from bookings.pii import blind_index

    phone = f"+7916{abs(hash(prefix)) % 10_000_000:07d}"
    guest, _ = Guest.objects.get_or_create(phone_index=blind_index(phone), defaults={"phone": phone,
                                                                                      "name": "Bench Guest"})
    return guest


def _booking(*, prefix: str, n: int, space, guest, start, state: str):
    from bookings.models import Booking

    return Booking(
        reference=f"REF-{abs(hash(prefix)) % 10_000:04d}-{n:06d}", space=space, client=guest, start=start,
        end=start + timedelta(hours=2), occupied_until=start + timedelta(hours=2), state=state,
        client_name=f"Guest {n}", client_phone=guest.phone, client_phone_index=guest.phone_index,
        total_price=Decimal("5000.00"), notes="note" if n % 3 == 0 else "",
    )


def _board_scene(cards: int, *, prefix: str):
    """An owner and ``cards`` bookings of the coming six days, six a day in as many halls as they need, in
    every column of the board (mostly pending and confirmed, as ahead of time), written in bulk."""
    from bookings.models import Booking, Space
    from tests.factories import studio_time

    halls = Space.objects.bulk_create([
        Space(name=f"Hall {prefix} {n}", slug=f"{prefix}-hall-{n}", hourly_rate=Decimal("2500"))
        for n in range(-(-cards // len(SLOTS)))])
    guest = _guest(prefix)
    bookings = [
        _booking(prefix=prefix, n=n, space=halls[n // len(SLOTS)], guest=guest, state=STATES[n % len(STATES)],
                 start=studio_time(*SLOTS[n % len(SLOTS)]))
        for n in range(cards)]
    Booking.objects.bulk_create(bookings, batch_size=500)
    return _owner(prefix), halls


def _pending_scene(cards: int, *, prefix: str):
    """An owner, a hall and ``cards`` pending bookings laid end to end (five a day), each one a card that
    can be moved."""
    from bookings.models import Booking, Space
    from tests.factories import studio_time

    space, _ = Space.objects.get_or_create(slug=f"{prefix}-hall", defaults={"name": f"Hall {prefix}",
                                                                             "hourly_rate": Decimal("2500")})
    guest = _guest(prefix)
    Booking.objects.bulk_create([
        _booking(prefix=prefix, n=n, space=space, guest=guest, state="pending",
                 start=studio_time(1 + n // 5, 9 + n % 5 * 2))
        for n in range(cards)])
    return _owner(prefix), space


def _timed(client, url: str) -> tuple[float, list[float], bytes, int]:
    """(first view, the next five, the page, its queries) of ``url``."""
    began = time.perf_counter()
    client.get(url)
    first = time.perf_counter() - began
    timings = []
    for _ in range(5):
        began = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - began)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return first, timings, response.content, len(queries)


def _board_figures(cards: int) -> list[tuple[str, str]]:
    from bookings.models import Booking

    owner, halls = _board_scene(cards, prefix=f"board{cards}")
    client = _http_client(owner)
    client.get("/bookings/")  # warm the process (templates, URLs), not the board's cards
    label = f"board of {cards:,} cards"
    first, timings, page, queries = _timed(client, "/kanban/")
    shown = page.decode().count('class="kanban-card"')
    figures = [
        (f"{label}: server time, first view (no card rendered yet)", f"{first * 1000:.0f} ms"),
        (f"{label}: server time, median of 5 after", f"{statistics.median(timings) * 1000:.0f} ms"),
        (f"{label}: HTML", f"{len(page) / 1024:.0f} KB, {shown:,} cards in the page"),
        (f"{label}: queries", str(queries)),
    ]
    everything = "&".join(f"show_{state}=500" for state in dict.fromkeys(STATES))
    first, timings, page, queries = _timed(client, f"/kanban/?{everything}")
    expanded = page.decode().count('class="kanban-card"')
    if expanded != shown:
        figures += [
            (f"{label}, every column shown (Show more to the end): first view",
             f"{first * 1000:.0f} ms, {expanded:,} cards"),
            (f"{label}, every column shown: median of 5 after",
             f"{statistics.median(timings) * 1000:.0f} ms, {len(page) / 1024:.0f} KB, {queries} queries"),
        ]
    Booking.objects.filter(space__in=halls).delete()
    for hall in halls:
        hall.delete()
    return figures


def _latency_figures() -> list[tuple[str, str]]:
    from channels.testing import WebsocketCommunicator

    from bookings.models import Booking
    from studio_crm.asgi import application

    owner, space = _pending_scene(MOVES, prefix="latency")
    to_move = list(Booking.objects.filter(space=space, state="pending").values_list("pk", flat=True))
    assert len(to_move) == MOVES
    cookie = f"{settings.SESSION_COOKIE_NAME}={_session_cookie(owner)}"
    client = _http_client(owner)

    async def measure():
        boards = []
        for _ in range(CLIENTS):
            board = WebsocketCommunicator(application, "/ws/kanban/", headers=[
                (b"origin", b"http://testserver"), (b"host", b"testserver"), (b"cookie", cookie.encode())])
            connected, _ = await board.connect()
            assert connected
            boards.append(board)
        for board in boards:  # let the presence chatter settle
            while not await board.receive_nothing(timeout=0.05):
                await board.receive_output()
        latencies = []
        for pk in to_move:
            began = time.perf_counter()
            response = await sync_to_async(client.post)(
                "/kanban/move/", {"booking": pk, "to": "confirmed"}, HTTP_ACCEPT="application/json")
            assert response.status_code == 200, response.content
            for board in boards:
                while True:
                    message = await board.receive_json_from(timeout=10)
                    if message["type"] == "card" and message["id"] == pk:
                        latencies.append(time.perf_counter() - began)
                        break
        for board in boards:
            await board.disconnect()
        return latencies

    latencies = sorted(async_to_sync(measure)())
    Booking.objects.filter(space=space).delete()
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    layer = settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1]
    label = f"move → card on {CLIENTS} boards, in-process through {layer}, no real sockets ({len(to_move)} moves)"
    return [
        (f"{label}: median", f"{statistics.median(latencies) * 1000:.0f} ms"),
        (f"{label}: p95", f"{p95 * 1000:.0f} ms"),
    ]


# --- Presence ----------------------------------------------------------------------------------------

class Tally:
    """Presence messages: deliveries on the channel layer (a group message counts once per board that
    gets it) and frames sent to browsers."""

    def __init__(self):
        self.deliveries = 0
        self.frames = 0

    def now(self) -> tuple[int, int]:
        return self.deliveries, self.frames


@contextmanager
def _counting(tally: Tally):
    """A fresh in-memory channel layer (roomy enough for the old design's messages), and presence
    messages on it and on every board's socket counted in ``tally``."""
    from channels.layers import get_channel_layer

    from studio_crm.live import StaffSocket

    layers = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 100_000}}}
    with override_settings(CHANNEL_LAYERS=layers):
        layer = get_channel_layer()
        with _counted(layer, StaffSocket, tally):
            yield


@contextmanager
def _counted(layer, socket_class, tally: Tally):
    layer_send, layer_group_send, send_json = layer.send, layer.group_send, socket_class.send_json
    # Counted when sent, not when a board gets to it: a board busy with a backlog is still sent to.
    grouped = contextvars.ContextVar("grouped", default=False)

    def presence(message) -> bool:
        return str(message.get("type", "")).startswith("presence.")

    async def group_send(group, message):
        if presence(message):
            tally.deliveries += len(layer.groups.get(group, {}))
        token = grouped.set(True)  # the layer's sends to each board of the group are counted here
        try:
            return await layer_group_send(group, message)
        finally:
            grouped.reset(token)

    async def send(channel, message):
        if presence(message) and not grouped.get():
            tally.deliveries += 1
        return await layer_send(channel, message)

    async def frame(self, content, close=False):
        if content.get("type") == "presence":
            tally.frames += 1
        return await send_json(self, content, close=close)

    with mock.patch.object(layer, "send", send), mock.patch.object(layer, "group_send", group_send), \
            mock.patch.object(socket_class, "send_json", frame):
        yield


async def _settled(tally: Tally, quiet: float = 1.5) -> tuple[int, int]:
    """The tally once no presence message has moved for ``quiet`` seconds."""
    seen = tally.now()
    still_since = time.monotonic()
    while time.monotonic() - still_since < quiet:
        await asyncio.sleep(0.1)
        if tally.now() != seen:
            seen, still_since = tally.now(), time.monotonic()
    return seen


def _presence_measure(cookies: list[str], tally: Tally) -> dict[str, tuple[int, int]]:
    from channels.testing import WebsocketCommunicator

    from studio_crm.asgi import application

    async def board(cookie: str):
        socket = WebsocketCommunicator(application, "/ws/kanban/", headers=[
            (b"origin", b"http://testserver"), (b"host", b"testserver"), (b"cookie", cookie.encode())])
        assert (await socket.connect(timeout=120))[0]
        return socket

    def minus(after, before):
        return after[0] - before[0], after[1] - before[1]

    async def scenario():
        figures = {}
        start = tally.now()
        boards = await asyncio.gather(*(board(cookie) for cookie in cookies[:BOARDS]))
        opened = await _settled(tally)
        figures["open together"] = minus(opened, start)
        one_more = await board(cookies[BOARDS])
        figures["one more"] = minus(await _settled(tally), opened)
        before_close = tally.now()
        await asyncio.gather(*(socket.disconnect() for socket in boards[:BOARDS // 2]))
        figures["half close together"] = minus(await _settled(tally), before_close)
        await one_more.disconnect()
        await asyncio.gather(*(socket.disconnect() for socket in boards[BOARDS // 2:]))
        await _settled(tally)
        return figures

    async def heartbeats(beat: float, rounds: int):
        boards = await asyncio.gather(*(board(cookie) for cookie in cookies[:BOARDS]))
        await _settled(tally, quiet=beat / 2)
        before = tally.now()
        await asyncio.sleep(beat * rounds)
        after = tally.now()
        await asyncio.gather(*(socket.disconnect() for socket in boards))
        await _settled(tally)
        return (after[0] - before[0]) // rounds, (after[1] - before[1]) // rounds

    with _counting(tally):
        figures = async_to_sync(scenario)()
    # The boards beat every 6 s rather than 30 (the count is the same per round, and the run shorter).
    with _counting(tally), mock.patch("kanban.consumers.BEAT_SECONDS", 6.0):
        figures["heartbeat round"] = async_to_sync(heartbeats)(6.0, 2)
    return figures


def _presence_figures() -> list[tuple[str, str]]:
    from employees.models import Employee, Role

    viewers = Employee.objects.bulk_create([
        Employee(username=f"viewer{n}", email=f"viewer{n}@studio.test", full_name=f"Viewer {n:03d}", role=Role.ADMIN)
        for n in range(BOARDS + 1)])
    cookies = [f"{settings.SESSION_COOKIE_NAME}={_session_cookie(viewer)}" for viewer in viewers]
    figures = _presence_measure(cookies, Tally())
    Employee.objects.filter(pk__in=[viewer.pk for viewer in viewers]).delete()

    def both(pair, per=1):
        return f"{pair[0] / per:,.1f} between boards, {pair[1] / per:,.1f} to browsers"

    label = f"presence, {BOARDS} boards of as many employees"
    return [
        (f"{label}: one more board opens", both(figures["one more"])),
        (f"{label}: per board, {BOARDS} opening at once", both(figures["open together"], BOARDS)),
        (f"{label}: per board, {BOARDS // 2} of 201 closing at once",
         both(figures["half close together"], BOARDS // 2)),
        (f"{label}: one heartbeat round, all idle", both(figures["heartbeat round"])),
    ]


def run() -> list[tuple[str, str]]:
    return [*_latency_figures(), *_board_figures(100), *_board_figures(2000), *_presence_figures()]
