from datetime import timedelta
from functools import partial

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django_otp import DEVICE_ID_SESSION_KEY

from bookings.services import block_create, block_delete, booking_create, booking_transition
from calendar_app.services import GROUP
from employees.models import Employee, EmployeeStatus
from tests.factories import studio_time
from tests.live import calendar_socket, closed_with, cookie_of
from tests.signing_in import confirmed_device, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


def test_calendar_socket_admits_only_signed_in_active_staff(owner, manager):
    deactivated_cookie = session_cookie(manager)
    manager.status = EmployeeStatus.DEACTIVATED
    manager.save()

    results = {name: refusal(cookie) for name, cookie in [
        ("anonymous", None), ("owner without second factor", session_cookie(owner, verified=False)),
        ("deactivated", deactivated_cookie), ("owner", session_cookie(owner))]}

    # Closed with a code the page reads (it then stops reconnecting), or left open.
    assert results == {"anonymous": 4401, "owner without second factor": 4403, "deactivated": 4401, "owner": None}


def refusal(cookie) -> int | None:
    """The code a calendar socket opened with ``cookie`` is closed with at once; None when it is admitted."""
    async def scenario():
        communicator = calendar_socket(cookie)
        connected, _ = await communicator.connect()
        assert connected
        code = await closed_with(communicator, quiet=0.2)
        await communicator.disconnect()
        return code

    return async_to_sync(scenario)()


def connects(cookie) -> bool:
    return refusal(cookie) is None


def test_calendar_socket_refuses_an_employee_deactivated_behind_the_session(manager):
    cookie = session_cookie(manager)
    assert connects(cookie)
    # Deactivated by a bulk update that leaves the login flag as it was: the status still decides.
    Employee.objects.filter(pk=manager.pk).update(status=EmployeeStatus.DEACTIVATED)
    assert not connects(cookie)


