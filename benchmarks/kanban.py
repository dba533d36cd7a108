"""The live board: how fast a move reaches open boards, and what the board costs to render.

- latency from an HTTP move (POST /kanban/move/) to its card arriving on 50 connected board consumers,
  measured in-process: the test client and channels' communicators drive the ASGI application, so the
  message goes through the settings' channel layer but over no real socket (no network, no browser);
- render time and query count of /kanban/ with 100 and 2,000 visible cards.
"""

import statistics
import time
from datetime import timedelta
from decimal import Decimal

from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

CLIENTS = 50
MOVES = 20


def _session_cookie(user) -> str:
    from tests.signing_in import signed_in_session

    return signed_in_session(user)


def _http_client(user) -> Client:
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = _session_cookie(user)
    return client


def _scene(cards: int, *, prefix: str, all_pending: bool = False):
    """An owner, a hall and ``cards`` bookings in this week, written in bulk.

    By default half are cancelled, so that many fit in one hall; ``all_pending`` lays ``cards`` pending
    bookings end to end instead (five a day), each one a card that can be moved."""
    from bookings.models import Booking, BookingState, Space
    from bookings.models import Client as Guest
    from bookings.pii import blind_index
    from employees.models import Employee, Role
    from tests.factories import studio_time

    owner, _ = Employee.objects.get_or_create(
        username=f"{prefix}-owner", defaults={"email": f"{prefix}@studio.test", "full_name": "Bench Owner",
                                              "role": Role.OWNER})
    space, _ = Space.objects.get_or_create(slug=f"{prefix}-hall", defaults={"name": f"Hall {prefix}",
                                                                             "hourly_rate": Decimal("2500")})
    phone = f"+7916{abs(hash(prefix)) % 10_000_000:07d}"
    guest, _ = Guest.objects.get_or_create(phone_index=blind_index(phone), defaults={"phone": phone,
                                                                                      "name": "Bench Guest"})
    states = [BookingState.PENDING, BookingState.CANCELLED]  # states the overlap constraint leaves alone
    bookings = []
    for i in range(cards):
        day, hour = (1 + i // 5, 9 + i % 5 * 2) if all_pending else (1 + i % 6, 9 + i % 10)
        start = studio_time(day, hour)
        bookings.append(Booking(
            reference=f"REF-{abs(hash(prefix)) % 10_000:04d}-{i:06d}", space=space, client=guest, start=start,
            end=start + timedelta(hours=2), occupied_until=start + timedelta(hours=2),
            state=BookingState.PENDING if all_pending else states[i % 2],
            client_name=f"Guest {i}", client_phone=phone, client_phone_index=guest.phone_index,
            total_price=Decimal("5000.00"), notes="note" if i % 3 == 0 else "",
        ))
    Booking.objects.bulk_create(bookings, batch_size=500)
    return owner, space


def _board_figures(cards: int) -> list[tuple[str, str]]:
    from bookings.models import Booking

    owner, space = _scene(cards, prefix=f"board{cards}")
    client = _http_client(owner)
    url = f"/kanban/?space={space.pk}"
    client.get(url)  # warm caches
    timings = []
    for _ in range(5):
        began = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - began)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    shown = response.content.decode().count('class="kanban-card"')
    Booking.objects.filter(space=space).delete()
    return [
        (f"board with {shown} visible cards: render time (median of 5)", f"{statistics.median(timings) * 1000:.0f} ms"),
        (f"board with {shown} visible cards: queries", str(len(queries))),
    ]


def _latency_figures() -> list[tuple[str, str]]:
    from channels.testing import WebsocketCommunicator

    from bookings.models import Booking
    from studio_crm.asgi import application

    owner, space = _scene(MOVES, prefix="latency", all_pending=True)
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


def run() -> list[tuple[str, str]]:
    return [*_latency_figures(), *_board_figures(100), *_board_figures(2000)]
