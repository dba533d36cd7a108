"""Generated hostile bodies for POST /api/v1/bookings: never a 500, never a booking from a bad request."""

import json

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings.models import Booking
from tests.factories import EquipmentFactory, PromoCodeFactory, SpaceFactory, studio_time

pytestmark = pytest.mark.django_db

DAY = studio_time(2, 10)
VALID = {
    "date": f"{DAY:%Y-%m-%d}", "startTime": "10:00", "endTime": "12:00", "space": "white",
    "clientName": "Irina Petrova", "clientPhone": "+7 916 123-45-67", "consent": True,
}
ERROR_STATUSES = {400, 409, 413, 415, 422, 429}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
hostile_text = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["", " ", "10:30", "24:00", "99:99", "-1", "2020-01-01", "0001-01-01", "9999-12-31",
                     "<script>alert(1)</script>", "\x00", "' OR 1=1 --", "white", "WHITE", "white\n", "１０:００"]),
)
field_values = st.one_of(json_values, hostile_text)
mutated = st.fixed_dictionaries(
    {},
    optional=dict.fromkeys([*VALID, "clientEmail", "promoCode", "specialRequirements"], field_values)
    | {"equipment": st.one_of(json_values, st.lists(st.fixed_dictionaries(
        {}, optional={"id": st.one_of(st.integers(), hostile_text), "name": hostile_text,
                      "quantity": st.one_of(st.integers(), hostile_text)}), max_size=4))},
)


@pytest.fixture
def scene(db):
    SpaceFactory(name="White Hall", slug="white")
    EquipmentFactory(name="Softbox", stock=1)
    PromoCodeFactory(code="SPRING10")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=mutated, whole=st.one_of(st.none(), json_values))
def test_generated_bodies_never_break_the_api(scene, changes, whole):
    payload = whole if whole is not None else {**VALID, **changes}
    with override_settings(PUBLIC_RATE_LIMITS={}):
        cache.clear()
        before = Booking.objects.count()
        response = Client().post("/api/v1/bookings", json.dumps(payload), content_type="application/json")
    assert response["Content-Type"] == "application/json"
    data = response.json()
    if response.status_code == 201:
        assert Booking.objects.count() == before + 1
        booking = Booking.objects.get(reference=data["bookingReference"])
        assert booking.source == "website" and booking.total_price >= 0
        booking.delete()
    else:
        assert response.status_code in ERROR_STATUSES, data
        assert set(data) == {"error"} and data["error"]["code"] and data["error"]["message"]
        assert Booking.objects.count() == before
