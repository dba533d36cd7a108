"""Erasure: afterwards the person's phone, in any spelling, and email are nowhere the studio keeps data."""

import io
import json
import pickle
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.cache import caches
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from bookings.models import Booking, BookingState, Client
from bookings.pii import EncryptedTextField
from bookings.services import booking_update
from compliance.exports import person_data
from compliance.keys import person_keys
from compliance.models import DataRequest, RequestStatus
from compliance.people import person_find
from notifications import delivery
from notifications.models import Notification

pytestmark = pytest.mark.django_db

PHONE, EMAIL = "+7 916 555-01-37", "Irina.Erase@Example.com"
SPELLINGS = ["+79165550137", "79165550137", "89165550137", "9165550137", "916 555-01-37", "+7 916 555-01-37",
             "(916) 555-01-37", "916-555-01-37", "555-01-37", "5550137", "irina.erase@example.com", "irina.erase"]
OTHER_PHONE, OTHER_EMAIL = "+7 903 777-22-11", "pavel.keeps@example.com"


def text_columns(model):
    return [field for field in model._meta.concrete_fields if field.get_internal_type() in (
        "CharField", "TextField", "JSONField", "GenericIPAddressField", "EmailField")]


def everything_stored() -> str:
    """Every text column of every table, raw as stored and, for encrypted columns, decrypted by their field;
    sessions decoded; the cache's raw entries."""
    found = []
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            columns = text_columns(model)
            if not columns:
                continue
            cursor.execute(f"SELECT {', '.join(connection.ops.quote_name(f.column) for f in columns)} "
                           f"FROM {connection.ops.quote_name(model._meta.db_table)}")
            for row in cursor.fetchall():
                for field, value in zip(columns, row, strict=True):
                    if value:
                        found.append(str(value))
                        if isinstance(field, EncryptedTextField):
                            found.append(field.from_db_value(value, None, connection))
    for session in Session.objects.all():
        found.append(json.dumps(session.get_decoded()))
    found.append(cache_contents())
    return "\n".join(found)


def cache_contents() -> str:
    cache = caches["default"]
    if hasattr(cache, "_cache") and isinstance(cache._cache, dict):
        return "\n".join(str(pickle.loads(raw)) + str(raw) for raw in list(cache._cache.values()))
    client = cache._cache.get_client(write=False)
    return "\n".join(str(client.get(key)) for key in client.scan_iter(match=cache.make_key("*")))


def spellings_in(text: str) -> list[str]:
    lowered = text.lower()
    return [spelling for spelling in SPELLINGS if spelling.lower() in lowered]


@pytest.fixture
def person(client, space, guest_booking, admin):
    """Irina: two past bookings, one to come made through the API (its answer kept for retries), staff notes
    about her, messages to her, a guest session that looked her booking up; and Pavel, another guest."""
    past = guest_booking(phone="8 (916) 555-01-37", email=EMAIL, days=2, hour=10)
    Booking.objects.filter(pk=past.pk).update(start=past.start - timedelta(days=30), end=past.end - timedelta(days=30),
                                              occupied_until=past.end - timedelta(days=30),
                                              state=BookingState.COMPLETED)
    guest_booking(phone="+79165550137", email="", days=2, hour=14)
    day = (timezone.localdate() + timedelta(days=5)).isoformat()
    answer = client.post("/api/v1/bookings", json.dumps({
        "date": day, "startTime": "12:00", "endTime": "14:00", "space": space.slug, "clientName": "Irina Petrova",
        "clientPhone": "9165550137", "clientEmail": EMAIL, "equipment": [], "promoCode": "",
        "specialRequirements": "Call me on 916 555-01-37 before", "consent": True}),
        content_type="application/json", headers={"Idempotency-Key": "irina-1"})
    assert answer.status_code == 201
    future = Booking.objects.get(reference=answer.json()["bookingReference"])
    booking_update(booking=future, version=future.version, by=admin, notes="Irina: +7 916 555 01 37, irina.erase@example.com")
    pavel = guest_booking(name="Pavel Keeps", phone=OTHER_PHONE, email=OTHER_EMAIL, days=6)
    lookup = client.post("/book/lookup/", {"reference": future.reference, "phone": PHONE})
    assert lookup.status_code == 302
    assert spellings_in(everything_stored())  # the check can see her
    return {"future": future, "pavel": pavel}


def erase_as_owner(staff_client, owner, pk, **data):
    return staff_client(owner).post(f"/compliance/requests/{pk}/erase/", {"confirm": "on", **data})


