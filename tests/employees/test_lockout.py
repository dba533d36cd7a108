"""django-axes: repeated failures lock an account from one address only; owners unlock."""

from employees.models import Role
from tests.factories import EmployeeFactory

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
