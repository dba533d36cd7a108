"""/bookings/new/ and /bookings/ID/edit/: staff book and reschedule through the forms."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from bookings.models import Booking, BookingEquipment, BookingSource, BookingState
from bookings.services import booking_create, booking_update
from tests.factories import BookingFactory, ClientFactory, EquipmentFactory, PromoCodeFactory, studio_time

pytestmark = pytest.mark.django_db


def form_data(space="white", days=2, hour=10, hours=2, **extra):
    return {
        "space": space, "date": studio_time(days, hour).date().isoformat(), "start_time": hour, "hours": hours,
        "client_name": "Irina Petrova", "client_phone": "8 916 123-45-67", "client_email": "irina@example.com",
        "promo_code": "", "source": BookingSource.PHONE, "special_requirements": "", "notes": "",
        "internal_notes": "", **extra,
    }


class TestCreate:
    def test_a_booking_made_from_the_form(self, staff_client, admin, studio):
        softbox = EquipmentFactory(name="Softbox", price=Decimal("500.00"), stock=3)
        PromoCodeFactory(code="SPRING", value=Decimal("10"))
        client = staff_client(admin)
        response = client.post("/bookings/new/", form_data(
            space="loft", hours=3, promo_code="spring", internal_notes="Pays by invoice",
            **{f"equipment_{softbox.pk}": 2}), follow=True)
        booking = Booking.objects.get()
        assert response.redirect_chain[-1][0] == f"/bookings/{booking.pk}/"
        assert f"Booking {booking.reference} created" in response.content.decode()
        assert (booking.space.slug, booking.start, booking.end) == ("loft", studio_time(2, 10), studio_time(2, 13))
        assert booking.client_phone == "+79161234567" and booking.created_by == admin
        # 3 h × 3000 + 2 softboxes × 3 h × 500 = 12 000, less 10%
        assert booking.total_price == Decimal("10800.00")
        assert booking.internal_notes == "Pays by invoice"
        assert BookingEquipment.objects.get().quantity == 2

    def test_a_price_sent_by_the_browser_is_ignored(self, staff_client, admin, studio):
        client = staff_client(admin)
        client.post("/bookings/new/", form_data(total_price="1", base_price="1"))
        assert Booking.objects.get().total_price == Decimal("5000.00")

    def test_a_conflict_is_a_form_error_naming_the_time_and_offering_free_slots(self, staff_client, admin, space):
        booking_create(by=None, space=space, start=studio_time(2, 10), end=studio_time(2, 12),
                       client_name="First", client_phone="+79160000001")
        client = staff_client(admin)
        response = client.post("/bookings/new/", form_data(hour=11))
        assert response.status_code == 200
        errors = response.context["form"].non_field_errors()
        assert "White Hall is already booked" in errors[0] and "10:00–12:00" in errors[0]
        assert "Free for the whole length" in errors[0] and "12:00–14:00" in errors[0]
        assert [slot.start for slot in response.context["alternatives"]][:1] == [studio_time(2, 12)]
        assert response.context["form"]["client_name"].value() == "Irina Petrova"
        assert Booking.objects.count() == 1

    @pytest.mark.parametrize("changes, field, message", [
        ({"client_phone": "12"}, "client_phone", "valid phone"),
        ({"hours": 20}, "hours", "1 to 12 hours"),
        ({"days": -1}, "start_time", "already passed"),
        ({"hour": 21, "hours": 3}, "start_time", "opening hours"),
        ({"promo_code": "NOPE"}, "promo_code", "no such promo code"),
        ({"client_name": ""}, "client_name", "required"),
    ])
    def test_bad_input_is_a_field_error_and_nothing_is_written(self, staff_client, admin, space, changes, field, message):
        client = staff_client(admin)
        response = client.post("/bookings/new/", form_data(**changes))
        assert response.status_code == 200
        assert message in " ".join(response.context["form"].errors[field])
        assert not Booking.objects.exists()

    def test_a_manager_cannot_book_another_space(self, staff_client, manager, studio):
        client = staff_client(manager)
        response = client.post("/bookings/new/", form_data(space="loft"))
        assert "space" in response.context["form"].errors
        assert not Booking.objects.exists()

    def test_prefilled_from_the_calendar_link(self, staff_client, admin, studio):
        client = staff_client(admin)
        start = studio_time(4, 15)
        response = client.get("/bookings/new/", {"space": "loft", "start": start.isoformat()})
        form = response.context["form"]
        assert form.initial["space"] == "loft"
        assert (form.initial["date"], form.initial["start_time"]) == (start.date(), 15)
        assert response.context["preview"]["slots"]  # the free hours of that day are shown at once
        # An unencoded "+03:00" offset (a hand-written link) still works.
        raw = client.get(f"/bookings/new/?space=loft&start={start.isoformat()}")
        assert raw.context["form"].initial["start_time"] == 15

    def test_a_nonsense_prefill_is_ignored(self, staff_client, admin, studio):
        client = staff_client(admin)
        response = client.get("/bookings/new/?space=nowhere&start=2026-13-45T99:00")
        assert response.status_code == 200
        assert "space" not in response.context["form"].initial


class TestPreview:
    def test_free_slots_and_price(self, staff_client, admin, space):
        BookingFactory(space=space, start=studio_time(2, 10), end=studio_time(2, 12))
        lamp = EquipmentFactory(name="Lamp", price=Decimal("300.00"))
        client = staff_client(admin)
        day = studio_time(2, 0).date().isoformat()
        response = client.get("/bookings/preview/", {"space": "white", "date": day, "start_time": 14, "hours": 2,
                                                     f"equipment_{lamp.pk}": 1}, headers={"HX-Request": "true"})
        html = response.content.decode()
        assert "<html" not in html
        assert ">10:00<" not in html and ">11:00<" not in html and ">12:00<" in html
        assert "Total</td><td>₽5,600" in html  # 2 h × 2500 + 2 h × 300

    def test_a_do_not_book_phone_is_warned_about(self, staff_client, admin, space):
        ClientFactory(name="Trouble Maker", phone="+79161234567", do_not_book=True)
        client = staff_client(admin)
        response = client.get("/bookings/preview/", {"client_phone": "8 (916) 123-45-67"})
        assert "Do not book." in response.content.decode()
        assert "Trouble Maker" in response.content.decode()

    def test_the_warning_also_shows_on_the_form_after_posting(self, staff_client, admin, space):
        ClientFactory(name="Trouble Maker", phone="+79161234567", do_not_book=True)
        client = staff_client(admin)
        response = client.post("/bookings/new/", form_data(hours=30))
        assert "Do not book." in response.content.decode()

    def test_an_unusable_promo_code_is_explained(self, staff_client, admin, space):
        PromoCodeFactory(code="OLD", is_active=False)
        client = staff_client(admin)
        response = client.get("/bookings/preview/", {"space": "white", "date": studio_time(2, 0).date().isoformat(),
                                                     "start_time": 10, "hours": 1, "promo_code": "old"})
        assert "no longer active" in response.content.decode()

    def test_garbage_is_harmless(self, staff_client, admin, space):
        client = staff_client(admin)
        response = client.get("/bookings/preview/", {"space": "white", "date": "yesterday", "start_time": "x",
                                                     "hours": "-3", "client_phone": "abc"})
        assert response.status_code == 200


def start_options(html: str) -> dict[str, str]:
    """The start list's options by hour ("14") and how each reads: its label, and "disabled" when it is."""
    select = re.search(r'<select name="start_time"[^>]*>(.*?)</select>', html, re.S).group(1)
    return {value: ("disabled " if " disabled" in attrs else "") + label
            for value, attrs, label in re.findall(r'<option value="(\d+)"([^>]*)>([^<]*)</option>', select)}


