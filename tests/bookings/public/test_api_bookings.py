"""The public JSON API, as the studio's website calls it."""

import json
import logging
import time
import urllib.error
import urllib.request
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.models import Booking, BookingEquipment, BookingState, PromoCode, SpaceRate
from studio_crm.log_filters import HidePhones
from tests.bulk import bulk_bookings
from tests.factories import BookingFactory, ClientFactory, EquipmentFactory, PromoCodeFactory, studio_time
from tests.live import asgi_server

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_limits")]

DAY = studio_time(2, 10)
NEUTRAL = "We could not find a booking with that reference and phone number."


def body(**overrides):
    data = {
        "date": f"{DAY:%Y-%m-%d}", "startTime": "10:00", "endTime": "12:00", "space": "white",
        "clientName": "Irina Petrova", "clientPhone": "+7 916 123-45-67", "clientEmail": "irina@example.com",
        "equipment": [], "promoCode": "", "consent": True,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def post(client, data, **headers):
    return client.post("/api/v1/bookings", json.dumps(data), content_type="application/json", headers=headers)


def error_of(response) -> dict:
    assert response["Content-Type"] == "application/json"
    payload = response.json()
    assert set(payload) == {"error"} and {"code", "message"} <= set(payload["error"])
    return payload["error"]


class TestAvailability:
    def test_free_slots_with_the_longest_stay(self, client, space):
        BookingFactory(space=space, start=studio_time(2, 12), end=studio_time(2, 14))
        response = client.get(f"/api/v1/availability?space=white&date={DAY:%Y-%m-%d}")
        data = response.json()
        assert response.status_code == 200 and data["space"] == {"slug": "white", "name": "White Hall"}
        starts = [slot["startTime"] for slot in data["slots"]]
        assert "12:00" not in starts and "13:00" not in starts and starts[0] == "09:00"
        assert data["slots"][0]["maxHours"] == 3 and data["slots"][0]["start"].endswith("+03:00")

    def test_each_slot_carries_the_rate_its_hour_is_priced_at(self, client, space):
        saturday = studio_time(1, 10)
        while saturday.weekday() != 5:
            saturday += timedelta(days=1)
        SpaceRate.objects.create(space=space, label="Evening", start_hour=18, end_hour=22, hourly_rate=Decimal("3000"))
        SpaceRate.objects.create(space=space, label="Saturday", weekday=5, start_hour=9, end_hour=18,
                                 hourly_rate=Decimal("4000"))
        friday = saturday - timedelta(days=1)
        slots = client.get(f"/api/v1/availability?space=white&date={friday:%Y-%m-%d}").json()
        rates = {slot["startTime"]: slot["hourlyRate"] for slot in slots["slots"]}
        assert (rates["17:00"], rates["18:00"]) == ("2500.00", "3000.00")
        assert slots["hourlyRate"] == "2500.00"
        weekend = client.get(f"/api/v1/availability?space=white&date={saturday:%Y-%m-%d}").json()
        rates = {slot["startTime"]: slot["hourlyRate"] for slot in weekend["slots"]}
        assert (rates["10:00"], rates["19:00"]) == ("4000.00", "3000.00")
        booked = post(client, body(date=f"{saturday:%Y-%m-%d}", startTime="10:00", endTime="12:00"))
        assert booked.json()["totalPrice"] == str(Decimal(rates["10:00"]) * 2)

    def test_an_unknown_hall_is_404(self, client, space):
        response = client.get(f"/api/v1/availability?space=nowhere&date={DAY:%Y-%m-%d}")
        assert response.status_code == 404 and error_of(response)["code"] == "not_found"

    @pytest.mark.parametrize("query, field", [
        ("space=white&date=2020-01-01", "date"),
        ("space=white&date=tomorrow", "date"),
        ("date=2030-01-01", "space"),
        ("space=%3Cscript%3E&date=2030-01-01", "space"),
    ])
    def test_bad_queries_are_400_with_field_errors(self, client, space, query, field):
        response = client.get(f"/api/v1/availability?{query}")
        error = error_of(response)
        assert response.status_code == 400 and error["code"] == "validation_error" and field in error["fields"]


class TestCreate:
    def test_a_booking_is_created_pending_with_a_server_price(self, client, space):
        response = post(client, body(totalPrice="1.00", basePrice="0"))
        data = response.json()
        booking = Booking.objects.get()
        assert response.status_code == 201 and data["bookingReference"] == booking.reference
        assert data["state"] == "pending" and data["totalPrice"] == "5000.00" and data["durationHours"] == 2
        assert data["start"] == DAY.isoformat() and data["canCancel"] is True
        followed = client.get(response["Location"])
        assert followed.status_code == 200 and followed.json()["bookingReference"] == booking.reference
        assert booking.source == "website" and booking.consent_ip == "127.0.0.1" and booking.client_email == "irina@example.com"

    def test_a_booking_runs_the_same_queries_however_busy_the_studio_and_none_of_the_board(self, client, space,
                                                                                        django_assert_num_queries):
        """What the booking reads and writes is its own: its day's bookings, not the history; the board's order
        of cards is the board's (the audit trail does not look it up)."""
        assert post(client, body()).status_code == 201  # the first of a process reads its caches in
        with CaptureQueriesContext(connection) as second:
            assert post(client, body(startTime="13:00", endTime="14:00", clientPhone="+7 916 111-22-33")).status_code == 201
        assert not [query for query in second.captured_queries if "kanban_cardposition" in query["sql"]]
        bulk_bookings(space, 360)  # a month of history before today
        with django_assert_num_queries(len(second.captured_queries)):
            assert post(client, body(startTime="15:00", endTime="16:00", clientPhone="+7 916 765-43-21")).status_code == 201

    def test_equipment_by_id_or_name_and_a_promo_code(self, client, space):
        softbox = EquipmentFactory(name="Softbox", price=Decimal("500.00"), stock=3)
        EquipmentFactory(name="Smoke machine", price=Decimal("1000.00"), pricing="flat", stock=1)
        PromoCodeFactory(code="SPRING10", value=Decimal("10"))
        response = post(client, body(equipment=[{"id": softbox.pk, "quantity": 2}, {"name": "smoke MACHINE"}],
                                     promoCode="spring10"))
        data = response.json()
        # 5,000 hall + 2 × 2 h × 500 + 1,000 flat = 8,000; minus 10 %.
        assert response.status_code == 201
        assert (data["equipmentPrice"], data["discount"], data["totalPrice"]) == ("3000.00", "800.00", "7200.00")
        assert {line["name"]: line["quantity"] for line in data["equipment"]} == {"Softbox": 2, "Smoke machine": 1}
        assert PromoCode.objects.get().times_used == 1

    @pytest.mark.parametrize("overrides, field", [
        ({"date": "2020-01-01"}, "date"),
        ({"startTime": "10:30", "endTime": "12:30"}, "startTime"),
        ({"startTime": "07:00", "endTime": "09:00"}, "startTime"),
        ({"startTime": "21:00", "endTime": "23:00"}, "startTime"),
        ({"startTime": "12:00", "endTime": "10:00"}, "endTime"),
        ({"space": "nowhere"}, "space"),
        ({"consent": False}, "consent"),
        ({"consent": "yes"}, "consent"),
        ({"consent": None}, "consent"),
        ({"clientPhone": "12345"}, "clientPhone"),
        ({"clientPhone": "+7 916 123-45-67" * 3}, "clientPhone"),
        ({"clientName": "   "}, "clientName"),
        ({"clientName": "x" * 151}, "clientName"),
        ({"clientName": "Irina\x00"}, "clientName"),
        ({"clientEmail": "not-an-email"}, "clientEmail"),
        ({"specialRequirements": "x" * 2001}, "specialRequirements"),
        ({"promoCode": "NOSUCH"}, "promoCode"),
        ({"equipment": [{"id": 999999}]}, "equipment.0"),
        ({"equipment": [{"quantity": 1}]}, "equipment.0"),
        ({"equipment": [{"name": "Softbox", "quantity": 0}]}, "equipment.0.quantity"),
        ({"date": "0001-01-01"}, "date"),
        # Only "HH:MM" in studio time: an offset or a number would be read as some other hour.
        ({"startTime": "10:00+05:00"}, "startTime"),
        ({"startTime": "10:00Z"}, "startTime"),
        ({"startTime": 36000}, "startTime"),
        ({"endTime": 43200.0}, "endTime"),
        ({"startTime": "10:00:00"}, "startTime"),
        ({"startTime": "10"}, "startTime"),
        ({"endTime": "24:00"}, "endTime"),
    ])
    def test_invalid_requests_are_400_with_camel_case_fields_and_write_nothing(self, client, space, overrides, field):
        response = post(client, body(**overrides))
        error = error_of(response)
        assert response.status_code == 400, response.content
        assert error["code"] == "validation_error" and field in error["fields"], error
        assert Booking.objects.count() == 0

    @pytest.mark.parametrize("promo, message", [
        ({"valid_until": timezone.now() - timedelta(days=1)}, "has expired"),
        ({"usage_limit": 2, "times_used": 2}, "used up"),
        ({"is_active": False}, "no longer active"),
    ])
    def test_expired_or_used_up_promo_codes_are_400(self, client, space, promo, message):
        PromoCodeFactory(code="OLD", **promo)
        response = post(client, body(promoCode="OLD"))
        assert response.status_code == 400 and message in error_of(response)["fields"]["promoCode"][0]
        assert Booking.objects.count() == 0

    def test_equipment_beyond_the_studios_stock_is_400(self, client, space):
        EquipmentFactory(name="Softbox", stock=2)
        response = post(client, body(equipment=[{"name": "Softbox", "quantity": 3}]))
        assert response.status_code == 400 and "equipment.0.quantity" in error_of(response)["fields"]
        assert Booking.objects.count() == 0

    def test_equipment_out_on_an_overlapping_booking_is_409(self, client, studio):
        EquipmentFactory(name="Softbox", stock=1)
        assert post(client, body(equipment=[{"name": "Softbox"}])).status_code == 201
        response = post(client, body(space="loft", clientPhone="+79167654321", equipment=[{"name": "Softbox"}]))
        assert response.status_code == 409 and "Softbox" in error_of(response)["message"]
        assert Booking.objects.count() == 1

    def test_an_overlap_is_409_with_the_taken_time_and_free_alternatives(self, client, space):
        BookingFactory(space=space, start=studio_time(2, 11), end=studio_time(2, 13))
        response = post(client, body())
        error = error_of(response)
        assert response.status_code == 409 and error["code"] == "conflict"
        assert error["conflict"] == {"kind": "booked", "start": studio_time(2, 11).isoformat(),
                                     "end": studio_time(2, 13).isoformat()}
        # 10:00 is free but only for an hour: each time offered holds the whole two hours asked for.
        assert [(slot["startTime"], slot["endTime"]) for slot in error["alternatives"]] == [
            ("09:00", "11:00"), ("13:00", "15:00"), ("14:00", "16:00"), ("15:00", "17:00"), ("16:00", "18:00")]
        assert error["alternatives"][0]["start"] == studio_time(2, 9).isoformat()
        assert Booking.objects.count() == 1

    def test_the_alternatives_to_a_taken_time_have_the_equipment_asked_for_free_too(self, client, space, studio):
        softbox = EquipmentFactory(name="Softbox", stock=1)
        BookingFactory(space=space, start=studio_time(2, 11), end=studio_time(2, 12))
        elsewhere = BookingFactory(space=studio["loft"], start=studio_time(2, 9), end=studio_time(2, 11))
        BookingEquipment.objects.create(booking=elsewhere, equipment=softbox, quantity=1, price=Decimal("500"))
        elsewhere = BookingFactory(space=studio["loft"], start=studio_time(2, 12), end=studio_time(2, 15))
        BookingEquipment.objects.create(booking=elsewhere, equipment=softbox, quantity=1, price=Decimal("500"))
        response = post(client, body(equipment=[{"name": "Softbox"}]))
        alternatives = error_of(response)["alternatives"]
        # 09:00 and 13:00 hold two free hours of the hall, but the only softbox is out in the Loft then.
        assert response.status_code == 409
        assert [slot["startTime"] for slot in alternatives] == ["15:00", "16:00", "17:00", "18:00", "19:00"]

    def test_html_in_the_name_is_stored_as_text(self, client, space):
        response = post(client, body(clientName="<img src=x onerror=alert(1)>"))
        assert response.json()["clientName"] == "<img src=x onerror=alert(1)>"
        assert Booking.objects.get().client_name == "<img src=x onerror=alert(1)>"


class TestTransport:
    def test_an_oversized_body_is_413(self, client, space, settings):
        response = post(client, body(specialRequirements="x" * (settings.API_MAX_BODY_BYTES + 1)))
        assert response.status_code == 413 and error_of(response)["code"] == "payload_too_large"
        assert Booking.objects.count() == 0

    @pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""])
    def test_anything_but_json_is_415(self, client, space, content_type):
        response = client.generic("POST", "/api/v1/bookings", json.dumps(body()).encode(), content_type=content_type)
        assert response.status_code == 415 and error_of(response)["code"] == "unsupported_media_type"
        assert Booking.objects.count() == 0

    @pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'"text"', b"null", b"\xff\xfe", b"[" * 5000 + b"]" * 5000])
    def test_malformed_json_is_400(self, client, space, raw):
        response = client.generic("POST", "/api/v1/bookings", raw, content_type="application/json")
        assert response.status_code == 400 and error_of(response)["code"] in {"invalid_json", "validation_error"}
        assert Booking.objects.count() == 0

    def test_a_wrong_method_and_an_unknown_path_answer_in_the_error_shape(self, client, space):
        response = client.delete("/api/v1/bookings")
        assert response.status_code == 405 and error_of(response)["code"] == "method_not_allowed"
        response = client.get("/api/v1/nothing/here")
        assert response.status_code == 404 and error_of(response)["code"] == "not_found"

    def test_an_unexpected_failure_is_a_500_without_details(self, client, space, monkeypatch):
        def explode(**kwargs):
            raise RuntimeError("secret internals")

        monkeypatch.setattr("bookings.public.guests.booking_create", explode)
        response = post(client, body())
        error = error_of(response)
        assert response.status_code == 500 and error["code"] == "server_error" and "secret" not in response.content.decode()

    def test_bookings_from_one_address_are_rate_limited(self, client, studio, settings):
        settings.PUBLIC_RATE_LIMITS = {**settings.PUBLIC_RATE_LIMITS, "booking_ip": "2/h"}
        post(client, body())
        post(client, body(space="loft"))
        response = post(client, body(space="cyclorama"))
        assert response.status_code == 429 and int(response["Retry-After"]) > 0
        assert error_of(response)["code"] == "rate_limited" and Booking.objects.count() == 2

    def test_bookings_for_one_phone_are_rate_limited_across_addresses(self, client, studio, settings):
        settings.PUBLIC_RATE_LIMITS = {**settings.PUBLIC_RATE_LIMITS, "booking_phone": "1/h"}
        client.post("/api/v1/bookings", body(), content_type="application/json", REMOTE_ADDR="10.0.0.1")
        response = client.post("/api/v1/bookings", body(space="loft", clientPhone="89161234567"),
                               content_type="application/json", REMOTE_ADDR="10.0.0.2")
        assert response.status_code == 429 and response["Retry-After"] and Booking.objects.count() == 1