def test_calendar_socket_refuses_a_session_verified_with_someone_elses_device(owner, manager):
    session = SessionStore()
    session[SESSION_KEY] = str(owner.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = owner.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = confirmed_device(manager).persistent_id
    session.create()
    assert not connects(f"{settings.SESSION_COOKIE_NAME}={session.session_key}")


def test_open_calendars_hear_booking_changes(owner, studio):
    cookie = session_cookie(owner)

    async def scenario():
        communicator = calendar_socket(cookie)
        connected, _ = await communicator.connect()
        assert connected
        start = studio_time(1, 10)
        booking = await sync_to_async(booking_create)(
            space=studio["white"], start=start, end=start + timedelta(hours=2), client_name="Anna Petrova",
            client_phone="+79161234567", by=owner)
        first = await communicator.receive_json_from(timeout=3)
        await sync_to_async(booking_transition)(booking=booking, to="confirmed", by=owner)
        second = await communicator.receive_json_from(timeout=3)
        await communicator.disconnect()
        return first, second

    first, second = async_to_sync(scenario)()
    assert first == {"type": "changed", "space": studio["white"].pk}
    assert second["type"] == "changed"


def test_manager_hears_only_about_their_spaces(manager, studio):
    cookie = session_cookie(manager)

    async def scenario():
        communicator = calendar_socket(cookie)
        connected, _ = await communicator.connect()
        assert connected
        layer = get_channel_layer()
        await layer.group_send(GROUP, {"type": "calendar.changed", "space_id": studio["loft"].pk, "booking_id": 1})
        quiet = await communicator.receive_nothing(timeout=0.3)
        await layer.group_send(GROUP, {"type": "calendar.changed", "space_id": studio["white"].pk, "booking_id": 2})
        message = await communicator.receive_json_from(timeout=3)
        await communicator.disconnect()
        return quiet, message

    quiet, message = async_to_sync(scenario)()
    assert quiet
    assert message == {"type": "changed", "space": studio["white"].pk}


def test_a_broken_channel_layer_never_breaks_booking(studio, owner, monkeypatch, caplog):
    class Broken:
        async def group_send(self, *args, **kwargs):
            raise ConnectionError("redis is down")

    monkeypatch.setattr("calendar_app.services.get_channel_layer", lambda: Broken())
    start = studio_time(1, 10)
    booking = booking_create(space=studio["white"], start=start, end=start + timedelta(hours=2),
                             client_name="Anna Petrova", client_phone="+79161234567", by=owner)
    assert booking.pk
    assert "calendar update not broadcast" in caplog.text


def test_open_calendars_hear_a_space_closed_and_reopened(owner, studio):
    cookie = session_cookie(owner)

    async def scenario():
        communicator = calendar_socket(cookie)
        connected, _ = await communicator.connect()
        assert connected
        block = await sync_to_async(block_create)(space=studio["loft"], start=studio_time(2, 9),
                                                  end=studio_time(2, 12), by=owner)
        closed = await communicator.receive_json_from(timeout=3)
        await sync_to_async(block_delete)(block=block, by=owner)
        reopened = await communicator.receive_json_from(timeout=3)
        await communicator.disconnect()
        return closed, reopened

    closed, reopened = async_to_sync(scenario)()
    assert closed == reopened == {"type": "changed", "space": studio["loft"].pk}


def open_calendar_then(client, change, *, space) -> tuple[int | None, list]:
    """Open a calendar with ``client``'s session, make ``change``, then a change in ``space``; returns the code
    the calendar was closed with (None: still open) and what it heard of ``space`` afterwards."""
    async def scenario():
        communicator = calendar_socket(cookie_of(client))
        assert (await communicator.connect())[0]
        await sync_to_async(change)()
        code = await closed_with(communicator)
        await get_channel_layer().group_send(GROUP, {"type": "calendar.changed", "space_id": space.pk})
        heard = [] if await communicator.receive_nothing(timeout=0.3) else [await communicator.receive_json_from()]
        await communicator.disconnect()
        return code, heard

    return async_to_sync(scenario)()


def test_an_open_calendar_closes_when_its_employee_signs_out(staff_client, manager, space):
    calendar = staff_client(manager)
    assert open_calendar_then(calendar, lambda: calendar.post("/logout/"), space=space) == (4401, [])


def test_an_open_calendar_of_another_session_stays_open_when_one_signs_out(staff_client, manager, space):
    calendar, other_device = staff_client(manager), staff_client(manager)
    code, heard = open_calendar_then(calendar, lambda: other_device.post("/logout/"), space=space)
    assert code is None and heard == [{"type": "changed", "space": space.pk}]


def test_an_open_calendar_closes_when_its_employee_loses_a_space(staff_client, owner, manager, studio):
    calendar, boss = staff_client(manager), staff_client(owner)

    def take_the_white_hall_away():
        response = boss.post(f"/employees/{manager.pk}/", {
            "full_name": manager.full_name, "email": manager.email, "role": manager.role, "phone": "",
            "department": "", "spaces": [studio["loft"].pk]})
        assert response.status_code == 302

    # Closed to connect again; the new connection hears only of the spaces she has now.
    assert open_calendar_then(calendar, take_the_white_hall_away, space=studio["white"]) == (4205, [])

    async def reconnected():
        communicator = calendar_socket(cookie_of(calendar))
        assert (await communicator.connect())[0]
        layer = get_channel_layer()
        await layer.group_send(GROUP, {"type": "calendar.changed", "space_id": studio["white"].pk})
        quiet = await communicator.receive_nothing(timeout=0.3)
        await layer.group_send(GROUP, {"type": "calendar.changed", "space_id": studio["loft"].pk})
        message = await communicator.receive_json_from(timeout=3)
        await communicator.disconnect()
        return quiet, message

    assert async_to_sync(reconnected)() == (True, {"type": "changed", "space": studio["loft"].pk})


def test_an_open_calendar_closes_when_its_employee_is_deactivated(staff_client, owner, manager, space):
    calendar, boss = staff_client(manager), staff_client(owner)
    deactivate = partial(boss.post, f"/employees/{manager.pk}/deactivate/")
    assert open_calendar_then(calendar, deactivate, space=space) == (4401, [])