class TestStartList:
    """The staff form's start list never offers a taken hour, and says which starts the length does not fit."""

    def test_the_form_disables_the_taken_hours_of_the_prefilled_day(self, staff_client, admin, space):
        BookingFactory(space=space, start=studio_time(2, 14), end=studio_time(2, 16))
        client = staff_client(admin)
        html = client.get("/bookings/new/", {"space": "white", "start": studio_time(2, 10).isoformat()}).content.decode()
        options = start_options(html)
        assert options["14"] == "disabled 14:00 — not free" and options["15"] == "disabled 15:00 — not free"
        assert options["13"] == "13:00 — only 1 hour free"  # two hours asked for by default
        assert options["10"] == "10:00" and options["16"] == "16:00"

    def test_the_preview_brings_the_list_in_line_with_the_day_chosen(self, staff_client, admin, space):
        BookingFactory(space=space, start=studio_time(3, 9), end=studio_time(3, 12))
        client = staff_client(admin)
        response = client.get("/bookings/preview/", {"space": "white", "date": studio_time(3).date().isoformat(),
                                                     "start_time": 12, "hours": 3}, headers={"HX-Request": "true"})
        html = response.content.decode()
        assert 'hx-swap-oob="innerHTML:#id_start_time"' in html
        options = start_options(html)
        assert [hour for hour, label in options.items() if label.startswith("disabled")] == ["9", "10", "11"]
        assert options["12"] == "12:00" and '<option value="12" selected>' in html
        assert options["20"] == "20:00 — only 2 hours free"  # the studio closes at 22:00

    def test_a_chosen_hour_that_is_taken_stays_chosen_so_its_error_names_the_clash(self, staff_client, admin, space):
        BookingFactory(space=space, start=studio_time(2, 10), end=studio_time(2, 12))
        client = staff_client(admin)
        response = client.post("/bookings/new/", form_data(hour=10))
        options = start_options(response.content.decode())
        assert options["10"] == "10:00 — not free" and options["11"] == "disabled 11:00 — not free"
        assert '<option value="10" selected>' in response.content.decode()

    def test_a_rescheduled_booking_s_own_hours_are_offered(self, staff_client, admin, space):
        booking = BookingFactory(space=space, start=studio_time(2, 14), end=studio_time(2, 16))
        BookingFactory(space=space, start=studio_time(2, 17), end=studio_time(2, 18))
        options = start_options(staff_client(admin).get(f"/bookings/{booking.pk}/edit/").content.decode())
        assert options["14"] == "14:00" and options["15"] == "15:00"
        assert options["16"] == "16:00 — only 1 hour free" and options["17"] == "disabled 17:00 — not free"

    def test_before_a_space_and_day_are_chosen_every_hour_is_offered(self, staff_client, admin, space):
        options = start_options(staff_client(admin).get("/bookings/new/").content.decode())
        assert options and not any(label.startswith("disabled") or "—" in label for label in options.values())


