import os
from decimal import Decimal

import pytest

from bookings.access import assign_spaces
from employees.models import Role
from tests.factories import EmployeeFactory, SpaceFactory

# Playwright drives the browser from a thread with an event loop; Django's live server is sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


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
