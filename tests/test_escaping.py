"""Text a client or guest typed is shown as text on every staff page and in the board's live cards,
never run as markup."""

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.utils import timezone

from bookings.models import BookingState
from bookings.services import booking_create, booking_transition
from tests.factories import studio_time
from tests.live import board_socket, messages_until_quiet
from tests.signing_in import session_cookie

HOSTILE = "<script>alert(1)</script><b>x</b>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;"
RAW = ("<script>alert(1)", "<b>x</b>")

PAGES = [
    "/bookings/?all=1",
    "/bookings/{pk}/",
    "/clients/",
    "/clients/{client}/",
    "/kanban/",
    "/calendar/?view=week&date={day}",
    "/calendar/?view=day&date={day}",
    "/dashboard/",
]


@pytest.fixture
def hostile_booking(owner, space):
    start = studio_time(1, 10)
    return booking_create(space=space, start=start, end=start + timedelta(hours=2), client_name=HOSTILE,
                          client_phone="+79161234567", client_email="guest@example.com", notes=HOSTILE,
                          special_requirements=HOSTILE, internal_notes=HOSTILE, by=owner)


def assert_only_escaped(html: str) -> None:
    for raw in RAW:
        assert raw not in html
    assert ESCAPED in html


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES)
def test_typed_text_is_escaped_on_staff_pages(staff_client, owner, hostile_booking, url):
    client = staff_client(owner)
    day = timezone.localdate(hostile_booking.start).isoformat()
    response = client.get(url.format(pk=hostile_booking.pk, client=hostile_booking.client_id, day=day))
    assert response.status_code == 200
    assert_only_escaped(response.content.decode())


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/bookings/{pk}/", "/clients/{client}/"])
def test_notes_and_requirements_are_escaped_where_they_are_shown(staff_client, owner, hostile_booking, url):
    client = staff_client(owner)
    html = client.get(url.format(pk=hostile_booking.pk, client=hostile_booking.client_id)).content.decode()
    # The name, and whichever of the notes the page shows, all come out as text.
    assert html.count(ESCAPED) >= 2


@pytest.mark.django_db(transaction=True)
def test_the_live_card_is_escaped(owner, hostile_booking):
    async def scenario():
        socket = board_socket(await sync_to_async(session_cookie)(owner))
        connected, _ = await socket.connect()
        assert connected
        await messages_until_quiet(socket)
        await sync_to_async(booking_transition)(booking=hostile_booking, to=BookingState.CONFIRMED, by=owner)
        received = await messages_until_quiet(socket)
        await socket.disconnect()
        return received

    cards = [message for message in async_to_sync(scenario)() if message["type"] == "card"]
    assert len(cards) == 1
    # No typed text travels on the socket: the page takes the card from its own board, escaped as above.
    assert cards[0] == {"type": "card", "id": hostile_booking.pk, "state": "confirmed", "version": 2}