class TestEdit:
    @pytest.fixture
    def booking(self, space, admin):
        return booking_create(space=space, start=studio_time(2, 10), end=studio_time(2, 12),
                              client_name="Irina Petrova", client_phone="+79161234567", by=admin)

    def edit_data(self, booking, **changes):
        return {key: value for key, value in form_data(**changes).items() if key != "promo_code"} | {
            "version": changes.get("version", booking.version)}

    def test_the_form_is_filled_with_the_booking(self, staff_client, admin, booking):
        client = staff_client(admin)
        form = client.get(f"/bookings/{booking.pk}/edit/").context["form"]
        assert (form.initial["space"], form.initial["start_time"], form.initial["hours"]) == ("white", 10, 2)
        assert form.initial["version"] == booking.version

    def test_reschedule(self, staff_client, admin, booking):
        client = staff_client(admin)
        response = client.post(f"/bookings/{booking.pk}/edit/", self.edit_data(booking, hour=14, hours=3))
        assert response.status_code == 302
        booking.refresh_from_db()
        assert (booking.start, booking.end, booking.total_price) == (studio_time(2, 14), studio_time(2, 17),
                                                                    Decimal("7500.00"))
        assert booking.updated_by == admin

    def test_a_stale_edit_keeps_the_form_and_says_so(self, staff_client, admin, booking):
        loaded = booking.version
        booking_update(booking=booking, version=loaded, by=admin, notes="changed meanwhile")
        client = staff_client(admin)
        response = client.post(f"/bookings/{booking.pk}/edit/",
                               self.edit_data(booking, hour=15, version=loaded, client_name="Someone Else"))
        assert response.status_code == 200
        assert "changed by someone else" in response.context["form"].non_field_errors()[0]
        assert response.context["form"]["client_name"].value() == "Someone Else"
        booking.refresh_from_db()
        assert booking.start == studio_time(2, 10) and booking.client_name == "Irina Petrova"

    def test_a_conflicting_reschedule_is_a_form_error(self, staff_client, admin, booking, space):
        BookingFactory(space=space, start=studio_time(2, 15), end=studio_time(2, 17), state=BookingState.CONFIRMED)
        client = staff_client(admin)
        response = client.post(f"/bookings/{booking.pk}/edit/", self.edit_data(booking, hour=14, hours=2))
        assert "already booked" in response.context["form"].non_field_errors()[0]
        booking.refresh_from_db()
        assert booking.start == studio_time(2, 10)

    def test_a_final_booking_cannot_be_rescheduled(self, staff_client, admin, space):
        done = BookingFactory(space=space, start=studio_time(3, 10), state=BookingState.CANCELLED)
        client = staff_client(admin)
        response = client.post(f"/bookings/{done.pk}/edit/", self.edit_data(done, days=4))
        assert "cannot be changed" in response.context["form"].non_field_errors()[0]

    def test_a_manager_cannot_edit_another_spaces_booking(self, staff_client, manager, studio):
        other = BookingFactory(space=studio["loft"])
        client = staff_client(manager)
        assert client.get(f"/bookings/{other.pk}/edit/").status_code == 404
        response = client.post(f"/bookings/{other.pk}/edit/", self.edit_data(other, space="loft", days=5))
        assert response.status_code == 404
        other.refresh_from_db()
        assert other.start == studio_time(1, 10)

    def test_a_manager_cannot_move_a_booking_into_another_space(self, staff_client, manager, booking):
        client = staff_client(manager)
        response = client.post(f"/bookings/{booking.pk}/edit/", self.edit_data(booking, space="loft"))
        assert "space" in response.context["form"].errors
        booking.refresh_from_db()
        assert booking.space.slug == "white"

    def test_end_to_end_times_are_whole_hours_in_the_studio_zone(self, staff_client, admin, booking):
        client = staff_client(admin)
        client.post(f"/bookings/{booking.pk}/edit/", self.edit_data(booking, hour=9, hours=1))
        booking.refresh_from_db()
        assert booking.end - booking.start == timedelta(hours=1)


