"""Signing in: password, then a code for employees with an authenticator; sessions and sign-out."""

import time
import uuid

import pytest
import time_machine
from django.conf import settings
from django_otp.plugins.otp_static.models import StaticDevice

from employees.mfa import new_backup_codes
from employees.models import EmployeeStatus, Role
from tests.factories import EmployeeFactory
from tests.signing_in import totp_code

from .conftest import enter_code, sign_in, sign_in_fully


def signed_in_as(client):
    """The employee the client's session belongs to, if any (after a request)."""
    response = client.get("/account/")
    return response.status_code == 200 and response.context["user"].username


def test_sign_in_page_has_labelled_fields(client, db):
    response = client.get("/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_username">Username or email</label>' in html
    assert '<label for="id_password">Password</label>' in html


def test_sign_in_by_email_any_case(client, manager):
    response = sign_in_fully(client, "Manager@Studio.TEST")
    assert response.status_code == 302
    assert signed_in_as(client) == "manager"


def test_wrong_password_is_refused_and_logged(client, manager, caplog):
    caplog.set_level("INFO", logger="studio.security")
    response = sign_in(client, "manager", password="wrong-password")
    assert response.status_code == 400
    assert "The username or password is not right." in response.content.decode()
    assert not signed_in_as(client)
    assert "sign-in failed username='manager' ip=10.0.0.1" in caplog.text


def test_successful_sign_in_is_logged(client, manager, caplog):
    caplog.set_level("INFO", logger="studio.security")
    sign_in(client, "manager")
    assert "sign-in employee=manager ip=10.0.0.1" in caplog.text


def test_deactivated_employee_cannot_sign_in(client, manager):
    manager.status = EmployeeStatus.DEACTIVATED
    manager.save()
    assert sign_in(client, "manager").status_code == 400
    assert not signed_in_as(client)


def test_code_is_required_after_the_password(client, owner, authenticator):
    device = authenticator(owner)
    response = sign_in(client, "owner")
    assert response.status_code == 302
    assert response["Location"] == "/login/code/"
    # The password alone signs nobody in.
    assert client.get("/account/").status_code == 302

    page = client.get("/login/code/")
    assert "Signing in as <strong>Olga Owner</strong>" in page.content.decode()
    response = enter_code(client, totp_code(device))
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    assert signed_in_as(client) == "owner"


def test_wrong_code_is_refused(client, owner, authenticator):
    authenticator(owner)
    sign_in(client, "owner")
    response = enter_code(client, "000000")
    assert response.status_code == 400
    assert "That code is not right" in response.content.decode()
    assert not signed_in_as(client)


def test_a_code_is_accepted_once_only(client, owner, authenticator):
    device = authenticator(owner)
    code = totp_code(device)
    sign_in(client, "owner")
    assert enter_code(client, code).status_code == 302

    replay = client.__class__()
    sign_in(replay, "owner", ip="10.0.0.2")
    response = enter_code(replay, code, ip="10.0.0.2")
    assert response.status_code == 400
    assert not signed_in_as(replay)

    # The next code from the app works (after django-otp's short throttle delay).
    with time_machine.travel(time.time() + 31, tick=False):
        device.refresh_from_db()
        assert enter_code(replay, totp_code(device), ip="10.0.0.2").status_code == 302


def test_backup_codes_work_once_each(client, owner, authenticator):
    authenticator(owner)
    codes = new_backup_codes(owner)
    sign_in(client, "owner")
    response = enter_code(client, codes[0].upper())
    assert response.status_code == 302
    assert signed_in_as(client) == "owner"
    assert StaticDevice.objects.get(user=owner).token_set.count() == 9

    other = client.__class__()
    sign_in(other, "owner", ip="10.0.0.2")
    with time_machine.travel(time.time() + 2, tick=False):
        assert enter_code(other, codes[0], ip="10.0.0.2").status_code == 400
    with time_machine.travel(time.time() + 5, tick=False):
        assert enter_code(other, codes[1], ip="10.0.0.2").status_code == 302


def test_code_step_expires(client, owner, authenticator):
    device = authenticator(owner)
    sign_in(client, "owner")
    with time_machine.travel(time.time() + 6 * 60, tick=False):
        response = enter_code(client, totp_code(device))
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert not signed_in_as(client)


def test_next_is_followed_after_both_steps_but_only_on_this_site(client, owner, authenticator):
    device = authenticator(owner)
    response = client.post("/login/?next=/employees/", {"username": "owner", "password": "correct-horse-battery"})
    assert response["Location"] == "/login/code/"
    assert enter_code(client, totp_code(device))["Location"] == "/employees/"

    other = client.__class__()
    other.post("/login/", {"username": "owner", "password": "correct-horse-battery", "next": "https://evil.test/"})
    with time_machine.travel(time.time() + 31, tick=False):
        device.refresh_from_db()
        assert enter_code(other, totp_code(device))["Location"] == "/dashboard/"


@pytest.mark.parametrize("role", ["owner", "admin", "manager"])
def test_every_employee_without_authenticator_must_set_one_up_first(client, request, role):
    request.getfixturevalue(role)
    client.get("/login/")
    before = client.cookies.get(settings.SESSION_COOKIE_NAME)
    response = sign_in(client, role)
    assert response.status_code == 302
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != (before.value if before else None)
    for path in ("/dashboard/", "/employees/", "/account/", "/account/sessions/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == "/account/mfa/", path
    assert client.get("/account/mfa/").status_code == 200
    assert client.post("/logout/").status_code == 302


def test_signed_in_but_unverified_employee_with_a_device_is_sent_to_the_code_step(client, manager, authenticator):
    """E.g. signed in through another form: the second factor is still asked before anything else."""
    authenticator(manager)
    client.force_login(manager)
    response = client.get("/employees/")
    assert response.status_code == 302
    assert response["Location"] == "/login/code/?next=%2Femployees%2F"
    htmx = client.get("/account/", HTTP_HX_REQUEST="true")
    assert htmx["HX-Redirect"].startswith("/login/code/")


def test_invited_employee_becomes_active_at_first_sign_in(client, db):
    EmployeeFactory(username="newbie", role=Role.MANAGER, status=EmployeeStatus.INVITED)
    sign_in_fully(client, "newbie")
    assert signed_in_as(client) == "newbie"
    from employees.models import Employee

    assert Employee.objects.get(username="newbie").status == EmployeeStatus.ACTIVE


def test_sign_out_needs_post(staff_client, manager):
    client = staff_client(manager)
    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")
    assert response["Location"] == "/login/"
    assert client.get("/account/").status_code == 302


def test_idle_session_is_signed_out(staff_client, manager):
    client = staff_client(manager)
    assert client.get("/account/").status_code == 200
    with time_machine.travel(time.time() + (settings.STAFF_IDLE_TIMEOUT_MINUTES + 1) * 60, tick=False):
        response = client.get("/account/sessions/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2Faccount%2Fsessions%2F"
    page = client.get("/login/")
    assert "signed out after a period of inactivity" in page.content.decode()


def test_a_busy_session_still_ends_some_hours_after_signing_in(staff_client, manager, settings):
    settings.STAFF_SESSION_MAX_HOURS = 2
    client = staff_client(manager)
    signed_in = time.time()
    # A request every 50 minutes: never idle long enough to be signed out for that.
    for minutes in (0, 50, 100):
        with time_machine.travel(signed_in + minutes * 60, tick=False):
            assert client.get("/account/").status_code == 200, minutes
    with time_machine.travel(signed_in + 125 * 60, tick=False):
        response = client.get("/account/sessions/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2Faccount%2Fsessions%2F"
    assert "signed out 2 hours after signing in" in client.get("/login/").content.decode()
    assert client.get("/account/").status_code == 302


def test_a_password_changed_during_the_code_step_ends_that_sign_in(client, owner, authenticator):
    device = authenticator(owner)
    assert sign_in(client, "owner")["Location"] == "/login/code/"
    owner.set_password("a-new-password-after-a-leak")
    owner.save()
    response = enter_code(client, totp_code(device))
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert not signed_in_as(client)


def test_the_password_step_gives_the_browser_a_new_session_key(client, owner, authenticator):
    authenticator(owner)
    before = client.session.session_key
    assert sign_in(client, "owner")["Location"] == "/login/code/"
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != before


def test_guessing_one_account_from_many_addresses_is_limited(client, db, settings):
    settings.SIGN_IN_FAILURES_PER_USERNAME = "3/h"
    # A fresh username: the counts live in the shared cache, which outlasts one test run.
    target = EmployeeFactory(username=f"target-{uuid.uuid4().hex[:10]}", role=Role.MANAGER)
    for n in range(3):
        assert sign_in(client.__class__(), target.username, password="guess", ip=f"10.1.0.{n}").status_code == 400
    response = sign_in(client, target.username, ip="10.1.0.99")
    assert response.status_code == 429
    assert "Too many failed sign-ins for this account" in response.content.decode()
    assert not signed_in_as(client)
    # Other accounts are not affected.
    other = EmployeeFactory(role=Role.MANAGER)
    assert sign_in(client.__class__(), other.username, ip="10.1.0.99").status_code == 302


@pytest.mark.django_db
def test_a_username_with_a_line_break_cannot_forge_a_line_of_the_security_log(client, caplog):
    forged = "nobody ip=10.9.9.9\n2026-12-01 13:20:00,000 INFO studio.security sign-in employee=owner ip=10.6.6.6"
    response = client.post("/login/", {"username": forged, "password": "x"})
    assert response.status_code == 400
    assert not any("sign-in employee=owner" in line for record in caplog.records
                   for line in record.getMessage().splitlines())
