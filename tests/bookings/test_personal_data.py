import io
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from bookings.models import Booking, Client
from bookings.search import email_index
from bookings.services import booking_create, booking_update, phone_index
from tests.factories import studio_time

pytestmark = pytest.mark.django_db


def raw_row(table: str, columns: str, pk: int):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()


@pytest.fixture
def booking(space):
    return booking_create(by=None, space=space, start=studio_time(3, 10), end=studio_time(3, 12), client_name="Irina Petrova",
                          client_phone="8 (916) 123-45-67", client_email="irina@example.com")


def test_phone_and_email_are_not_readable_in_the_database(booking):
    phone, email, index = raw_row("bookings_booking", "client_phone, client_email, client_phone_index", booking.pk)
    stored = f"{phone} {email} {index}"
    for plain in ("79161234567", "9161234567", "irina@example.com", "irina"):
        assert plain not in stored
    client_phone, client_email = raw_row("bookings_client", "phone, email", booking.client_id)
    assert "9161234567" not in client_phone and "irina" not in client_email
    # The name stays searchable in the clear.
    assert Booking.objects.filter(client_name__icontains="petrova").get() == booking


def test_a_booking_is_found_by_its_phone_in_any_format(booking):
    for typed in ("+7 916 123 45 67", "89161234567", "+7(916)123-45-67"):
        assert list(Booking.objects.filter(client_phone_index=phone_index(typed))) == [booking]


def test_a_booking_is_found_by_its_email_in_any_case_and_by_the_email_it_was_changed_to(booking, admin):
    def found(email):
        return list(Booking.objects.filter(client_email_index=email_index(email)))

    assert found(" IRINA@Example.com") == [booking]
    assert "irina" not in raw_row("bookings_booking", "client_email_index", booking.pk)[0]

    changed = booking_update(booking=booking, version=booking.version, by=admin, client_email="irina.work@example.com")
    assert found("irina@example.com") == [] and found("Irina.Work@example.com") == [changed]

    booking_update(booking=changed, version=changed.version, by=admin, client_email="")
    assert found("irina.work@example.com") == []
    assert raw_row("bookings_booking", "client_email_index", booking.pk) == ("",)


def test_rotating_keys_keeps_every_booking_readable_and_findable(booking, settings):
    old_token = raw_row("bookings_booking", "client_phone", booking.pk)[0]
    new_key = Fernet.generate_key().decode()
    settings.PII_KEYS = [new_key, *settings.PII_KEYS]

    call_command("rotate_pii_key", stdout=io.StringIO())

    new_token = raw_row("bookings_booking", "client_phone", booking.pk)[0]
    assert new_token != old_token
    assert Fernet(new_key.encode()).decrypt(new_token.encode()).decode() == "+79161234567"
    settings.PII_KEYS = [new_key]  # the old key is retired
    reloaded = Booking.objects.get(client_phone_index=phone_index("+79161234567"))
    assert (reloaded.client_phone, reloaded.client_email) == ("+79161234567", "irina@example.com")
    assert Client.objects.get().email == "irina@example.com"


def test_the_audit_trail_masks_phone_and_email(booking, admin):
    from auditlog.models import LogEntry

    from bookings.services import booking_update

    booking_update(booking=booking, version=booking.version, by=admin, client_phone="+7 916 765-43-21",
                   client_email="new@example.com")
    entries = " ".join(str(entry.changes) for entry in LogEntry.objects.get_for_object(booking))
    for part in ("4321", "7654", "1234", "new@", "example.com", "irina"):
        assert part not in entries, f"{part!r} of a phone or email is readable in the audit trail"
    assert "client_phone" in entries and "[hidden]" in entries


def test_a_new_client_is_created_once_per_phone(space):
    for day in (3, 4):
        booking_create(by=None, space=space, start=studio_time(day, 10), end=studio_time(day, 11) + timedelta(hours=1),
                       client_name="Irina", client_phone="+79161234567")
    assert Client.objects.count() == 1
    assert Client.objects.get().bookings.count() == 2


def test_the_audit_trail_masks_client_and_employee_contact_details(booking, manager):
    from auditlog.models import LogEntry

    from bookings.services import client_update

    client_update(client=booking.client, by=manager, notes="Prefers mornings", do_not_book=False)
    booking.client.email = "changed@example.com"
    booking.client.save()
    manager.phone, manager.email = "+79990001122", "maria.new@studio.example"
    manager.save()
    logged = " ".join(str(entry.changes) for entry in LogEntry.objects.all())
    for secret in ("changed@", "example.com", "1122", "0001", "maria.new", "studio.example"):
        assert secret not in logged
    assert "Prefers mornings" in logged