def test_the_date_field_shows_the_prefilled_date_to_the_browser(staff_client, admin, studio):
    client = staff_client(admin)
    start = studio_time(4, 15)
    html = client.get("/bookings/new/", {"space": "loft", "start": start.isoformat()}).content.decode()
    assert f'type="date" name="date" value="{start.date().isoformat()}"' in html


class TestOutOfRangeValues:
    """Hand-edited links and query strings are ignored or refused, never a server error."""

    @pytest.mark.parametrize("params", [
        {"start_time": 25}, {"start_time": -1}, {"start_time": 3}, {"hours": 999999999}, {"hours": 0},
        {"hours": "99999999999999999999999"}, {"date": "9999-12-31"}, {"date": "0001-01-01"},
        {"date": "9999-12-31", "start_time": 21, "hours": 12},
    ])
    def test_the_preview_ignores_values_the_form_does_not_offer(self, staff_client, admin, space, params):
        client = staff_client(admin)
        query = {"space": "white", "date": studio_time(2, 0).date().isoformat(), "start_time": 10, "hours": 2} | params
        response = client.get("/bookings/preview/", query, headers={"HX-Request": "true"})
        assert response.status_code == 200
        assert "Total</td>" not in response.content.decode()  # no price for a choice the form does not offer

    @pytest.mark.parametrize("query", [
        "start=9999-12-31T23:00-05:00", "start=0001-01-01T00:00%2B05:00", "start=2026-01-01T03:00",
        "date=9999-12-31", "date=0001-01-01", "start=2026-06-01T10:00%2B99:00",
    ])
    def test_a_prefill_out_of_range_is_ignored(self, staff_client, admin, space, query):
        client = staff_client(admin)
        response = client.get(f"/bookings/new/?space=white&{query}")
        assert response.status_code == 200
        initial = response.context["form"].initial
        assert initial.get("start_time", 10) in range(9, 22)
        assert initial.get("date") is None or initial["date"].year < 9999

    def test_a_date_far_ahead_on_the_form_is_a_field_error(self, staff_client, admin, space):
        client = staff_client(admin)
        data = form_data(hour=21, hours=12) | {"date": "9999-12-31"}
        response = client.post("/bookings/new/", data)
        assert response.status_code == 200
        assert "date" in response.context["form"].errors
        assert not Booking.objects.exists()


