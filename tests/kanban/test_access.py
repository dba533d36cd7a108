"""An open board stops at once when its employee may no longer follow it: signed out, the session revoked,
signed out everywhere else, deactivated, a new password (their own or one an owner gave), or a space taken
away. Maria, a manager of the White Hall, has the board open on her laptop and on her phone."""

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from bookings.models import BookingState
from bookings.services import booking_transition
from employees.models import StaffSession
from tests.factories import BookingFactory, studio_time
from tests.live import board_socket, closed_with, cookie_of, messages_until_quiet, next_message

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_limits")]

NEW_PASSWORD = "a-much-better-passphrase"
SIGNED_OUT, SPACES_CHANGED = 4401, 4205


def signs_out_on_the_laptop(laptop, phone, boss, manager, studio):
    assert laptop.post("/logout/").status_code == 302
    return {"laptop": SIGNED_OUT, "phone": None}


def revokes_the_laptop_from_the_phone(laptop, phone, boss, manager, studio):
    session = StaffSession.objects.get(session_key=laptop.session.session_key)
    assert phone.post(f"/account/sessions/{session.pk}/revoke/").status_code == 302
    return {"laptop": SIGNED_OUT, "phone": None}


def signs_out_everywhere_else_from_the_phone(laptop, phone, boss, manager, studio):
    assert phone.post("/account/sessions/others/revoke/").status_code == 302
    return {"laptop": SIGNED_OUT, "phone": None}


def is_deactivated_by_the_owner(laptop, phone, boss, manager, studio):
    assert boss.post(f"/employees/{manager.pk}/deactivate/").status_code == 302
    return {"laptop": SIGNED_OUT, "phone": SIGNED_OUT}


