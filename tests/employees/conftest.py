import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

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


@pytest.fixture(autouse=True)
def roomy_username_limit(settings):
    """Failed sign-ins per username are counted in the shared cache (Redis in CI) across test runs:
    keep the limit out of reach here; the test of the limit sets its own with a fresh username."""
    settings.SIGN_IN_FAILURES_PER_USERNAME = "100000/h"
