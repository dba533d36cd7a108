"""Returning clients at the desk: a new booking from a client card or a booking comes with the client filled in,
and the booking form offers known clients as their name or phone is typed."""

import re
from decimal import Decimal
from html import unescape

import pytest
from django.utils import translation

from bookings.models import Booking, BookingEquipment
from tests.factories import BookingFactory, ClientFactory, EquipmentFactory, studio_time
from tests.languages import english_leaks, in_russian

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def regular(studio):
    """Irina books the White Hall from 14:00 for three hours with two softboxes; Boris only ever books the Loft."""
    irina = ClientFactory(name="Irina Petrova", phone="+79161234567", email="irina@example.com")
    softbox = EquipmentFactory(name="Softbox", price=Decimal("500.00"), stock=4)
    booking = BookingFactory(space=studio["white"], client=irina, client_name="Irina Petrova",
                             client_phone="+79161234567", client_email="irina@example.com",
                             start=studio_time(-7, 14), end=studio_time(-7, 17), state="completed")
    BookingEquipment.objects.create(booking=booking, equipment=softbox, quantity=2, price=Decimal("3000"))
    boris = ClientFactory(name="Boris Ivanov", phone="+79165550000")
    loft = BookingFactory(space=studio["loft"], client=boris, client_name="Boris Ivanov",
                          client_phone="+79165550000", start=studio_time(-3, 10), end=studio_time(-3, 12))
    return {"irina": irina, "booking": booking, "softbox": softbox, "boris": boris, "loft_booking": loft}


def initial(response) -> dict:
    assert response.status_code == 200
    return response.context["form"].initial


class TestBookAgain:
    def test_new_booking_from_a_client_card_fills_in_the_client(self, staff_client, admin, regular):
        client = staff_client(admin)
        card = client.get(f"/clients/{regular['irina'].pk}/").content.decode()
        assert f'/bookings/new/?client={regular["irina"].pk}"' in card
        form = initial(client.get("/bookings/new/", {"client": regular["irina"].pk}))
        assert (form["client_name"], form["client_phone"], form["client_email"]) == (
            "Irina Petrova", regular["irina"].phone_display, "irina@example.com")
        assert "space" not in form and "date" not in form

    def test_book_again_from_a_booking_repeats_the_client_hall_hours_and_equipment(self, staff_client, admin, regular):
        client = staff_client(admin)
        booking = regular["booking"]
        detail = client.get(f"/bookings/{booking.pk}/").content.decode()
        assert f"/bookings/new/?again={booking.pk}" in detail
        card = client.get(f"/clients/{regular['irina'].pk}/").content.decode()
        assert f"/bookings/new/?again={booking.pk}" in card  # each booking on the card too
        form = initial(client.get("/bookings/new/", {"again": booking.pk}))
        assert form["client_name"] == "Irina Petrova" and form["client_email"] == "irina@example.com"
        assert (form["space"], form["start_time"], form["hours"]) == ("white", 14, 3)
        assert form[f"equipment_{regular['softbox'].pk}"] == 2
        assert "date" not in form  # the new day is the client's to choose

    def test_the_rebooked_form_books_the_same_client(self, staff_client, admin, regular):
        client = staff_client(admin)
        form = initial(client.get("/bookings/new/", {"again": regular["booking"].pk}))
        data = {key: value for key, value in form.items() if value is not None}
        data.update(date=studio_time(3, 14).date().isoformat(), source="phone")
        response = client.post("/bookings/new/", data)
        assert response.status_code == 302
        made = Booking.objects.latest("pk")
        assert made.client == regular["irina"] and made.duration_hours == 3
        assert made.equipment_lines.get().quantity == 2

    def test_an_explicit_space_or_start_wins_over_the_booking_repeated(self, staff_client, admin, regular):
        client = staff_client(admin)
        start = studio_time(5, 11)
        form = initial(client.get("/bookings/new/", {"again": regular["booking"].pk, "space": "loft",
                                                     "start": start.isoformat()}))
        assert (form["space"], form["start_time"], form["date"]) == ("loft", 11, start.date())
        assert form["client_name"] == "Irina Petrova"

    def test_a_manager_gets_nothing_prefilled_from_another_hall(self, staff_client, manager, regular):
        client = staff_client(manager)
        assert "client_name" not in initial(client.get("/bookings/new/", {"client": regular["boris"].pk}))
        assert "client_name" not in initial(client.get("/bookings/new/", {"again": regular["loft_booking"].pk}))
        assert initial(client.get("/bookings/new/", {"client": regular["irina"].pk}))["client_name"] == "Irina Petrova"

    @pytest.mark.parametrize("query", ["client=abc", "client=999999", "again=-1", "again=1e9", "client="])
    def test_a_nonsense_prefill_is_ignored(self, staff_client, admin, regular, query):
        form = initial(staff_client(admin).get(f"/bookings/new/?{query}"))
        assert "client_name" not in form

    def test_the_client_list_books_a_client_in_one_click(self, staff_client, admin, regular):
        html = staff_client(admin).get("/clients/").content.decode()
        assert f'/bookings/new/?client={regular["irina"].pk}"' in html