class BrokenCache:
    """A cache whose server is unreachable (except for the ``working`` operations, served from memory)."""

    def __init__(self, working=()):
        self.working, self.values = set(working), {}

    def _call(self, name, result):
        if name not in self.working:
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        return result

    def get(self, key, default=None):
        return self._call("get", self.values.get(key, default))

    def add(self, key, value, timeout=None):
        return self._call("add", self.values.setdefault(key, value) is value)

    def set(self, key, value, timeout=None):
        self._call("set", None)
        self.values[key] = value

    def delete(self, key):
        self._call("delete", None)
        self.values.pop(key, None)


class TestIdempotency:
    def test_a_retry_with_the_same_key_returns_the_first_answer(self, client, space):
        first = post(client, body(), **{"Idempotency-Key": "9b2f4c1e"})
        again = post(client, body(), **{"Idempotency-Key": "9b2f4c1e"})
        assert first.status_code == again.status_code == 201
        assert first.json() == again.json() and again["Idempotent-Replayed"] == "true"
        assert Booking.objects.count() == 1

    def test_the_same_key_with_another_body_is_422(self, client, studio):
        post(client, body(), **{"Idempotency-Key": "k-1"})
        response = post(client, body(space="loft"), **{"Idempotency-Key": "k-1"})
        assert response.status_code == 422 and error_of(response)["code"] == "idempotency_key_reused"
        assert Booking.objects.count() == 1

    def test_an_error_answer_is_replayed_too(self, client, space):
        first = post(client, body(promoCode="LATER"), **{"Idempotency-Key": "k-2"})
        PromoCodeFactory(code="LATER")
        again = post(client, body(promoCode="LATER"), **{"Idempotency-Key": "k-2"})
        assert first.status_code == again.status_code == 400 and first.json() == again.json()
        assert again["Idempotent-Replayed"] == "true" and Booking.objects.count() == 0

    def test_a_conflict_is_not_kept_so_a_retry_books_once_the_time_is_free(self, client, space):
        taken = BookingFactory(space=space, start=studio_time(2, 10), end=studio_time(2, 12))
        assert post(client, body(), **{"Idempotency-Key": "k-3"}).status_code == 409
        taken.delete()
        again = post(client, body(), **{"Idempotency-Key": "k-3"})
        assert again.status_code == 201 and "Idempotent-Replayed" not in again
        replay = post(client, body(), **{"Idempotency-Key": "k-3"})
        assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
        assert Booking.objects.count() == 1

    def test_a_booking_with_a_key_is_made_while_the_cache_is_down(self, client, space, monkeypatch):
        monkeypatch.setattr("bookings.public.idempotency.cache", BrokenCache())
        response = post(client, body(), **{"Idempotency-Key": "k-4"})
        assert response.status_code == 201 and Booking.objects.count() == 1

    def test_a_booking_stands_when_the_cache_fails_after_it_is_made(self, client, space, monkeypatch):
        monkeypatch.setattr("bookings.public.idempotency.cache", BrokenCache(working={"get", "add"}))
        response = post(client, body(), **{"Idempotency-Key": "k-5"})
        assert response.status_code == 201 and Booking.objects.count() == 1

    def test_an_unusable_key_is_400(self, client, space):
        response = post(client, body(), **{"Idempotency-Key": "x" * 300})
        assert response.status_code == 400 and error_of(response)["code"] == "invalid_idempotency_key"
        assert Booking.objects.count() == 0