class TestReturningClientName:
    def test_a_manager_is_not_told_the_name_of_another_space_s_client(self, staff_client, manager, studio):
        stranger = ClientFactory(name="Loft Regular", phone="+79161112233")
        BookingFactory(space=studio["loft"], client=stranger)
        client = staff_client(manager)
        html = client.get("/bookings/preview/", {"client_phone": "+7 916 111-22-33"}).content.decode()
        assert "Loft Regular" not in html and "Returning client" not in html

    def test_a_manager_sees_the_name_of_their_own_space_s_client(self, staff_client, manager, studio):
        regular = ClientFactory(name="White Regular", phone="+79161112233")
        BookingFactory(space=studio["white"], client=regular)
        client = staff_client(manager)
        html = client.get("/bookings/preview/", {"client_phone": "+7 916 111-22-33"}).content.decode()
        assert "Returning client: White Regular" in html

    def test_a_flag_on_a_client_the_manager_may_not_see_is_still_warned_about_without_name_or_notes(
            self, staff_client, manager, studio):
        stranger = ClientFactory(name="Loft Trouble", phone="+79161112233", do_not_book=True,
                                 notes="Broke a lamp in March")
        BookingFactory(space=studio["loft"], client=stranger)
        client = staff_client(manager)
        html = client.get("/bookings/preview/", {"client_phone": "+7 916 111-22-33"}).content.decode()
        assert "Do not book." in html and "flagged" in html
        assert "Loft Trouble" not in html and "Broke a lamp" not in html


class TestDoNotBookOnSave:
    @pytest.fixture
    def flagged(self, studio):
        return ClientFactory(name="Trouble Maker", phone="+79161234567", do_not_book=True)

    def test_a_flagged_phone_is_refused_until_the_box_is_ticked(self, staff_client, admin, space, flagged):
        client = staff_client(admin)
        response = client.post("/bookings/new/", form_data())
        assert response.status_code == 200
        assert "flagged “do not book”" in " ".join(response.context["form"].errors["client_phone"])
        assert "book anyway" in response.content.decode()
        assert not Booking.objects.exists()

    def test_ticking_book_anyway_makes_the_booking(self, staff_client, admin, space, flagged):
        client = staff_client(admin)
        response = client.post("/bookings/new/", form_data(book_anyway="on"))
        assert response.status_code == 302
        assert Booking.objects.get().client == flagged

    def test_an_unflagged_phone_books_without_the_box(self, staff_client, admin, space):
        client = staff_client(admin)
        response = client.post("/bookings/new/", form_data())
        assert response.status_code == 302
        assert "book anyway" not in client.get("/bookings/new/").content.decode()

    def test_changing_a_booking_s_phone_to_a_flagged_one_needs_the_box(self, staff_client, admin, space, flagged):
        booking = booking_create(space=space, start=studio_time(2, 10), end=studio_time(2, 12),
                                 client_name="Irina Petrova", client_phone="+79160000001", by=admin)
        client = staff_client(admin)
        data = {key: value for key, value in form_data().items() if key != "promo_code"} | {"version": booking.version}
        refused = client.post(f"/bookings/{booking.pk}/edit/", data)
        assert "client_phone" in refused.context["form"].errors
        booking.refresh_from_db()
        assert booking.client_phone == "+79160000001"
        saved = client.post(f"/bookings/{booking.pk}/edit/", data | {"book_anyway": "on"})
        assert saved.status_code == 302
        booking.refresh_from_db()
        assert booking.client == flagged

    def test_editing_a_flagged_client_s_booking_without_changing_the_phone_needs_no_box(
            self, staff_client, admin, space, flagged):
        booking = BookingFactory(space=space, client=flagged, start=studio_time(2, 10), end=studio_time(2, 12))
        client = staff_client(admin)
        data = {key: value for key, value in form_data(hour=14).items() if key != "promo_code"} | {
            "version": booking.version, "client_phone": flagged.phone}
        assert client.post(f"/bookings/{booking.pk}/edit/", data).status_code == 302