class TestSuggestions:
    def suggest(self, client, **typed):
        response = client.get("/bookings/clients/", typed, headers=HTMX)
        assert response.status_code == 200
        return response

    def names(self, response) -> list[str]:
        return [unescape(name) for name in re.findall(r'data-name="([^"]*)"', response.content.decode())]

    def test_the_form_asks_for_suggestions_as_the_name_or_phone_is_typed(self, staff_client, admin, studio):
        html = staff_client(admin).get("/bookings/new/").content.decode()
        assert html.count('hx-get="/bookings/clients/"') == 2
        assert 'id="client-suggestions"' in html

    def test_an_edit_keeps_its_client_and_asks_for_none(self, staff_client, admin, regular):
        booking = BookingFactory(space=regular["booking"].space, client=regular["irina"], start=studio_time(4, 10))
        html = staff_client(admin).get(f"/bookings/{booking.pk}/edit/").content.decode()
        assert 'hx-get="/bookings/clients/"' not in html

    @pytest.mark.parametrize("typed", [{"client_name": "irina"}, {"client_name": "Petrova"},
                                       {"client_phone": "4567"}, {"client_phone": "45-67"},
                                       {"client_phone": "8 916 123-45-67"}])
    def test_a_known_client_is_offered_by_name_or_phone(self, staff_client, admin, regular, typed):
        response = self.suggest(staff_client(admin), **typed)
        assert self.names(response) == ["Irina Petrova"]
        html = response.content.decode()
        assert "<html" not in html
        assert 'data-name="Irina Petrova"' in html and f'data-phone="{regular["irina"].phone_display}"' in html
        assert 'data-email="irina@example.com"' in html

    @pytest.mark.parametrize("typed", [{"client_name": "I"}, {"client_phone": "45"}, {"client_phone": "+7 9"}, {}])
    def test_too_little_typed_offers_nobody_and_says_nothing(self, staff_client, admin, regular, typed):
        response = self.suggest(staff_client(admin), **typed)
        assert self.names(response) == []
        assert "No known client matches" not in response.content.decode()

    def test_no_match_says_a_new_card_will_be_made(self, staff_client, admin, regular):
        response = self.suggest(staff_client(admin), client_name="Nobody Known")
        assert "No known client matches" in response.content.decode()

    def test_a_manager_is_offered_only_the_clients_of_their_halls(self, staff_client, manager, regular):
        client = staff_client(manager)
        assert self.names(self.suggest(client, client_name="Boris")) == []
        assert self.names(self.suggest(client, client_phone="0000")) == []
        assert self.names(self.suggest(client, client_name="Irina")) == ["Irina Petrova"]

    def test_a_flagged_client_is_offered_with_the_flag(self, staff_client, admin, regular):
        regular["irina"].do_not_book = True
        regular["irina"].save()
        html = self.suggest(staff_client(admin), client_name="Irina").content.decode()
        assert "Do not book" in html

    def test_at_most_six_are_offered(self, staff_client, admin, space):
        for i in range(9):
            BookingFactory(space=space, client=ClientFactory(name=f"Anna Smirnova {i}"), start=studio_time(2 + i, 10))
        assert len(self.names(self.suggest(staff_client(admin), client_name="smirnova"))) == 6

    def test_anonymous_is_sent_to_sign_in(self, client, regular):
        assert client.get("/bookings/clients/", {"client_name": "Irina"}).status_code == 302


class TestInRussian:
    NAMES = ["Irina Petrova", "Boris Ivanov", "White Hall", "Loft", "Cyclorama", "Softbox", "Olga Owner", "email"]

    def test_the_rebooked_form_and_the_suggestions(self, staff_client, owner, regular):
        client = staff_client(in_russian(owner))
        html = client.get("/bookings/new/", {"again": regular["booking"].pk}).content.decode()
        assert english_leaks(html, allowed=self.NAMES) == []
        assert "Постоянный клиент?" in html and "Создать бронь" in html
        found = client.get("/bookings/clients/", {"client_name": "Irina"}, headers=HTMX).content.decode()
        assert english_leaks(found, allowed=self.NAMES) == []
        none = client.get("/bookings/clients/", {"client_name": "Никто"}, headers=HTMX).content.decode()
        assert "Такого клиента ещё нет" in none

    def test_the_client_card_and_list(self, staff_client, owner, regular):
        client = staff_client(in_russian(owner))
        for url in (f"/clients/{regular['irina'].pk}/", "/clients/"):
            html = client.get(url).content.decode()
            assert english_leaks(html, allowed=self.NAMES) == [], url
            assert "Забронировать" in html

    @pytest.mark.parametrize("count, words", [(1, "Выбрана 1 бронь"), (2, "Выбрано 2 брони"), (5, "Выбрано 5 броней"),
                                              (11, "Выбрано 11 броней"), (21, "Выбрана 21 бронь"),
                                              (22, "Выбрано 22 брони")])
    def test_the_count_of_ticked_bookings(self, count, words):
        with translation.override("ru"):
            text = translation.ngettext("%(counter)s booking selected", "%(counter)s bookings selected", count)
        assert text % {"counter": count} == words