class TestGuestView:
    @pytest.fixture
    def booking(self, space):
        guest = ClientFactory(phone="+79161234567")
        return BookingFactory(space=space, client=guest, reference="REF-20260315-QW3E",
                              start=studio_time(5, 10), end=studio_time(5, 12), state=BookingState.CONFIRMED)

    def test_reference_and_phone_show_the_booking(self, client, booking):
        response = client.get("/api/v1/bookings/ref-20260315-qw3e", {"phone": "8 916 123 45 67"})
        data = response.json()
        assert response.status_code == 200 and data["bookingReference"] == booking.reference
        assert data["state"] == "confirmed" and data["space"]["slug"] == "white" and "clientPhone" not in data

    @pytest.mark.parametrize("reference, phone", [
        ("REF-20260315-QW3E", "+79160000000"), ("REF-20260315-ZZZZ", "+79161234567"),
        ("REF-20260315-QW3E", "garbage"), ("%00", "+79161234567"),
    ])
    def test_any_mismatch_is_the_same_neutral_404(self, client, booking, reference, phone):
        response = client.get(f"/api/v1/bookings/{reference}", {"phone": phone})
        assert response.status_code == 404 and error_of(response) == {"code": "not_found", "message": NEUTRAL}

    def test_look_ups_are_rate_limited(self, client, booking, settings):
        settings.PUBLIC_RATE_LIMITS = {**settings.PUBLIC_RATE_LIMITS, "lookup_ip": "2/h"}
        for _ in range(2):
            client.get("/api/v1/bookings/REF-20260315-ZZZZ", {"phone": "+79161234567"})
        response = client.get(f"/api/v1/bookings/{booking.reference}", {"phone": "+79161234567"})
        assert response.status_code == 429 and response["Retry-After"]


