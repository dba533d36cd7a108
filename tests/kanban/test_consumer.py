"""The board's websocket, reached as a browser reaches it: through the ASGI application with a session cookie."""

import asyncio
import time
from unittest import mock

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from bookings.models import Booking, BookingState
from bookings.services import booking_create, booking_transition, booking_update
from employees.models import EmployeeStatus
from kanban.presence import FORGET_AFTER_SECONDS, Roster, Viewer
from tests.factories import BookingFactory, EmployeeFactory, studio_time
from tests.live import board_socket, messages_until_quiet, next_message
from tests.signing_in import session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


def run(scenario):
    async_to_sync(scenario)()


async def open_board(user, **cookie_options):
    socket = board_socket(await sync_to_async(session_cookie)(user, **cookie_options))
    connected, _ = await socket.connect(timeout=10)
    assert connected
    socket.name = user.full_name
    return socket


class TestWhoMayListen:
    def test_anonymous_is_closed_with_4401(self, db):
        async def scenario():
            socket = board_socket()
            await socket.connect()
            assert (await socket.receive_output())["code"] == 4401
            await socket.disconnect()

        run(scenario)

    def test_a_deactivated_employee_is_turned_away(self, owner):
        cookie = session_cookie(owner)
        owner.status = EmployeeStatus.DEACTIVATED
        owner.save()

        async def scenario():
            socket = board_socket(cookie)
            await socket.connect()
            # Deactivation ends the session: the socket sees an anonymous visitor.
            assert (await socket.receive_output())["code"] in (4401, 4403)
            await socket.disconnect()

        run(scenario)

    def test_an_owner_who_has_not_entered_their_code_is_refused(self, owner):
        async def scenario():
            socket = await open_board(owner, verified=False)
            assert (await socket.receive_output())["code"] == 4403
            await socket.disconnect()

        run(scenario)


