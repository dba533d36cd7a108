"""django-axes: repeated failures lock an account from one address only; owners unlock."""

import time

import pytest
import time_machine
from django.test import Client

from employees.models import Role
from tests.factories import EmployeeFactory
from tests.signing_in import totp_code

from .conftest import enter_code, sign_in

LIMIT = 5  # settings.AXES_FAILURE_LIMIT


def fail(client, login, times, ip):
    for _ in range(times):
        sign_in(client, login, password="not-the-password", ip=ip)


def test_account_is_locked_from_one_address_only(client, manager, caplog):
    caplog.set_level("INFO", logger="studio.security")
    fail(client, "manager", LIMIT, ip="10.0.0.1")

    locked = sign_in(client, "manager", ip="10.0.0.1")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Sign-in is paused" in page
    assert "5 failed sign-in attempts" in page and "1 hour" in page
    assert "An owner can unlock" in page
    assert "sign-in locked out username=manager ip=10.0.0.1" in caplog.text

    other_address = client.__class__()
    assert sign_in(other_address, "manager", ip="10.0.0.2").status_code == 302


def test_failures_by_email_count_for_the_account(client, manager):
    fail(client, "manager@studio.test", LIMIT, ip="10.0.0.1")
    assert sign_in(client, "manager", ip="10.0.0.1").status_code == 429


def test_wrong_codes_count_as_failures(client, owner, authenticator):
    authenticator(owner)
    sign_in(client, "owner")
    for _ in range(LIMIT - 1):
        assert enter_code(client, "123456").status_code == 400
    assert enter_code(client, "123456").status_code == 429


def test_owner_sees_the_lock_and_unlocks(staff_client, owner, manager):
    client = staff_client(owner)
    fail(client.__class__(), "manager", LIMIT, ip="10.0.0.1")
    assert "Locked" in client.get("/employees/").content.decode()
    detail = client.get(f"/employees/{manager.pk}/").content.decode()
    assert "10.0.0.1" in detail and "Unlock" in detail

    response = client.post(f"/employees/{manager.pk}/unlock/")
    assert response.status_code == 302
    assert sign_in(client.__class__(), "manager", ip="10.0.0.1").status_code == 302


def test_admin_unlocks_a_manager_but_not_an_owner(staff_client, admin):
    other_owner = EmployeeFactory(username="second-owner", role=Role.OWNER)
    manager = EmployeeFactory(username="locked-manager", role=Role.MANAGER)
    client = staff_client(admin)
    fail(client.__class__(), "second-owner", LIMIT, ip="10.0.0.1")
    fail(client.__class__(), "locked-manager", LIMIT, ip="10.0.0.1")
    assert client.post(f"/employees/{other_owner.pk}/unlock/").status_code == 403
    assert sign_in(client.__class__(), "second-owner", ip="10.0.0.1").status_code == 429
    assert client.post(f"/employees/{manager.pk}/unlock/").status_code == 302
    assert sign_in(client.__class__(), "locked-manager", ip="10.0.0.1").status_code == 302


# --- Nobody locks an employee out of their own devices ----------------------------------------------

ATTACKER = "203.0.113.7"
PROXY = "10.0.0.254"  # the reverse proxy every request comes through (TRUSTED_PROXY_COUNT = 1)


def through_proxy(address: str) -> dict:
    return {"ip": PROXY, "HTTP_X_FORWARDED_FOR": address}


def sign_in_with_code(client, device, address: str):
    """Password, then the authenticator's code, from ``address``; the answer of the code step."""
    response = sign_in(client, "owner", **through_proxy(address))
    assert response.status_code == 302 and response["Location"] == "/login/code/", response
    return client.post("/login/code/", {"code": totp_code(device)}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=address)


