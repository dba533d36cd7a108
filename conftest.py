import os
import uuid
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import translation

from bookings.access import assign_spaces
from bookings.models import OpeningHours
from employees.models import Role
from tests.factories import EmployeeFactory, SpaceFactory
from tests.signing_in import signed_in_client

# Playwright drives the browser from a thread with an event loop; Django's live server is sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def english(settings):
    """The suite reads the studio in English, the language its assertions quote; the studio's default is
    Russian, and the tests that read Russian ask for it (tests/languages.py)."""
    settings.STUDIO_LANGUAGE = "en"
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def own_board_group(settings):
    """Each test's boards talk in a group of their own: test runs may share one Redis."""
    settings.KANBAN_GROUP = f"kanban-test-{uuid.uuid4().hex}"


@pytest.fixture
def staff_client(db):
    """``staff_client(employee)``: a test client signed in as ``employee`` with the second factor verified,
    as after a real sign-in (a bare ``client.force_login`` leaves it unverified)."""
    return signed_in_client


@pytest.fixture
def studio_hours(db):
    """``studio_hours(0, 24)``: the studio opens those hours on every weekday, as the set-up page would write
    them (the migration's rows hold STUDIO_OPENS_AT–STUDIO_CLOSES_AT)."""

    def open_every_day(opens: int, closes: int) -> None:
        OpeningHours.objects.all().delete()
        OpeningHours.objects.bulk_create(
            OpeningHours(weekday=weekday, opens_at=opens, closes_at=closes) for weekday in range(7))

    return open_every_day


@pytest.fixture
def fresh_limits():
    """An empty cache before and after the test: rate-limit counters and idempotency answers start at zero
    (with Redis, the cache outlives a test)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def studio(db):
    """Three halls, as in the demo studio."""
    return {
        "white": SpaceFactory(name="White Hall", slug="white", hourly_rate=Decimal("2500.00"), colour="#4f7cac"),
        "loft": SpaceFactory(name="Loft", slug="loft", hourly_rate=Decimal("3000.00"), colour="#c2734a"),
        "cyclorama": SpaceFactory(name="Cyclorama", slug="cyclorama", hourly_rate=Decimal("4000.00"), colour="#5a9e6f"),
    }


@pytest.fixture
def owner(db):
    return EmployeeFactory(username="owner", full_name="Olga Owner", role=Role.OWNER)


@pytest.fixture
def admin(db):
    return EmployeeFactory(username="admin", full_name="Anton Admin", role=Role.ADMIN)


@pytest.fixture
def manager(db, studio):
    """A manager assigned to the White Hall only."""
    employee = EmployeeFactory(username="manager", full_name="Maria Manager", role=Role.MANAGER)
    assign_spaces(employee, [studio["white"]])
    return employee


@pytest.fixture
def space(studio):
    return studio["white"]
