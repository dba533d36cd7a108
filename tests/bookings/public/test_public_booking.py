"""The public booking page, as a guest reaches it: /book/ without JavaScript and with HTMX."""

import json
import re
from datetime import timedelta
from decimal import Decimal
from unittest.mock import patch

import pytest
from django.conf import settings
from django.utils import timezone

from bookings.models import Booking, BookingEquipment, BookingState, PromoCode, Space
from studio_crm.formatting import money, when
from tests.factories import (
    BookingFactory,
    CalendarBlockFactory,
    EquipmentFactory,
    PromoCodeFactory,
    studio_time,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_limits")]

DAY = studio_time(2, 10)


def alternatives(page: str) -> list[str]:
    """The times a conflict offers, as its "Take" buttons send them."""
    return re.findall(r'name="alternative" value="([^"]+)"', page)


def offered(page: str) -> list[str]:
    """The start times a guest can pick."""
    return re.findall(r'name="start" value="([^"]+)" required', page)


def unavailable(page: str) -> list[str]:
    """The free start times shown but not offered, because the chosen length does not fit from them."""
    return re.findall(r'name="start" value="([^"]+)" disabled', page)


def form(**overrides):
    data = {
        "space": "white", "date": f"{DAY:%Y-%m-%d}", "start": "10:00", "hours": "2",
        "client_name": "Irina Petrova", "client_phone": "+7 916 123-45-67", "client_email": "",
        "special_requirements": "", "promo_code": "", "consent": "on", "website": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


class TestChoosingASlot:
    def test_the_page_offers_every_active_hall_with_rate_and_capacity(self, client, studio):
        studio["loft"].is_active = False
        studio["loft"].save()
        page = client.get("/book/").content.decode()
        assert "White Hall" in page and "Cyclorama" in page and "Loft" not in page
        assert money(2500) == "₽2,500" and money(2500) in page and "up to 10 people" in page
        assert f'min="{timezone.localdate():%Y-%m-%d}"' in page

    def test_free_hours_of_the_day_are_offered_without_the_taken_ones(self, client, space):
        BookingFactory(space=space, start=studio_time(2, 12), end=studio_time(2, 14))
        CalendarBlockFactory(space=space, start=studio_time(2, 18), end=studio_time(2, 19))
        page = client.get(f"/book/?space=white&date={DAY:%Y-%m-%d}").content.decode()
        offered = {hour for hour in range(9, 22) if f'name="start" value="{hour:02d}:00"' in page}
        assert offered == set(range(9, 22)) - {12, 13, 18}
        assert "up to 3 h" in page  # 09:00 runs into the 12:00 booking

    def test_htmx_gets_only_the_steps_partial(self, client, space):
        response = client.get(f"/book/?space=white&date={DAY:%Y-%m-%d}", headers={"HX-Request": "true"})
        page = response.content.decode()
        assert 'name="start" value="10:00"' in page
        assert "<html" not in page and "Choose a hall" not in page

    @pytest.mark.parametrize("query, message", [
        ("space=white&date=2020-01-01", "That day has passed"),
        ("space=nowhere", "Choose one of our halls"),
    ])
    def test_past_days_and_unknown_halls_are_explained(self, client, studio, query, message):
        page = client.get(f"/book/?{query}").content.decode()
        assert message in page and 'name="start"' not in page

    def test_the_price_updates_with_length_equipment_and_promo(self, client, space):
        softbox = EquipmentFactory(name="Softbox", price=Decimal("500.00"), stock=2)
        PromoCodeFactory(code="SPRING10", value=Decimal("10"))
        response = client.get("/book/quote/", {"space": "white", "date": f"{DAY:%Y-%m-%d}", "start": "10:00",
                                               "hours": "2", f"equipment_{softbox.pk}": "1", "promo_code": "spring10"},
                              headers={"HX-Request": "true"})
        page = response.content.decode()
        # 2 h × 2,500 + 2 h × 500 = 6,000, minus 10 % = 5,400.
        assert money(6000) not in page and money(5400) in page and f"−{money(600)}" in page
        assert 'id="hours-field" hx-swap-oob' not in page  # the length choices stay as they are

    def test_the_length_offered_stops_at_the_next_booking(self, client, space):
        BookingFactory(space=space, start=studio_time(2, 13), end=studio_time(2, 15))
        page = client.get("/book/quote/", {"space": "white", "date": f"{DAY:%Y-%m-%d}", "start": "10:00",
                                           "hours": "5"}).content.decode()
        assert 'id="hours-field" hx-swap-oob="true"' in page
        assert '<option value="3" selected>3 hours</option>' in page and 'value="4"' not in page
        assert "10:00–13:00" in page


    def test_a_length_chosen_first_marks_the_starts_it_does_not_fit(self, client, space):
        BookingFactory(space=space, start=studio_time(2, 12), end=studio_time(2, 14))
        response = client.get("/book/quote/", {"space": "white", "date": f"{DAY:%Y-%m-%d}", "hours": "3",
                                               "length": "1"}, headers={"HX-Request": "true"})
        page = response.content.decode()
        assert 'id="slot-grid" hx-swap-oob="true"' in page
        assert offered(page) == ["09:00", *(f"{hour}:00" for hour in range(14, 20))]
        assert unavailable(page) == ["10:00", "11:00", "20:00", "21:00"] and "only 2 h" in page
        assert 'value="12:00"' not in page and 'value="13:00"' not in page  # taken: not even shown

    def test_the_chosen_start_stays_offered_whatever_the_length(self, client, space):
        BookingFactory(space=space, start=studio_time(2, 12), end=studio_time(2, 14))
        page = client.get(f"/book/?space=white&date={DAY:%Y-%m-%d}&start=11:00&hours=3").content.decode()
        assert "11:00" in offered(page) and "Only 1 hour free from 11:00" in page

    def test_a_quantity_or_promo_change_leaves_the_start_list_and_equipment_alone(self, client, space):
        EquipmentFactory(name="Softbox", stock=2)
        page = client.get("/book/quote/", {"space": "white", "date": f"{DAY:%Y-%m-%d}", "start": "10:00",
                                           "hours": "2"}, headers={"HX-Request": "true"}).content.decode()
        assert 'id="slot-grid"' not in page and 'id="equipment-field"' not in page


class TestEquipmentForTheTime:
    def test_before_a_time_is_chosen_no_count_is_promised(self, client, space):
        EquipmentFactory(name="Softbox", stock=3)
        page = client.get(f"/book/?space=white&date={DAY:%Y-%m-%d}").content.decode()
        assert "Pick a start time to see what is free then." in page
        assert "3 available" not in page and "of 3 free" not in page

    def test_units_free_for_the_chosen_time_not_the_stock(self, client, space, studio):
        softbox = EquipmentFactory(name="Softbox", stock=3)
        loan = BookingFactory(space=studio["loft"], start=studio_time(2, 11), end=studio_time(2, 13))
        BookingEquipment.objects.create(booking=loan, equipment=softbox, quantity=2, price=Decimal("1000"))
        page = client.get(f"/book/?space=white&date={DAY:%Y-%m-%d}&start=10:00&hours=2").content.decode()
        assert "What is free 10:00–12:00:" in page and "1 of 3 free" in page
        assert f'id="id_equipment_{softbox.pk}" min="0" max="1"' in page
        page = client.get(f"/book/?space=white&date={DAY:%Y-%m-%d}&start=13:00&hours=2").content.decode()
        assert "3 of 3 free" in page

    def test_booked_out_equipment_is_disabled_and_explained(self, client, space, studio):
        softbox = EquipmentFactory(name="Softbox", stock=1)
        loan = BookingFactory(space=studio["loft"], start=studio_time(2, 11), end=studio_time(2, 13))
        BookingEquipment.objects.create(booking=loan, equipment=softbox, quantity=1, price=Decimal("500"))
        page = client.get(f"/book/?space=white&date={DAY:%Y-%m-%d}&start=10:00&hours=2").content.decode()
        assert "booked out for these hours" in page
        assert "All units are out on other bookings at this time. Choose another start to add it." in page
        assert re.search(rf'id="id_equipment_{softbox.pk}" min="0" max="0" value="0"\s+inputmode="numeric" '
                         r'class="qty" disabled', page)

    def test_a_new_start_brings_the_equipment_free_then(self, client, space, studio):
        softbox = EquipmentFactory(name="Softbox", stock=2)
        loan = BookingFactory(space=studio["loft"], start=studio_time(2, 15), end=studio_time(2, 17))
        BookingEquipment.objects.create(booking=loan, equipment=softbox, quantity=1, price=Decimal("500"))
        page = client.get("/book/quote/", {"space": "white", "date": f"{DAY:%Y-%m-%d}", "start": "14:00",
                                           "hours": "2", "slot": "1"}, headers={"HX-Request": "true"}).content.decode()
        assert 'id="equipment-field" hx-swap-oob="true"' in page and "1 of 2 free" in page

    def test_more_than_is_free_keeps_the_price_without_it_and_says_why(self, client, space, studio):
        softbox = EquipmentFactory(name="Softbox", price=Decimal("500.00"), stock=2)
        loan = BookingFactory(space=studio["loft"], start=studio_time(2, 10), end=studio_time(2, 12))
        BookingEquipment.objects.create(booking=loan, equipment=softbox, quantity=1, price=Decimal("500"))
        page = client.get("/book/quote/", {"space": "white", "date": f"{DAY:%Y-%m-%d}", "start": "10:00",
                                           "hours": "2", f"equipment_{softbox.pk}": "2"},
                          headers={"HX-Request": "true"}).content.decode()
        assert money(5000) in page and "Only 1 free at this time." in page


class TestBooking:
    def test_a_guest_books_and_sees_the_confirmation(self, client, space):
        response = client.post("/book/", form())
        booking = Booking.objects.get()
        assert response.status_code == 302 and response["Location"] == f"/book/done/{booking.reference}/"
        assert booking.state == BookingState.PENDING and booking.source == "website"
        assert booking.client_phone == "+79161234567" and booking.total_price == Decimal("5000.00")
        assert booking.consent_policy_version and booking.consent_ip == "127.0.0.1" and booking.created_by is None
        page = client.get(response["Location"]).content.decode()
        assert booking.reference in page and money(5000) in page and "Pending" in page

    def test_the_confirmation_is_only_for_the_browser_that_booked(self, client, space):
        client.post("/book/", form())
        reference = Booking.objects.get().reference
        client.cookies.clear()
        assert client.get(f"/book/done/{reference}/").status_code == 404

    def test_html_in_name_and_notes_is_stored_as_text_and_shown_escaped(self, client, space):
        client.post("/book/", form(client_name="<script>alert(1)</script>", special_requirements="<b>bold</b>"))
        booking = Booking.objects.get()
        assert booking.client_name == "<script>alert(1)</script>"
        page = client.get(f"/book/done/{booking.reference}/").content.decode()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page

    def test_a_sent_price_is_ignored(self, client, space):
        client.post("/book/", form(total_price="1", base_price="1"))
        assert Booking.objects.get().total_price == Decimal("5000.00")

    @pytest.mark.parametrize("overrides, field_message", [
        ({"date": "2020-01-01"}, "That day has passed"),
        ({"start": "10:30"}, "Pick one of the free start times"),
        ({"start": "21:00", "hours": "3"}, "opening hours"),
        ({"space": "nowhere"}, "Choose one of our halls"),
        ({"consent": None}, "Please agree to the processing"),
        ({"client_phone": "12345"}, "Enter a valid phone number"),
        ({"client_name": "x" * 151}, "at most 150 characters"),
        ({"special_requirements": "x" * 2001}, "at most 2000 characters"),
        ({"client_email": "not-an-email"}, "valid email"),
    ])
    def test_bad_input_is_a_form_error_and_writes_nothing(self, client, space, overrides, field_message):
        response = client.post("/book/", form(**overrides))
        assert response.status_code == 400
        assert field_message in response.content.decode()
        assert Booking.objects.count() == 0

    @pytest.mark.parametrize("promo, message", [
        ({"valid_until": timezone.now() - timedelta(days=1)}, "has expired"),
        ({"usage_limit": 1, "times_used": 1}, "used up"),
    ])
    def test_expired_or_used_up_promo_codes_are_refused(self, client, space, promo, message):
        PromoCodeFactory(code="OLD", **promo)
        response = client.post("/book/", form(promo_code="old"))
        assert response.status_code == 400 and message in response.content.decode()
        assert Booking.objects.count() == 0 and PromoCode.objects.get().times_used == promo.get("times_used", 0)

    def test_equipment_beyond_stock_is_refused(self, client, space):
        softbox = EquipmentFactory(name="Softbox", stock=1)
        response = client.post("/book/", form(**{f"equipment_{softbox.pk}": "2"}))
        assert response.status_code == 400 and "less than or equal to 1" in response.content.decode()
        assert Booking.objects.count() == 0

    def test_equipment_out_on_another_booking_is_refused_on_its_field(self, client, space):
        softbox = EquipmentFactory(name="Softbox", stock=1)
        client.post("/book/", form(**{f"equipment_{softbox.pk}": "1"}))
        response = client.post("/book/", form(space="loft", client_phone="+7 916 765-43-21",
                                               **{f"equipment_{softbox.pk}": "1"}))
        assert response.status_code == 400
        assert "All booked at this time: choose another time or leave it out." in response.content.decode()
        assert Booking.objects.count() == 1

    def test_equipment_taken_meanwhile_is_a_conflict_with_times_it_is_free(self, client, space, studio):
        softbox = EquipmentFactory(name="Softbox", stock=1)
        loan = BookingFactory(space=studio["loft"], start=studio_time(2, 9), end=studio_time(2, 13))
        with patch("bookings.public.forms.equipment_free", lambda items, start, end: dict.fromkeys(items, 1)):
            BookingEquipment.objects.create(booking=loan, equipment=softbox, quantity=1, price=Decimal("500"))
            response = client.post("/book/", form(**{f"equipment_{softbox.pk}": "1"}))
        page = response.content.decode()
        assert response.status_code == 409 and "Only 0 × Softbox free" in page
        assert "the equipment you chose is taken" in page and "with your equipment" in page
        # The hall is free all day; the softbox from 13:00.
        assert alternatives(page)[0] == f"{DAY:%Y-%m-%d}T13:00"
        assert Booking.objects.count() == 1

    def test_a_slot_taken_meanwhile_offers_times_the_whole_length_fits(self, client, space):
        BookingFactory(space=space, start=studio_time(2, 11), end=studio_time(2, 12))
        response = client.post("/book/", form())
        page = response.content.decode()
        assert response.status_code == 409
        assert "that time was just taken" in page and "Free for all 2 hours, nearest first:" in page
        # 10:00 is free but for one hour only: it is not offered for a two-hour booking; 09:00–11:00 is.
        assert alternatives(page) == [f"{DAY:%Y-%m-%d}T{hour:02d}:00" for hour in (9, 12, 13, 14, 15)]
        assert "Take 09:00–11:00" in page and "Take 12:00–14:00" in page
        assert Booking.objects.count() == 1

    def test_after_a_conflict_the_start_list_shows_which_starts_fit_the_length(self, client, space):
        BookingFactory(space=space, start=studio_time(2, 11), end=studio_time(2, 12))
        page = client.post("/book/", form()).content.decode()
        assert offered(page) == ["09:00", *(f"{hour}:00" for hour in range(12, 21))]
        assert unavailable(page) == ["10:00", "21:00"]
        assert 'value="11:00"' not in page

    def test_taking_an_alternative_keeps_the_details_and_asks_to_confirm(self, client, space):
        response = client.post("/book/", form(alternative=f"{DAY:%Y-%m-%d}T12:00"))
        page = response.content.decode()
        assert response.status_code == 200 and Booking.objects.count() == 0
        assert "12:00 is selected" in page and re.search(r'value="12:00" required\s+checked', page)
        assert 'value="Irina Petrova"' in page

    def test_taking_an_alternative_on_another_day_moves_the_date(self, client, space):
        later = DAY + timedelta(days=1)
        response = client.post("/book/", form(alternative=f"{later:%Y-%m-%d}T14:00"))
        page = response.content.decode()
        assert response.status_code == 200
        assert f'name="date" value="{later:%Y-%m-%d}"' in page
        assert f"{when(later.replace(hour=14), 'short_datetime')} is selected" in page
        assert money(5000) in page

    def test_update_price_without_javascript_shows_the_price_and_books_nothing(self, client, space):
        response = client.post("/book/", form(action="quote", client_name=""))
        page = response.content.decode()
        assert response.status_code == 200 and money(5000) in page and "This field is required" not in page
        assert Booking.objects.count() == 0

    def test_the_honeypot_silently_refuses(self, client, space):
        response = client.post("/book/", form(website="http://spam.example"))
        assert response.status_code == 302 and response["Location"] == "/book/"
        assert Booking.objects.count() == 0

    def test_the_form_needs_the_csrf_token(self, space):
        from django.test import Client

        response = Client(enforce_csrf_checks=True).post("/book/", form())
        assert response.status_code == 403 and Booking.objects.count() == 0

    def test_too_many_bookings_from_one_address_get_429(self, client, studio, settings):
        settings.PUBLIC_RATE_LIMITS = {**settings.PUBLIC_RATE_LIMITS, "booking_ip": "2/h"}
        for hour in (10, 12):
            client.post("/book/", form(start=f"{hour}:00", client_phone=f"+7 916 123-45-{hour}"))
        response = client.post("/book/", form(start="15:00", client_phone="+7 916 123-45-15"))
        assert response.status_code == 429 and int(response["Retry-After"]) > 0
        assert "Too many attempts" in response.content.decode()
        assert Booking.objects.count() == 2

    def test_too_many_bookings_for_one_phone_get_429(self, client, studio, settings):
        settings.PUBLIC_RATE_LIMITS = {**settings.PUBLIC_RATE_LIMITS, "booking_phone": "1/h"}
        client.post("/book/", form())
        response = client.post("/book/", form(space="loft", client_phone="8 (916) 123-45-67"))
        assert response.status_code == 429 and response["Retry-After"]
        assert Booking.objects.count() == 1


class TestLookUpLimits:
    """Slot look-ups and price quotes run a free-slot search and may test a promo code: they are counted too."""

    def test_too_many_price_quotes_get_429_with_a_notice(self, client, space, settings):
        settings.PUBLIC_RATE_LIMITS = {**settings.PUBLIC_RATE_LIMITS, "quote_ip": "2/h"}
        PromoCodeFactory(code="SPRING10", value=Decimal("10"))
        query = {"space": "white", "date": f"{DAY:%Y-%m-%d}", "start": "10:00", "hours": "2"}
        for guess in ("AAAA", "BBBB"):
            assert client.get("/book/quote/", {**query, "promo_code": guess}).status_code == 200
        response = client.get("/book/quote/", {**query, "promo_code": "SPRING10"}, headers={"HX-Request": "true"})
        assert response.status_code == 429 and int(response["Retry-After"]) > 0
        assert json.loads(response["HX-Trigger"])["toast"]["level"] == "error"
        assert "4,500" not in response.content.decode()

    def test_too_many_slot_look_ups_get_429_without_slots(self, client, space, settings):
        settings.PUBLIC_RATE_LIMITS = {**settings.PUBLIC_RATE_LIMITS, "quote_ip": "1/h"}
        assert client.get("/book/").status_code == 200  # the bare page looks nothing up
        client.get(f"/book/?space=white&date={DAY:%Y-%m-%d}")
        response = client.get(f"/book/?space=white&date={DAY+timedelta(days=1):%Y-%m-%d}")
        page = response.content.decode()
        assert response.status_code == 429 and "Too many attempts" in page and 'name="start"' not in page

    def test_update_price_without_javascript_counts_as_a_look_up(self, client, space, settings):
        settings.PUBLIC_RATE_LIMITS = {**settings.PUBLIC_RATE_LIMITS, "quote_ip": "1/h"}
        client.post("/book/", form(action="quote"))
        response = client.post("/book/", form(action="quote", promo_code="GUESS"))
        assert response.status_code == 429 and Booking.objects.count() == 0

    def test_price_updates_and_alternatives_do_not_use_up_the_booking_limit(self, client, space, settings):
        settings.PUBLIC_RATE_LIMITS = {**settings.PUBLIC_RATE_LIMITS, "booking_ip": "1/h"}
        client.post("/book/", form(action="quote"))
        client.post("/book/", form(alternative=f"{DAY:%Y-%m-%d}T12:00"))
        response = client.post("/book/", form())
        assert response.status_code == 302 and Booking.objects.count() == 1


def test_a_hall_colour_from_before_validation_never_reaches_the_page(client, studio):
    Space.objects.filter(slug="white").update(colour="red;a:b")  # the column holds 7 characters
    page = client.get("/book/").content.decode()
    assert "red;a:b" not in page and "--space-colour: #8a94a3" in page


def test_the_privacy_policy_shows_the_version_in_force(client, owner):
    from compliance.services import policy_publish

    policy_publish(version="2026-07", text="What the studio keeps, and why.", by=owner)
    page = client.get("/book/privacy/").content.decode()
    assert "Policy version 2026-07" in page and "What the studio keeps, and why." in page


def test_the_book_page_runs_the_same_queries_for_few_and_many_bookings(client, studio, django_assert_num_queries):
    url = f"/book/?space=white&date={DAY:%Y-%m-%d}"
    EquipmentFactory.create_batch(2)
    BookingFactory(space=studio["white"], start=studio_time(2, 9), end=studio_time(2, 10))
    client.get(url)
    with django_assert_num_queries(7) as few:  # two of them read the day's opening hours
        client.get(url)
    for hour in range(10, 21, 2):
        BookingFactory(space=studio["white"], start=studio_time(2, hour), end=studio_time(2, hour + 1))
    EquipmentFactory.create_batch(5)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(url)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/login/", "/book/", "/book/lookup/"])
def test_a_form_body_in_a_charset_django_cannot_read_is_a_400_page_not_a_500(path):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True, raise_request_exception=False)
    browser.get("/login/")
    token = browser.cookies[settings.CSRF_COOKIE_NAME].value
    response = browser.generic("POST", path, "username=owner".encode("utf-16"),
                               content_type="application/x-www-form-urlencoded; charset=utf-16",
                               HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 400, response.status_code
    assert "could not read" in response.content.decode()


def test_a_name_with_control_characters_is_refused_as_the_api_refuses_it(client, space):
    from bookings.public.forms import GuestDetailsForm

    form = GuestDetailsForm({"client_name": "A\x01B", "client_phone": "+7 916 123-45-67", "consent": "on"})
    assert not form.is_valid() and "control characters" in " ".join(form.errors["client_name"])
