"""A change made anywhere reaches open boards: the booking page, the edit form, the Django admin, a guest
cancelling online and the calendar. Each change is announced once it is committed, never before."""

import re
from unittest import mock

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.db import transaction
from django.test import Client
from django.utils import timezone

from bookings.models import Booking, BookingSource
from kanban import services as kanban_services
from tests.factories import BookingFactory, ClientFactory, studio_time
from tests.live import board_socket, messages_until_quiet
from tests.signing_in import session_cookie, signed_in_client

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_limits")]

PHONE = "+79161234567"


@pytest.fixture
def booking(space):
    guest = ClientFactory(name="Irina Petrova", phone=PHONE)
    return BookingFactory(space=space, client=guest, reference="REF-20260315-QW3E",
                          start=studio_time(5, 10), end=studio_time(5, 12))


def through_the_booking_page(booking, owner):
    response = signed_in_client(owner).post(f"/bookings/{booking.pk}/transition/",
                                            {"to": "confirmed", "version": booking.version})
    assert response.status_code == 302
    return {"state": "confirmed"}


def through_the_edit_form(booking, owner):
    start = studio_time(5, 14)
    response = signed_in_client(owner).post(f"/bookings/{booking.pk}/edit/", {
        "space": booking.space.slug, "date": timezone.localdate(start).isoformat(), "start_time": 14, "hours": 3,
        "client_name": "Irina Petrova", "client_phone": "8 916 123-45-67", "client_email": "",
        "source": BookingSource.PHONE, "special_requirements": "", "notes": "", "internal_notes": "",
        "version": booking.version,
    })
    assert response.status_code == 302, response.content
    return {"state": "pending", "text": "14:00"}


def through_the_admin_action(booking, owner):
    response = signed_in_client(owner).post("/admin/bookings/booking/",
                                            {"action": "confirm_selected", "_selected_action": [booking.pk]})
    assert response.status_code == 302
    return {"state": "confirmed"}


def through_a_guest_cancelling_online(booking, owner):
    guest = Client()
    assert guest.post("/book/lookup/", {"reference": booking.reference, "phone": PHONE}).status_code == 302
    response = guest.post(f"/book/lookup/{booking.reference}/cancel/", {"reason": "Model is ill"})
    assert response.status_code == 302
    return {"state": "cancelled"}


def through_the_calendar(booking, owner):
    start = studio_time(5, 15)
    response = signed_in_client(owner).post(f"/calendar/bookings/{booking.pk}/move/", {
        "version": booking.version, "space": booking.space.slug, "start": start.isoformat()},
        headers={"HX-Request": "true"})
    assert response.status_code == 200, response.content
    return {"state": "pending", "text": "15:00"}


@pytest.mark.parametrize("change", [
    through_the_booking_page, through_the_edit_form, through_the_admin_action,
    through_a_guest_cancelling_online, through_the_calendar,
], ids=lambda change: change.__name__)
def test_a_change_from_anywhere_reaches_an_open_board_after_commit(change, booking, owner, admin):
    announced_inside_a_transaction = []
    real_broadcast = kanban_services.broadcast

    def broadcast(message):
        announced_inside_a_transaction.append(transaction.get_connection().in_atomic_block)
        return real_broadcast(message)

    async def scenario():
        socket = board_socket(await sync_to_async(session_cookie)(admin))
        connected, _ = await socket.connect()
        assert connected
        await messages_until_quiet(socket)
        with mock.patch.object(kanban_services, "broadcast", broadcast):
            expected = await sync_to_async(change)(booking, owner)
        received = await messages_until_quiet(socket)
        await socket.disconnect()
        return expected, received

    expected, received = async_to_sync(scenario)()

    saved = Booking.objects.get(pk=booking.pk)
    cards = [message for message in received if message["type"] == "card" and message["id"] == booking.pk]
    assert len(cards) == 1, received
    card = cards[0]
    assert card["state"] == expected["state"] == saved.state
    assert card["version"] == saved.version > booking.version
    # The page then shows the card as its own server renders it on the board it fetches.
    board = signed_in_client(admin).get("/kanban/", headers={"HX-Request": "true"}).content.decode()
    shown = re.search(rf'<article class="kanban-card" id="card-{booking.pk}".*?</article>', board, re.S).group()
    assert f'data-version="{saved.version}"' in shown and f'data-state="{saved.state}"' in shown
    if "text" in expected:
        assert expected["text"] in shown
    # Announced only once the change was committed: no transaction was open when the board was told.
    assert announced_inside_a_transaction and not any(announced_inside_a_transaction)
