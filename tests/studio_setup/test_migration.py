"""The migration that moves the opening hours into the database keeps the hours the settings gave."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("bookings", "0009_translatable_labels")]
AFTER = [("bookings", "0010_opening_hours")]


@pytest.fixture(autouse=True)
def back_to_the_latest_schema():
    """Every app migrated forward again afterwards, so later tests find the whole schema."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_every_weekday_opens_as_the_settings_said(settings):
    settings.STUDIO_OPENS_AT, settings.STUDIO_CLOSES_AT = 10, 23
    migrate(BEFORE)

    apps = migrate(AFTER)

    rows = apps.get_model("bookings", "OpeningHours").objects.order_by("weekday")
    assert [(row.weekday, row.opens_at, row.closes_at) for row in rows] == [(day, 10, 23) for day in range(7)]


def test_a_studio_open_until_midnight_closes_at_24(settings):
    settings.STUDIO_OPENS_AT, settings.STUDIO_CLOSES_AT = 8, 24
    migrate(BEFORE)

    apps = migrate(AFTER)

    rows = apps.get_model("bookings", "OpeningHours").objects.all()
    assert {(row.opens_at, row.closes_at) for row in rows} == {(8, 24)}
    assert rows.count() == 7