class TestDocs:
    def test_the_openapi_document_describes_the_endpoints_and_the_body(self, client):
        schema = client.get("/api/v1/openapi.json").json()
        assert schema["openapi"].startswith("3.")
        assert {"/api/v1/availability", "/api/v1/bookings", "/api/v1/bookings/{reference}"} <= set(schema["paths"])
        booking_in = schema["components"]["schemas"]["BookingIn"]
        assert {"startTime", "clientPhone", "consent"} <= set(booking_in["properties"])
        assert booking_in["properties"]["clientName"]["maxLength"] == 150

    def test_real_answers_match_the_published_schema(self, client, studio, settings):
        """Every answer a website can get has the keys and types the OpenAPI document promises."""
        openapi = client.get("/api/v1/openapi.json").json()
        guest = ClientFactory(phone="+79161234567")
        BookingFactory(space=studio["white"], client=guest, start=studio_time(2, 14), end=studio_time(2, 16))
        EquipmentFactory(name="Softbox", stock=1)
        settings.PUBLIC_RATE_LIMITS = {**settings.PUBLIC_RATE_LIMITS, "lookup_ip": "2/h"}
        made = post(client, body(equipment=[{"name": "Softbox"}]))
        reference = made.json()["bookingReference"]
        answers = [
            ("/api/v1/availability", "get", client.get(f"/api/v1/availability?space=white&date={DAY:%Y-%m-%d}")),
            ("/api/v1/availability", "get", client.get("/api/v1/availability?space=white&date=2020-01-01")),
            ("/api/v1/availability", "get", client.get(f"/api/v1/availability?space=nowhere&date={DAY:%Y-%m-%d}")),
            ("/api/v1/bookings", "post", made),
            ("/api/v1/bookings", "post", post(client, body(startTime="14:00", endTime="15:00"))),
            ("/api/v1/bookings", "post", post(client, body(space="loft", equipment=[{"name": "Softbox"}]))),
            ("/api/v1/bookings", "post", post(client, body(clientPhone="12345"))),
            ("/api/v1/bookings", "post", client.post("/api/v1/bookings", "x", content_type="text/plain")),
            ("/api/v1/bookings", "post", post(client, body(startTime="18:00", endTime="19:00"), **{"Idempotency-Key": "k"})),
            ("/api/v1/bookings", "post", post(client, body(space="loft"), **{"Idempotency-Key": "k"})),
            ("/api/v1/bookings/{reference}", "get", client.get(f"/api/v1/bookings/{reference}", {"phone": "+79161234567"})),
            ("/api/v1/bookings/{reference}", "get", client.get("/api/v1/bookings/REF-20260101-ZZZZ", {"phone": "+79161234567"})),
            ("/api/v1/bookings/{reference}", "get", client.get("/api/v1/bookings/REF-20260101-ZZZZ", {"phone": "+79161234567"})),
        ]
        assert {response.status_code for _path, _method, response in answers} == {200, 201, 400, 404, 409, 415, 422, 429}
        for path, method, response in answers:
            declared = openapi["paths"][path][method]["responses"]
            assert str(response.status_code) in declared, (path, response.status_code)
            schema = declared[str(response.status_code)]["content"]["application/json"]["schema"]
            problems = schema_problems(response.json(), schema, openapi["components"]["schemas"])
            assert not problems, (path, response.status_code, problems)

    def test_the_docs_page_loads_nothing_from_a_cdn(self, client):
        response = client.get("/api/v1/docs")
        page = response.content.decode()
        assert response.status_code == 200 and "/api/v1/openapi.json" in page and "clientPhone" in page
        assert "cdn" not in page.lower() and "unpkg" not in page and "jsdelivr" not in page


