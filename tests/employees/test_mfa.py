"""Setting up, replacing and removing the authenticator; backup codes."""

import time

import pytest
import time_machine
from asgiref.sync import async_to_sync
from django.db import DatabaseError
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from employees.mfa import DEMO_TOTP_KEY, mfa_devices_delete, mfa_enroll_demo, new_backup_codes
from tests.live import board_socket, closed_with
from tests.signing_in import session_cookie, totp_code

from .conftest import PASSWORD, enter_code, sign_in


def test_owner_sets_up_an_authenticator_at_first_sign_in(client, owner):
    sign_in(client, "owner")
    page = client.get("/account/mfa/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Set up two-step sign-in to continue" in html
    assert "<svg" in html and 'class="segno"' in html
    pending = TOTPDevice.objects.get(user=owner, confirmed=False)
    assert page.context["secret"] in html
    # The QR code stays the same on reload.
    client.get("/account/mfa/")
    assert TOTPDevice.objects.filter(user=owner).count() == 1

    assert client.post("/account/mfa/", {"code": "000000"}).status_code == 400
    with time_machine.travel(time.time() + 2, tick=False):
        response = client.post("/account/mfa/", {"code": totp_code(pending)})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.confirmed

    shown = client.get("/account/mfa/")
    codes = shown.context["backup_codes"]
    assert len(codes) == 10 and all(code in shown.content.decode() for code in codes)
    again = client.get("/account/mfa/")
    assert again.context["backup_codes"] is None
    assert codes[0] not in again.content.decode()
    # The session counts as verified: the back office opens.
    assert client.get("/account/").status_code == 200


def test_backup_codes_are_regenerated_with_the_password(staff_client, manager, authenticator):
    authenticator(manager)
    client = staff_client(manager)
    assert client.post("/account/mfa/backup-codes/", {"backup-password": "wrong"}).status_code == 400
    assert StaticToken.objects.filter(device__user=manager).count() == 0
    assert client.post("/account/mfa/backup-codes/", {"backup-password": PASSWORD}).status_code == 302
    first = set(StaticToken.objects.filter(device__user=manager).values_list("token", flat=True))
    client.get("/account/mfa/")
    client.post("/account/mfa/backup-codes/", {"backup-password": PASSWORD})
    second = set(StaticToken.objects.filter(device__user=manager).values_list("token", flat=True))
    assert len(second) == 10 and not first & second


def test_replacing_keeps_the_old_authenticator_until_the_new_one_is_confirmed(staff_client, owner):
    client = staff_client(owner)
    old = TOTPDevice.objects.get(user=owner)
    assert client.post("/account/mfa/replace/", {"replace-password": PASSWORD}).status_code == 302
    new = TOTPDevice.objects.get(user=owner, confirmed=False)
    assert "Replace your authenticator" in client.get("/account/mfa/").content.decode()
    assert TOTPDevice.objects.filter(pk=old.pk, confirmed=True).exists()

    assert client.post("/account/mfa/", {"code": totp_code(new)}).status_code == 302
    assert list(TOTPDevice.objects.filter(user=owner).values_list("pk", flat=True)) == [new.pk]
    assert client.get("/account/").status_code == 200


@pytest.mark.parametrize("who", ["owner", "manager"])
def test_no_employee_can_turn_two_step_off(staff_client, request, who):
    employee = request.getfixturevalue(who)
    client = staff_client(employee)
    page = client.get("/account/mfa/").content.decode()
    assert "cannot be turned off" in page and "remove-password" not in page
    assert client.post("/account/mfa/remove/", {"remove-password": PASSWORD}).status_code == 404
    assert TOTPDevice.objects.filter(user=employee, confirmed=True).exists()
    # The next sign-in still asks for a code after the password.
    assert sign_in(client.__class__(), who)["Location"] == "/login/code/"


def test_demo_enrolment_prints_a_working_key(client, owner):
    key = mfa_enroll_demo(owner)
    assert key == "ON2HKZDJN4WWG4TNFVSGK3LPFVXW43DZ"
    device = TOTPDevice.objects.get(user=owner)
    assert device.confirmed and device.key == DEMO_TOTP_KEY
    sign_in(client, "owner")
    assert enter_code(client, totp_code(device))["Location"] == "/dashboard/"


def test_authenticator_and_backup_codes_are_removed_together_or_not_at_all(manager, authenticator, monkeypatch):
    authenticator(manager)
    new_backup_codes(manager)

    class Unreachable:
        class objects:
            @staticmethod
            def filter(**kwargs):
                raise DatabaseError("connection lost")

    monkeypatch.setattr("employees.mfa.StaticDevice", Unreachable)
    with pytest.raises(DatabaseError):
        mfa_devices_delete(manager)
    assert TOTPDevice.objects.filter(user=manager).exists()


@pytest.mark.django_db(transaction=True)
def test_a_manager_who_has_not_passed_two_steps_cannot_follow_live_updates(manager):
    async def closed_with_code(cookie):
        socket = board_socket(cookie)
        await socket.connect()
        code = await closed_with(socket)
        await socket.disconnect()
        return code

    assert async_to_sync(closed_with_code)(session_cookie(manager, verified=False)) == 4403
    assert async_to_sync(closed_with_code)(session_cookie(manager)) is None