class TestBroadcast:
    def test_a_move_through_http_reaches_every_board_once_after_commit(self, staff_client, owner, admin, manager, space):
        booking = BookingFactory(space=space, start=studio_time(1, 10))
        http = staff_client(owner)

        async def scenario():
            sockets = [await open_board(user) for user in (owner, admin, manager)]
            for socket in sockets:
                await messages_until_quiet(socket)
            response = await sync_to_async(http.post)(
                reverse("kanban_move"), {"booking": booking.pk, "to": "confirmed", "version": 1},
                HTTP_ACCEPT="application/json",
            )
            assert response.status_code == 200
            for socket in sockets:
                received = await messages_until_quiet(socket)
                cards = [m for m in received if m["type"] == "card"]
                # Which card changed, and no markup: each page takes the card from its own server.
                assert cards == [{"type": "card", "id": booking.pk, "state": "confirmed", "version": 2}]
                await socket.disconnect()

        run(scenario)

    def test_a_manager_hears_only_about_their_spaces(self, owner, manager, studio):
        white = BookingFactory(space=studio["white"], start=studio_time(1, 10), client_name="White client")
        loft = BookingFactory(space=studio["loft"], start=studio_time(1, 10), client_name="Loft client")

        async def scenario():
            boss, maria = await open_board(owner), await open_board(manager)
            await messages_until_quiet(boss)
            await messages_until_quiet(maria)
            for booking in (white, loft):
                await sync_to_async(booking_transition)(booking=booking, to=BookingState.CONFIRMED, by=owner)
            boss_cards = {m["id"] for m in await messages_until_quiet(boss) if m["type"] == "card"}
            maria_sees = await messages_until_quiet(maria)
            assert boss_cards == {white.pk, loft.pk}
            assert [m["id"] for m in maria_sees if m["type"] == "card"] == [white.pk]
            for socket in (boss, maria):
                await socket.disconnect()

        run(scenario)

    def test_a_rolled_back_change_reaches_nobody(self, owner, space):
        booking = BookingFactory(space=space, start=studio_time(1, 10))

        def confirm_then_fail():
            with transaction.atomic():
                booking_transition(booking=booking, to=BookingState.CONFIRMED, by=owner)
                raise RuntimeError("something later in the request failed")

        async def scenario():
            socket = await open_board(owner)
            await messages_until_quiet(socket)
            with pytest.raises(RuntimeError):
                await sync_to_async(confirm_then_fail)()
            assert await messages_until_quiet(socket, quiet=0.5) == []
            await socket.disconnect()

        run(scenario)
        assert Booking.objects.get(pk=booking.pk).state == BookingState.PENDING

    def test_a_guest_booking_appears_on_open_boards(self, staff_client, owner, space):
        async def scenario():
            socket = await open_board(owner)
            await messages_until_quiet(socket)
            booking = await sync_to_async(booking_create)(
                space=space, start=studio_time(2, 12), end=studio_time(2, 14), client_name="Guest Person",
                client_phone="+7 916 555-00-11", source="website", by=None,
            )
            card = await next_message(socket, "card")
            assert card["id"] == booking.pk and card["state"] == "pending"
            await socket.disconnect()
            return booking

        booking = async_to_sync(scenario)()
        # What the page then fetches from its server, to show the card the socket told it of.
        board = staff_client(owner).get(reverse("kanban"), headers={"HX-Request": "true"}).content.decode()
        assert f'id="card-{booking.pk}"' in board and "Guest Person" in board

    def test_the_order_of_a_column_reaches_other_boards(self, staff_client, owner, admin, space):
        first, second = (BookingFactory(space=space, start=studio_time(1, hour)) for hour in (10, 14))
        http = staff_client(owner)

        async def scenario():
            socket = await open_board(admin)
            await messages_until_quiet(socket)
            await sync_to_async(http.post)(reverse("kanban_move"), {
                "booking": second.pk, "to": "pending", "order": f"{second.pk},{first.pk}"})
            order = await next_message(socket, "order")
            assert order == {"type": "order", "state": "pending", "ids": [second.pk, first.pk]}
            await socket.disconnect()

        run(scenario)

    def test_the_booking_is_saved_when_the_channel_layer_is_down(self, staff_client, owner, space):
        booking = BookingFactory(space=space, start=studio_time(1, 10))
        client = staff_client(owner)
        with mock.patch("kanban.services.get_channel_layer", side_effect=ConnectionError("redis is down")):
            response = client.post(reverse("kanban_move"), {"booking": booking.pk, "to": "confirmed"},
                                   HTTP_ACCEPT="application/json")
        assert response.status_code == 200
        assert Booking.objects.get(pk=booking.pk).state == BookingState.CONFIRMED