def schema_problems(value, schema: dict, components: dict, where: str = "$") -> list[str]:
    """Where ``value`` does not fit ``schema`` (an OpenAPI 3.1 / JSON Schema subset: $ref, anyOf, types,
    enum, properties, required, additionalProperties, items); empty when it fits."""
    if "$ref" in schema:
        return schema_problems(value, components[schema["$ref"].rsplit("/", 1)[-1]], components, where)
    if "anyOf" in schema:
        options = [schema_problems(value, option, components, where) for option in schema["anyOf"]]
        return [] if any(not found for found in options) else min(options, key=len)
    if "enum" in schema and value not in schema["enum"]:
        return [f"{where}: {value!r} is not one of {schema['enum']}"]
    kinds = {"object": dict, "array": list, "string": str, "integer": int, "number": (int, float), "boolean": bool,
             "null": type(None)}
    kind = schema.get("type")
    if kind and (not isinstance(value, kinds[kind]) or (kind == "integer" and isinstance(value, bool))):
        return [f"{where}: {value!r} is not {kind}"]
    problems = []
    if kind == "object":
        properties = schema.get("properties", {})
        problems += [f"{where}: {name} is missing" for name in schema.get("required", []) if name not in value]
        for name, item in value.items():
            if name in properties:
                problems += schema_problems(item, properties[name], components, f"{where}.{name}")
            elif isinstance(schema.get("additionalProperties"), dict):
                problems += schema_problems(item, schema["additionalProperties"], components, f"{where}.{name}")
            elif properties or schema.get("additionalProperties") is False:
                problems.append(f"{where}: {name} is not in the schema")
    if kind == "array":
        for position, item in enumerate(value):
            problems += schema_problems(item, schema.get("items", {}), components, f"{where}[{position}]")
    return problems