@pytest.mark.usefixtures("fresh_limits")
def test_wrong_passwords_from_one_address_do_not_lock_the_owner_out_elsewhere(client, owner, authenticator, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.SIGN_IN_FAILURES_PER_USERNAME = "50/h"
    device = authenticator(owner)
    attacker = client.__class__()
    answers = [sign_in(attacker, "owner", password="guess", **through_proxy(ATTACKER)).status_code for _ in range(55)]
    assert answers == [400] * (LIMIT - 1) + [429] * (55 - LIMIT + 1)

    at_home = client.__class__()
    response = sign_in_with_code(at_home, device, "198.51.100.20")
    assert response["Location"] == "/dashboard/"
    assert at_home.get("/dashboard/").status_code == 200
    # The attacker's address stays paused, even with the right password.
    assert "Sign-in is paused" in sign_in(client.__class__(), "owner", **through_proxy(ATTACKER)).content.decode()


@pytest.mark.usefixtures("fresh_limits")
def test_spelling_the_username_in_other_cases_from_one_address_is_still_one_address(client, owner, authenticator,
                                                                                     settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.SIGN_IN_FAILURES_PER_USERNAME = "8/h"
    device = authenticator(owner)
    attacker = client.__class__()
    for spelling in ("owner", "Owner", "OWNER", "oWnEr", "OwNeR"):
        for _ in range(LIMIT):
            sign_in(attacker, spelling, password="guess", **through_proxy(ATTACKER))
    response = sign_in_with_code(client.__class__(), device, "198.51.100.20")
    assert response["Location"] == "/dashboard/"


@pytest.mark.usefixtures("fresh_limits")
def test_guessing_from_many_addresses_pauses_new_devices_only(client, owner, authenticator, settings):
    settings.SIGN_IN_FAILURES_PER_USERNAME = "10/h"
    device = authenticator(owner)
    laptop = client.__class__()
    sign_in_with_code(laptop, device, "198.51.100.20")
    laptop.post("/logout/")
    for n in range(10):
        assert sign_in(client.__class__(), "owner", password="guess", ip=f"203.0.113.{n}").status_code == 400

    new_phone = client.__class__()
    response = sign_in(new_phone, "owner", ip="198.51.100.30")
    assert response.status_code == 429
    assert "Too many failed sign-ins for this account" in response.content.decode()
    # The laptop the owner signed in with before still signs in, on another network too.
    with time_machine.travel(time.time() + 31, tick=False):
        device.refresh_from_db()
        assert sign_in_with_code(laptop, device, "198.51.100.40")["Location"] == "/dashboard/"
    # A cookie that was not given out by the studio opens nothing.
    forged = client.__class__()
    forged.cookies[settings.SIGN_IN_DEVICE_COOKIE_NAME] = laptop.cookies[settings.SIGN_IN_DEVICE_COOKIE_NAME].value[:-2]
    assert sign_in(forged, "owner", ip="198.51.100.30").status_code == 429


@pytest.mark.usefixtures("fresh_limits")
def test_unlock_clears_the_lockouts_of_every_address_and_the_count_per_account(
    staff_client, manager, authenticator, settings,
):
    settings.SIGN_IN_FAILURES_PER_USERNAME = "10/h"
    authenticator(manager)
    fail(Client(), "manager", LIMIT, ip="203.0.113.1")
    fail(Client(), "manager", LIMIT, ip="203.0.113.2")
    assert sign_in(Client(), "manager", ip="198.51.100.30").status_code == 429
    owner = staff_client(EmployeeFactory(username="unlocking-owner", role=Role.OWNER))
    page = owner.get(f"/employees/{manager.pk}/").content.decode()
    assert "Paused on new devices" in page and "203.0.113.1" in page and "203.0.113.2" in page

    assert owner.post(f"/employees/{manager.pk}/unlock/").status_code == 302
    assert "Paused on new devices" not in owner.get(f"/employees/{manager.pk}/").content.decode()
    for address in ("198.51.100.30", "203.0.113.1", "203.0.113.2"):
        assert sign_in(Client(), "manager", ip=address)["Location"] == "/login/code/", address