class TestCostPerChange:
    """However many boards are open, telling them of a change costs no render and no query per board."""

    def test_render_and_query_count_do_not_grow_with_open_boards(self, owner, admin, manager, space):
        from django.db.backends.utils import CursorWrapper

        bookings = [BookingFactory(space=space, start=studio_time(1, hour)) for hour in (8, 11, 14, 17)]
        queries = []
        real_execute = CursorWrapper._execute

        def counted(self, *args, **kwargs):
            queries.append(args[0])
            return real_execute(self, *args, **kwargs)

        async def confirm(booking, sockets) -> tuple[int, int]:
            """(queries, card renders) from confirming ``booking`` until every board has its card."""
            queries.clear()
            with mock.patch("kanban.cards.render_to_string", wraps=render_to_string) as render:
                await sync_to_async(booking_transition)(booking=booking, to=BookingState.CONFIRMED, by=owner)
                for socket in sockets:
                    assert (await next_message(socket, "card"))["id"] == booking.pk
                await messages_until_quiet(sockets[0], quiet=0.2)
            return len(queries), render.call_count

        async def scenario():
            one = [await open_board(owner)]
            await messages_until_quiet(one[0])
            with mock.patch.object(CursorWrapper, "_execute", counted):
                await confirm(bookings[0], one)  # warms caches
                with_one = await confirm(bookings[1], one)
                many = one + [await open_board(user) for user in (admin, manager, owner, admin)]
                for socket in many:
                    await messages_until_quiet(socket, quiet=0.2)
                with_five = await confirm(bookings[2], many)
            assert with_five == with_one
            # Nothing is rendered to tell the boards: each page fetches its own board afterwards.
            assert with_one[1] == 0
            for socket in many:
                await socket.disconnect()

        run(scenario)

    def test_a_booking_moved_to_a_space_the_manager_does_not_see_leaves_their_board(self, owner, manager, studio):
        booking = BookingFactory(space=studio["white"], start=studio_time(1, 10), client_name="Moving client")
        elsewhere = BookingFactory(space=studio["loft"], start=studio_time(2, 10))

        async def scenario():
            maria = await open_board(manager)
            await messages_until_quiet(maria)
            # A change in a space she does not see is not even announced to her board.
            await sync_to_async(booking_transition)(booking=elsewhere, to=BookingState.CONFIRMED, by=owner)
            assert await messages_until_quiet(maria) == []
            await sync_to_async(booking_update)(booking=booking, version=booking.version, by=owner,
                                                space=studio["loft"])
            received = await messages_until_quiet(maria)
            assert received == [{"type": "remove", "id": booking.pk}]
            await maria.disconnect()

        run(scenario)

    def test_a_manager_hears_the_order_of_their_cards_only(self, staff_client, owner, manager, studio):
        mine = BookingFactory(space=studio["white"], start=studio_time(1, 10))
        theirs = BookingFactory(space=studio["loft"], start=studio_time(1, 10))
        http = staff_client(owner)

        async def scenario():
            maria = await open_board(manager)
            await messages_until_quiet(maria)
            await sync_to_async(http.post)(reverse("kanban_move"), {
                "booking": theirs.pk, "to": "pending", "order": f"{theirs.pk},{mine.pk}"})
            assert (await next_message(maria, "order"))["ids"] == [mine.pk]
            await maria.disconnect()

        run(scenario)

    def test_the_card_message_carries_the_version(self, owner, space):
        booking = BookingFactory(space=space, start=studio_time(1, 10))

        async def scenario():
            socket = await open_board(owner)
            await messages_until_quiet(socket)
            await sync_to_async(booking_transition)(booking=booking, to=BookingState.CONFIRMED, by=owner)
            card = await next_message(socket, "card")
            assert card == {"type": "card", "id": booking.pk, "state": "confirmed", "version": 2}
            await socket.disconnect()

        run(scenario)


class TestPresence:
    def test_boards_see_who_else_is_looking_and_who_left(self, owner, admin):
        second_owner_tab = owner

        async def scenario():
            olga = await open_board(owner)
            assert (await next_message(olga, "presence"))["names"] == []
            anton = await open_board(admin)
            assert (await next_message(olga, "presence"))["names"] == ["Anton Admin"]
            # The newcomer learns who was already there.
            names = (await next_message(anton, "presence"))["names"]
            while names != ["Olga Owner"]:
                names = (await next_message(anton, "presence"))["names"]
            # One person with two tabs is listed once: the others hear nothing new.
            olga_again = await open_board(second_owner_tab)
            assert (await next_message(olga_again, "presence"))["names"] == ["Anton Admin"]
            assert await messages_until_quiet(anton, kinds=("presence",), quiet=1.0) == []
            assert await messages_until_quiet(olga, kinds=("presence",), quiet=0.3) == []
            await anton.disconnect()
            assert (await next_message(olga, "presence"))["names"] == []
            await olga.disconnect()
            await olga_again.disconnect()

        run(scenario)

    def test_presence_names_come_once_per_employee(self, owner, admin):
        manager_two = EmployeeFactory(username="m2", full_name="Boris Manager")

        async def scenario():
            watcher = await open_board(owner)
            others = [await open_board(admin), await open_board(admin), await open_board(manager_two)]
            updates = await messages_until_quiet(watcher, kinds=("presence",))
            assert updates[-1]["names"] == ["Anton Admin", "Boris Manager"]
            for socket in [watcher, *others]:
                await socket.disconnect()

        run(scenario)


async def presence_until(socket, names: list[str], timeout=5.0) -> list[list[str]]:
    """Every presence list ``socket`` gets until it lists ``names``."""
    lists = []
    while not lists or lists[-1] != names:
        lists.append((await next_message(socket, "presence", timeout=timeout))["names"])
    return lists