class TestPhoneOutOfAddresses:
    @pytest.fixture
    def booking(self, space):
        guest = ClientFactory(phone="+79161234567")
        return BookingFactory(space=space, client=guest, reference="REF-20260315-QW3E",
                              start=studio_time(5, 10), end=studio_time(5, 12), state=BookingState.CONFIRMED)

    def test_the_phone_may_come_in_a_header_instead_of_the_address(self, client, booking):
        response = client.get(f"/api/v1/bookings/{booking.reference}", HTTP_X_CLIENT_PHONE="8 916 123 45 67")
        assert response.status_code == 200 and response.json()["bookingReference"] == booking.reference
        wrong = client.get(f"/api/v1/bookings/{booking.reference}", HTTP_X_CLIENT_PHONE="+79160000000")
        assert wrong.status_code == 404 and error_of(wrong)["message"] == NEUTRAL

    def test_without_any_phone_the_answer_says_where_to_give_it(self, client, booking):
        response = client.get(f"/api/v1/bookings/{booking.reference}")
        assert response.status_code == 400
        assert "X-Client-Phone" in error_of(response)["fields"]["phone"][0]

    def test_the_openapi_example_is_a_booking_the_studio_accepts(self, client, space):
        schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
        (example,) = schemas["BookingIn"]["examples"]
        assert schemas["BookingIn"]["properties"]["consent"]["enum"] == [True]
        response = post(client, example)
        assert response.status_code == 201, response.json()

    def test_the_documented_header_is_in_the_openapi_document(self, client):
        operation = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/bookings/{reference}"]["get"]
        assert {"phone", "X-Client-Phone"} <= {parameter["name"] for parameter in operation["parameters"]}

    def test_the_log_filter_hides_the_phone_in_an_access_line(self):
        record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                                   ("127.0.0.1:5000", "GET", "/api/v1/bookings/REF-20260315-QW3E?phone=%2B79161234567",
                                    "1.1", 200), None)
        HidePhones().filter(record)
        assert "79161234567" not in record.getMessage() and "phone=[hidden]" in record.getMessage()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("server", ["uvicorn", "daphne"])
