"""Migrations that change data keep the rows already there valid."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from bookings.search import email_index
from tests.factories import studio_time

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("bookings", "0003_space_colour_is_hex")]
AFTER = [("bookings", "0004_pending_requests_hold_their_slot")]


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


def test_requests_that_overlap_are_cancelled_with_a_history_row_when_pending_starts_holding_its_slot():
    apps = migrate(BEFORE)
    Space, Client, Booking = (apps.get_model("bookings", name) for name in ("Space", "Client", "Booking"))
    hall = Space.objects.create(name="Old Hall", slug="old-hall", hourly_rate=1000)
    other_hall = Space.objects.create(name="Other Hall", slug="other-hall", hourly_rate=1000)
    guest = Client.objects.create(phone="+79160000001", phone_index="index-1", name="Guest")

    def booking(reference, space, state, hour):
        start = studio_time(3, hour)
        return Booking.objects.create(
            reference=reference, space=space, client=guest, start=start, end=start + timedelta(hours=2),
            occupied_until=start + timedelta(hours=2), state=state, client_name="Guest", client_phone="+79160000001",
            client_phone_index="index-1")

    confirmed = booking("REF-20270101-0001", hall, "confirmed", 10)
    under_confirmed = booking("REF-20270101-0002", hall, "pending", 11)
    first_request = booking("REF-20270101-0003", hall, "pending", 14)
    second_request = booking("REF-20270101-0004", hall, "pending", 15)
    elsewhere = booking("REF-20270101-0005", other_hall, "pending", 11)
    with connection.cursor() as cursor:  # rows written under a key this deployment no longer has
        cursor.execute("UPDATE bookings_booking SET client_phone = 'gAAAAA-under-a-retired-key'")

    apps = migrate(AFTER)
    Booking, BookingTransition = apps.get_model("bookings", "Booking"), apps.get_model("bookings", "BookingTransition")
    states = dict(Booking.objects.values_list("reference", "state"))
    assert states == {
        confirmed.reference: "confirmed",
        under_confirmed.reference: "cancelled",
        first_request.reference: "pending",
        second_request.reference: "cancelled",
        elsewhere.reference: "pending",
    }
    history = BookingTransition.objects.filter(to_state="cancelled")
    assert sorted(history.values_list("booking__reference", flat=True)) == [
        under_confirmed.reference, second_request.reference]
    assert all(row.actor_kind == "system" and "Overlapped" in row.reason for row in history)


def test_audit_entries_written_with_half_masked_contact_details_keep_no_readable_part():
    apps = migrate([*AFTER, ("auditlog", "0017_add_actor_email"), ("contenttypes", "0002_remove_content_type_name")])
    LogEntry, ContentType = apps.get_model("auditlog", "LogEntry"), apps.get_model("contenttypes", "ContentType")
    booking_type, _ = ContentType.objects.get_or_create(app_label="bookings", model="booking")
    entry = LogEntry.objects.create(
        content_type=booking_type, object_pk="1", object_repr="REF-20270101-0001", action=1,
        changes={"client_phone": ["******551234", "******765432"], "client_email": ["", "****@example.com"],
                 "notes": ["", "Bring a ladder"]})

    apps = migrate([("bookings", "0005_audit_trail_keeps_no_contact_details")])
    changes = apps.get_model("auditlog", "LogEntry").objects.get(pk=entry.pk).changes
    assert changes == {"client_phone": ["[hidden]", "[hidden]"], "client_email": ["", "[hidden]"],
                       "notes": ["", "Bring a ladder"]}


def test_bookings_already_there_become_findable_by_their_email():
    apps = migrate([("bookings", "0012_lean_indexes_for_history")])
    Space, Client, Booking = (apps.get_model("bookings", name) for name in ("Space", "Client", "Booking"))
    hall = Space.objects.create(name="Old Hall", slug="old-hall", hourly_rate=1000)
    guest = Client.objects.create(phone="+79160000001", phone_index="index-1", name="Guest")

    def booking(reference, email, hour):
        start = studio_time(3, hour)
        return Booking.objects.create(
            reference=reference, space=hall, client=guest, start=start, end=start + timedelta(hours=1),
            occupied_until=start + timedelta(hours=1), state="confirmed", client_name="Guest",
            client_phone="+79160000001", client_phone_index="index-1", client_email=email)

    with_email, without, unreadable = (booking("REF-20270101-0001", "Guest@Example.com", 10),
                                       booking("REF-20270101-0002", "", 12), booking("REF-20270101-0003", "x@y.z", 14))
    with connection.cursor() as cursor:  # an email written under a key this deployment no longer has
        cursor.execute("UPDATE bookings_booking SET client_email = 'gAAAAA-under-a-retired-key' WHERE id = %s",
                       [unreadable.pk])

    apps = migrate([("bookings", "0015_booking_email_index_idx")])
    indexes = dict(apps.get_model("bookings", "Booking").objects.values_list("reference", "client_email_index"))
    assert indexes == {with_email.reference: email_index("guest@example.com"), without.reference: "",
                       unreadable.reference: ""}