class TestPresenceCost:
    """Telling boards who else is looking costs a fixed number of messages per board, not one per pair."""

    def test_a_board_opening_beside_others_is_told_once_and_each_other_board_once(self, owner):
        viewers = [EmployeeFactory(username=f"viewer{n}", full_name=f"Viewer {n}") for n in range(6)]

        async def scenario():
            open_boards = [await open_board(viewer) for viewer in viewers]
            for socket in open_boards:
                await presence_until(socket, [v.full_name for v in viewers if v.full_name != socket.name])
            newcomer = await open_board(owner)
            heard = await messages_until_quiet(newcomer, kinds=("presence",), quiet=1.0)
            # Only the list as it is, from the roster: no answer from each board already open.
            assert heard == [{"type": "presence", "names": [v.full_name for v in viewers]}]
            for socket in open_boards:
                told = await messages_until_quiet(socket, kinds=("presence",), quiet=0.3)
                assert len(told) == 1 and "Olga Owner" in told[0]["names"]
            for socket in [*open_boards, newcomer]:
                await socket.disconnect()

        run(scenario)

    def test_boards_opening_together_are_told_once_for_all_of_them(self, owner):
        viewers = [EmployeeFactory(username=f"viewer{n}", full_name=f"Viewer {n}") for n in range(8)]

        async def scenario():
            watcher = await open_board(owner)
            assert (await next_message(watcher, "presence"))["names"] == []
            with mock.patch("kanban.consumers.ANNOUNCE_SECONDS", 1.5):
                others = await asyncio.gather(*(open_board(viewer) for viewer in viewers))
                heard = await messages_until_quiet(watcher, kinds=("presence",), quiet=2.0)
            assert heard == [{"type": "presence", "names": [v.full_name for v in viewers]}]
            for socket in [watcher, *others]:
                await socket.disconnect()

        run(scenario)

    def test_idle_boards_send_each_other_nothing(self, owner, admin, manager):
        async def scenario():
            with mock.patch("kanban.consumers.BEAT_SECONDS", 0.1):
                boards = [await open_board(user) for user in (owner, admin, manager)]
                await presence_until(boards[0], ["Anton Admin", "Maria Manager"])
                for socket in boards:
                    await messages_until_quiet(socket, kinds=("presence",), quiet=0.5)
                layer = get_channel_layer()
                with mock.patch.object(layer, "group_send", wraps=layer.group_send) as group_send, \
                        mock.patch.object(layer, "send", wraps=layer.send) as send:
                    await asyncio.sleep(1.0)  # ten beats of every board
                assert group_send.call_count == send.call_count == 0
                for socket in boards:
                    await socket.disconnect()

        run(scenario)

    def test_a_board_whose_process_died_is_forgotten(self, owner, settings):
        roster = Roster(settings.KANBAN_GROUP)

        async def scenario():
            with mock.patch("kanban.consumers.BEAT_SECONDS", 0.2):
                await roster.enter("a-board-of-a-process-that-died", Viewer(999, "Gone Away"))
                olga = await open_board(owner)
                assert (await next_message(olga, "presence"))["names"] == ["Gone Away"]
                # Its process never beats again: once forgotten, the open boards hear it.
                with mock.patch("kanban.presence.time.time", return_value=time.time() + FORGET_AFTER_SECONDS + 1):
                    assert await presence_until(olga, []) == [[]]
                await olga.disconnect()

        run(scenario)

    def test_without_the_roster_boards_still_hear_of_changes_and_list_nobody(self, owner, space, settings):
        settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
        booking = BookingFactory(space=space, start=studio_time(1, 10))

        async def scenario():
            olga = await open_board(owner)
            assert (await next_message(olga, "presence"))["names"] == []
            await sync_to_async(booking_transition)(booking=booking, to=BookingState.CONFIRMED, by=owner)
            assert (await next_message(olga, "card"))["id"] == booking.pk
            await olga.disconnect()

        run(scenario)