def test_a_real_server_logs_guest_look_ups_without_the_phone(space, server):
    guest = ClientFactory(phone="+79161234567")
    BookingFactory(space=space, client=guest, reference="REF-20260315-QW3E", state=BookingState.CONFIRMED)
    with asgi_server(server=server) as url:
        with urllib.request.urlopen(f"{url}/api/v1/bookings/REF-20260315-QW3E?phone=%2B79161234567", timeout=10) as answer:
            assert answer.status == 200
        quote = (f"{url}/book/quote/?space={space.slug}&hours=2&client_name=Anna+Petrova"
                 "&client_phone=%2B7+916+123-45-67&client_email=anna%40example.com")
        urllib.request.urlopen(quote, timeout=10).read()
        port = url.rsplit(":", 1)[1]
        time.sleep(0.5)  # the access line is written after the answer
        log = Path(settings.BASE_DIR, "var", f"{server}-{port}.log").read_text()
    assert "/api/v1/bookings/REF-20260315-QW3E?phone=[hidden]" in log
    for personal in ("79161234567", "9161234567", "916+123-45-67", "anna%40example.com", "Anna+Petrova"):
        assert personal not in log, personal


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("server", ["daphne", "uvicorn"])
def test_every_server_answers_a_form_body_with_the_documented_415(server):
    bodies = [
        ("multipart/form-data; boundary=xyz", b"not a multipart body"),
        ("multipart/form-data; boundary=xyz", b'--xyz\r\nContent-Disposition: form-data; name="clientName"\r\n\r\nAnna\r\n--xyz--\r\n'),
        ("application/x-www-form-urlencoded", b"clientName=Anna&clientPhone=%2B79161234567"),
    ]
    with asgi_server(server=server) as url:
        for content_type, body in bodies:
            request = urllib.request.Request(f"{url}/api/v1/bookings", data=body, method="POST",
                                             headers={"Content-Type": content_type})
            try:
                urllib.request.urlopen(request, timeout=10)
            except urllib.error.HTTPError as error:
                status, answer = error.code, json.loads(error.read())
            assert (status, answer["error"]["code"]) == (415, "unsupported_media_type"), content_type


@pytest.mark.parametrize("path", ["/api/v1/availability", "/api/v1/bookings/REF-20270101-AAAA"])
def test_more_parameters_than_django_reads_is_a_400_in_the_error_shape(client, space, path):
    query = "&".join(f"a{n}=1" for n in range(1001))
    client.raise_request_exception = False
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400 and error_of(response)["code"] == "bad_request"