def changes_her_password_on_the_phone(laptop, phone, boss, manager, studio):
    response = phone.post("/account/password/", {
        "old_password": "correct-horse-battery", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    # The phone stays signed in (its session follows the new password); the laptop is signed out.
    return {"laptop": SIGNED_OUT, "phone": None}


def gets_a_new_password_from_the_owner(laptop, phone, boss, manager, studio):
    assert boss.post(f"/employees/{manager.pk}/password/").status_code in (200, 302)
    manager.refresh_from_db()
    assert not manager.check_password("correct-horse-battery")
    return {"laptop": SIGNED_OUT, "phone": SIGNED_OUT}


def gets_a_new_password_in_the_django_admin(laptop, phone, boss, manager, studio):
    response = boss.post(f"/admin/employees/employee/{manager.pk}/password/", {
        "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})
    assert response.status_code == 302
    manager.refresh_from_db()
    assert manager.check_password(NEW_PASSWORD) and manager.must_change_password
    return {"laptop": SIGNED_OUT, "phone": SIGNED_OUT}


def is_deleted_in_the_django_admin(laptop, phone, boss, manager, studio):
    assert boss.post(f"/admin/employees/employee/{manager.pk}/delete/", {"post": "yes"}).status_code == 302
    return {"laptop": SIGNED_OUT, "phone": SIGNED_OUT}


def loses_the_white_hall(laptop, phone, boss, manager, studio):
    response = boss.post(f"/employees/{manager.pk}/", {
        "full_name": manager.full_name, "email": manager.email, "role": manager.role, "phone": "", "department": "",
        "spaces": [studio["loft"].pk]})
    assert response.status_code == 302
    # Closed to connect again: the page then loads the board of the spaces she has now.
    return {"laptop": SPACES_CHANGED, "phone": SPACES_CHANGED}


@pytest.mark.parametrize("change", [
    signs_out_on_the_laptop, revokes_the_laptop_from_the_phone, signs_out_everywhere_else_from_the_phone,
    is_deactivated_by_the_owner, changes_her_password_on_the_phone, gets_a_new_password_from_the_owner,
    gets_a_new_password_in_the_django_admin, is_deleted_in_the_django_admin, loses_the_white_hall,
], ids=lambda change: change.__name__)
def test_an_open_board_closes_when_its_employee_may_no_longer_follow_it(change, staff_client, owner, manager, studio):
    booking = BookingFactory(space=studio["white"], start=studio_time(1, 10), client_name="Irina Petrova")
    laptop, phone, boss = staff_client(manager), staff_client(manager), staff_client(owner)

    async def scenario():
        boards = {"laptop": board_socket(cookie_of(laptop)), "phone": board_socket(cookie_of(phone))}
        for board in boards.values():
            assert (await board.connect())[0]
            await messages_until_quiet(board)
        expected = await sync_to_async(change)(laptop, phone, boss, manager, studio)
        closed = {name: await closed_with(board) for name, board in boards.items()}
        # A closed board hears nothing more; one still open hears the next change as before.
        await sync_to_async(booking_transition)(booking=booking, to=BookingState.CONFIRMED, by=owner)
        heard = {name: [m["id"] for m in await messages_until_quiet(board)] for name, board in boards.items()}
        for board in boards.values():
            await board.disconnect()
        return expected, closed, heard

    expected, closed, heard = async_to_sync(scenario)()
    assert closed == expected
    assert heard == {name: [] if code else [booking.pk] for name, code in expected.items()}


def test_after_losing_a_space_the_board_connects_again_to_the_spaces_she_has(staff_client, owner, manager, studio):
    white = BookingFactory(space=studio["white"], start=studio_time(1, 10))
    loft = BookingFactory(space=studio["loft"], start=studio_time(1, 12))
    laptop, boss = staff_client(manager), staff_client(owner)

    async def scenario():
        board = board_socket(cookie_of(laptop))
        await board.connect()
        await messages_until_quiet(board)
        await sync_to_async(loses_the_white_hall)(laptop, None, boss, manager, studio)
        code = await closed_with(board)
        again = board_socket(cookie_of(laptop))
        assert (await again.connect())[0]
        await messages_until_quiet(again)
        for booking in (white, loft):
            await sync_to_async(booking_transition)(booking=booking, to=BookingState.CONFIRMED, by=owner)
        card = await next_message(again, "card")
        rest = await messages_until_quiet(again)
        await again.disconnect()
        return code, card, rest

    code, card, rest = async_to_sync(scenario)()
    assert code == SPACES_CHANGED
    assert card["id"] == loft.pk and rest == []


def test_a_board_of_an_employee_whose_spaces_did_not_change_stays_open(staff_client, owner, manager, studio):
    laptop, boss = staff_client(manager), staff_client(owner)

    async def scenario():
        board = board_socket(cookie_of(laptop))
        await board.connect()
        await messages_until_quiet(board)
        # An owner saves her details with the same hall: nothing she may see changed.
        response = await sync_to_async(boss.post)(f"/employees/{manager.pk}/", {
            "full_name": "Maria M. Manager", "email": manager.email, "role": manager.role, "phone": "",
            "department": "Front desk", "spaces": [studio["white"].pk]})
        assert response.status_code == 302
        code = await closed_with(board)
        await board.disconnect()
        return code

    assert async_to_sync(scenario)() is None


def test_an_employee_whose_second_factor_is_removed_by_an_owner_is_closed(staff_client, owner, admin):
    laptop, boss = staff_client(admin), staff_client(owner)

    async def scenario():
        board = board_socket(cookie_of(laptop))
        await board.connect()
        await messages_until_quiet(board)
        assert (await sync_to_async(boss.post)(f"/employees/{admin.pk}/reset-mfa/")).status_code == 302
        code = await closed_with(board)
        await board.disconnect()
        return code

    assert async_to_sync(scenario)() == SIGNED_OUT


def test_an_employee_with_a_temporary_password_to_replace_follows_no_live_page(staff_client, manager):
    laptop = staff_client(manager)
    manager.must_change_password = True
    manager.save(update_fields=["must_change_password"])

    async def scenario():
        board = board_socket(cookie_of(laptop))
        connected, code = await board.connect()
        if connected:
            code = await closed_with(board)
        await board.disconnect()
        return connected, code

    connected, code = async_to_sync(scenario)()
    assert code in (SIGNED_OUT, 4403), (connected, code)