class TestNoLongerOffered:
    def test_equipment_deactivated_since_booking_is_kept_on_edit(self, staff_client, admin, space):
        lamp = EquipmentFactory(name="Old Lamp", price=Decimal("300.00"), stock=2)
        booking = booking_create(space=space, start=studio_time(2, 10), end=studio_time(2, 12),
                                 client_name="Irina Petrova", client_phone="+79161234567",
                                 equipment={lamp: 1}, by=admin)
        total = booking.total_price
        lamp.is_active = False
        lamp.save()
        client = staff_client(admin)
        form_page = client.get(f"/bookings/{booking.pk}/edit/")
        assert "Old Lamp" in form_page.content.decode()
        data = {key: value for key, value in form_data(notes="Bring tea").items() if key != "promo_code"} | {
            "version": booking.version, f"equipment_{lamp.pk}": 1}
        assert client.post(f"/bookings/{booking.pk}/edit/", data).status_code == 302
        booking.refresh_from_db()
        assert booking.notes == "Bring tea" and booking.total_price == total
        assert [(line.equipment, line.quantity) for line in booking.equipment_lines.all()] == [(lamp, 1)]

    def test_equipment_no_longer_offered_can_be_removed(self, staff_client, admin, space):
        lamp = EquipmentFactory(name="Old Lamp", price=Decimal("300.00"), stock=2)
        booking = booking_create(space=space, start=studio_time(2, 10), end=studio_time(2, 12),
                                 client_name="Irina Petrova", client_phone="+79161234567",
                                 equipment={lamp: 1}, by=admin)
        lamp.is_active = False
        lamp.save()
        client = staff_client(admin)
        data = {key: value for key, value in form_data().items() if key != "promo_code"} | {
            "version": booking.version, f"equipment_{lamp.pk}": 0}
        assert client.post(f"/bookings/{booking.pk}/edit/", data).status_code == 302
        booking.refresh_from_db()
        assert not booking.equipment_lines.exists() and booking.total_price == Decimal("5000.00")

    def test_a_booking_in_a_space_closed_to_new_bookings_can_still_be_edited(self, staff_client, admin, space):
        booking = booking_create(space=space, start=studio_time(2, 10), end=studio_time(2, 12),
                                 client_name="Irina Petrova", client_phone="+79161234567", by=admin)
        space.is_active = False
        space.save()
        client = staff_client(admin)
        assert client.get(f"/bookings/{booking.pk}/edit/").context["form"]["space"].value() == "white"
        data = {key: value for key, value in form_data(hour=14).items() if key != "promo_code"} | {
            "version": booking.version}
        response = client.post(f"/bookings/{booking.pk}/edit/", data)
        assert response.status_code == 302, response.context["form"].errors
        booking.refresh_from_db()
        assert booking.start == studio_time(2, 14)
        # ...but a new booking cannot go there.
        assert "space" in client.post("/bookings/new/", form_data()).context["form"].errors


def test_a_stale_edit_offers_to_reload_whatever_the_wording(staff_client, admin, space):
    booking = booking_create(space=space, start=studio_time(2, 10), end=studio_time(2, 12),
                             client_name="Irina Petrova", client_phone="+79161234567", by=admin)
    loaded = booking.version
    booking_update(booking=booking, version=loaded, by=admin, notes="changed meanwhile")
    client = staff_client(admin)
    data = {key: value for key, value in form_data().items() if key != "promo_code"} | {"version": loaded}
    response = client.post(f"/bookings/{booking.pk}/edit/", data)
    assert response.context["stale"] is True
    assert "Reload the current details" in response.content.decode()
    conflict = client.post(f"/bookings/{booking.pk}/edit/", data | {"version": booking.version + 1, "hours": 99})
    assert conflict.context["stale"] is False
