import pytest
from django.db.models import Q
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from employees.models import Employee

PASSWORD = "correct-horse-battery"  # tests/factories.py EmployeeFactory


@pytest.fixture
def authenticator():
    """Give an employee a confirmed authenticator: ``authenticator(employee) -> TOTPDevice``."""

    def make(employee):
        return TOTPDevice.objects.create(user=employee, name="Phone", confirmed=True)

    return make


def sign_in(client, login, password=PASSWORD, ip="10.0.0.1", **extra):
    return client.post("/login/", {"username": login, "password": password}, REMOTE_ADDR=ip, **extra)


def enter_code(client, code, ip="10.0.0.1"):
    return client.post("/login/code/", {"code": code}, REMOTE_ADDR=ip)


def backup_code(employee) -> str:
    """A new single-use backup code of ``employee``: a second factor that, unlike an authenticator's code,
    can be given for several sign-ins within one test."""
    device, _ = StaticDevice.objects.get_or_create(user=employee, name="Backup codes", defaults={"confirmed": True})
    return device.token_set.create(token=StaticToken.random_token()).token


def sign_in_fully(client, login, password=PASSWORD, ip="10.0.0.1", **extra):
    """Both steps, as an employee signs in: the password, then a code. Returns the code step's answer."""
    employee = Employee.objects.get(Q(username=login) | Q(email__iexact=login))
    code = backup_code(employee)
    response = sign_in(client, login, password=password, ip=ip, **extra)
    assert response.status_code == 302 and response["Location"].startswith("/login/code/"), response
    return enter_code(client, code, ip=ip)


@pytest.fixture(autouse=True)
def roomy_username_limit(settings):
    """Failed sign-ins per username are counted in the shared cache (Redis in CI) across test runs:
    keep the limit out of reach here; the tests of the limit set their own with a fresh cache."""
    settings.SIGN_IN_FAILURES_PER_USERNAME = "100000/h"