def test_after_an_erasure_the_phone_and_email_are_nowhere(client, person, owner, staff_client):
    future = person["future"]
    asked = client.post(f"/book/lookup/{future.reference}/my-data/erase/")
    assert asked.status_code == 302
    request = DataRequest.objects.get()

    refused = erase_as_owner(staff_client, owner, request.pk)
    assert refused.status_code == 409 and future.reference in refused.content.decode()
    assert Booking.objects.get(pk=future.pk).client_phone_index  # nothing changed

    done = erase_as_owner(staff_client, owner, request.pk, reason="The guest asked to be forgotten")
    assert done.status_code == 302
    delivery.deliver_due()  # the guest's notice goes out, then its address is forgotten by the daily run
    call_command("anonymize_expired", stdout=io.StringIO())

    assert spellings_in(everything_stored()) == []
    others = person_data(person_find(phone_index=person_keys(phone=OTHER_PHONE)[0]))
    assert others["bookings"] and spellings_in(json.dumps(others, ensure_ascii=False, default=str)) == []
    request.refresh_from_db()
    assert request.status == RequestStatus.DONE and request.counts["bookings"] == 3 and request.counts["cancelled"] == 2
    assert Booking.objects.get(pk=future.pk).state == BookingState.CANCELLED
    told = [message.subject for message in mail.outbox if message.to == [EMAIL]]
    assert told == ["Your personal data has been erased"]
    # Pavel is untouched.
    pavel = Booking.objects.get(pk=person["pavel"].pk)
    assert (pavel.client_name, pavel.client_email, pavel.client_phone) == ("Pavel Keeps", OTHER_EMAIL, "+79037772211")
    assert Client.objects.filter(name="Pavel Keeps").exists()


def test_the_erasure_of_a_person_is_one_transaction(person, owner, monkeypatch):
    from compliance import retention
    from compliance.services import data_erase

    monkeypatch.setattr(retention, "clients_remove_empty", lambda ids: 1 / 0)
    index, hashed = person_keys(phone=PHONE, email=EMAIL)
    with pytest.raises(ZeroDivisionError):
        data_erase(person=person_find(phone_index=index, email_hash=hashed), by=owner, reason="asked")
    assert Booking.objects.filter(client_name="Irina Petrova").count() == 3
    assert Booking.objects.get(pk=person["future"].pk).state == BookingState.PENDING
    assert not DataRequest.objects.exists()


def test_the_erase_command_refuses_while_bookings_are_to_come_then_cancels_with_a_reason(person, owner):
    with pytest.raises(CommandError, match=person["future"].reference):
        call_command("erase_client_data", "--phone", "89165550137", "--by", owner.username, stdout=io.StringIO())
    assert Booking.objects.filter(client_name="Irina Petrova").count() == 3

    out = io.StringIO()
    call_command("erase_client_data", "--phone", "89165550137", "--reason", "Asked by phone", "--by",
                 owner.username, stdout=out)
    assert "3 bookings anonymised, 1 client card removed" in out.getvalue()
    assert not Booking.objects.filter(client_name="Irina Petrova").exists()
    assert DataRequest.objects.get().source == "shell"


def test_the_erase_command_is_for_owners_only(person, admin):
    with pytest.raises(CommandError, match="only owners"):
        call_command("erase_client_data", "--phone", PHONE, "--by", admin.username, stdout=io.StringIO())
    assert Booking.objects.filter(client_name="Irina Petrova").count() == 3


def test_an_erased_guest_leaves_the_figures_as_they_were(person, owner, staff_client):
    revenue = sum(b.total_price for b in Booking.objects.filter(state=BookingState.COMPLETED))
    index, hashed = person_keys(phone=PHONE, email=EMAIL)
    response = staff_client(owner).post("/compliance/person/erase/", {
        "phone_index": index, "email_hash": hashed, "confirm": "on", "reason": "Asked at the desk"})
    assert response.status_code == 302
    assert sum(b.total_price for b in Booking.objects.filter(state=BookingState.COMPLETED)) == revenue
    assert Notification.objects.filter(booking__client_name="Irina Petrova").count() == 0


def test_prepared_booking_exports_go_with_an_erasure(person, owner, settings, tmp_path, django_capture_on_commit_callbacks):
    from compliance.services import data_erase

    settings.EXPORTS_ROOT = str(tmp_path)
    prepared = tmp_path / str(owner.pk) / "export-1.csv"
    prepared.parent.mkdir()
    prepared.write_text(f"reference;phone\nREF-20270101-AAAA;{PHONE}\n")
    index, hashed = person_keys(phone=PHONE, email=EMAIL)
    with django_capture_on_commit_callbacks(execute=True):
        data_erase(person=person_find(phone_index=index, email_hash=hashed), by=owner, reason="asked")
    assert not prepared.exists()
