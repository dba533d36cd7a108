"""/clients/ and /clients/ID/: every guest with their figures; a manager sees their spaces' guests."""

from decimal import Decimal

import pytest

from bookings import pagination, reports
from bookings.models import Booking, BookingState, Client
from tests.bulk import bulk_bookings, queries_for
from tests.factories import BookingFactory, ClientFactory, studio_time

pytestmark = pytest.mark.django_db


@pytest.fixture
def guests(studio):
    irina = ClientFactory(name="Irina Petrova", phone="+79161234567")
    boris = ClientFactory(name="Boris Ivanov", phone="+79165550000", notes="Prefers mornings")
    BookingFactory(space=studio["white"], client=irina, start=studio_time(-5, 10), state=BookingState.COMPLETED,
                   total_price=Decimal("5000"))
    BookingFactory(space=studio["white"], client=irina, start=studio_time(-3, 10), state=BookingState.NO_SHOW,
                   total_price=Decimal("5000"))
    BookingFactory(space=studio["loft"], client=irina, start=studio_time(2, 10), state=BookingState.CONFIRMED,
                   total_price=Decimal("6000"))
    BookingFactory(space=studio["loft"], client=boris, start=studio_time(3, 10), total_price=Decimal("6000"))
    return {"irina": irina, "boris": boris}


def names(response):
    return [client.name for client in response.context["page"].object_list]


class TestList:
    def test_every_guest_with_figures(self, staff_client, admin, guests):
        client = staff_client(admin)
        response = client.get("/clients/")
        assert names(response) == ["Boris Ivanov", "Irina Petrova"]
        irina = response.context["page"].object_list[1]
        assert (irina.visits, irina.no_shows, irina.booking_count) == (1, 1, 3)
        assert irina.total_spent == Decimal("11000")
        assert irina.last_visit == studio_time(-5, 10)
        assert "Prefers mornings" in response.content.decode()

    @pytest.mark.parametrize("typed", ["petr", "8 916 123-45-67", "+7 (916) 1234567"])
    def test_search_by_name_or_exact_phone(self, staff_client, admin, guests, typed):
        client = staff_client(admin)
        assert names(client.get("/clients/", {"q": typed})) == ["Irina Petrova"]

    def test_fewer_than_four_digits_of_a_phone_find_nobody(self, staff_client, admin, guests):
        client = staff_client(admin)
        assert names(client.get("/clients/", {"q": "567"})) == []

    def test_each_row_books_the_client(self, staff_client, admin, guests):
        html = staff_client(admin).get("/clients/").content.decode()
        assert f'/bookings/new/?client={guests["irina"].pk}"' in html

    def test_do_not_book_filter_and_sorting(self, staff_client, admin, guests):
        Client.objects.filter(pk=guests["boris"].pk).update(do_not_book=True)
        client = staff_client(admin)
        assert names(client.get("/clients/?do_not_book=on")) == ["Boris Ivanov"]
        assert names(client.get("/clients/?sort=spent")) == ["Irina Petrova", "Boris Ivanov"]

    def test_a_manager_sees_guests_of_their_spaces_and_only_those_bookings(self, staff_client, manager, guests):
        client = staff_client(manager)
        response = client.get("/clients/")
        assert names(response) == ["Irina Petrova"]
        irina = response.context["page"].object_list[0]
        assert (irina.booking_count, irina.total_spent) == (2, Decimal("5000"))

    def test_htmx_gets_only_the_results(self, staff_client, admin, guests):
        client = staff_client(admin)
        html = client.get("/clients/?q=boris", headers={"HX-Request": "true"}).content.decode()
        assert "<html" not in html and "Boris Ivanov" in html and "Irina" not in html


def test_the_list_runs_the_same_queries_for_10_and_1000_bookings(staff_client, owner, manager, studio):
    bulk_bookings(studio["white"], 10, clients=10)
    client = staff_client(owner)
    few = queries_for(client, "/clients/?sort=spent")
    client = staff_client(manager)
    few_manager = queries_for(client, "/clients/?sort=spent")
    bulk_bookings(studio["white"], 990, clients=200, prefix="C")
    client = staff_client(owner)
    assert queries_for(client, "/clients/?sort=spent") == few
    client = staff_client(manager)
    assert queries_for(client, "/clients/?sort=spent") == few_manager


class TestCard:
    def test_the_card(self, staff_client, admin, guests):
        client = staff_client(admin)
        response = client.get(f"/clients/{guests['irina'].pk}/")
        html = response.content.decode()
        assert "Irina Petrova" in html and "+7 916 123-45-67" in html
        assert len(response.context["bookings"]) == 3
        assert response.context["client"].total_spent == Decimal("11000")

    def test_notes_and_the_do_not_book_flag_are_editable(self, staff_client, manager, guests):
        client = staff_client(manager)
        response = client.post(f"/clients/{guests['irina'].pk}/update/",
                               {"notes": "Broke a lamp", "do_not_book": "on"}, follow=True)
        assert "Flagged “do not book”" in response.content.decode()
        irina = Client.objects.get(pk=guests["irina"].pk)
        assert (irina.notes, irina.do_not_book) == ("Broke a lamp", True)
        client.post(f"/clients/{guests['irina'].pk}/update/", {"notes": "Paid for the lamp"})
        assert not Client.objects.get(pk=guests["irina"].pk).do_not_book

    def test_a_manager_gets_404_for_a_guest_of_other_spaces(self, staff_client, manager, guests):
        client = staff_client(manager)
        boris = guests["boris"]
        assert client.get(f"/clients/{boris.pk}/").status_code == 404
        assert client.post(f"/clients/{boris.pk}/update/", {"do_not_book": "on"}).status_code == 404
        assert not Client.objects.get(pk=boris.pk).do_not_book

    def test_a_manager_sees_only_their_spaces_bookings_on_the_card(self, staff_client, manager, guests):
        client = staff_client(manager)
        response = client.get(f"/clients/{guests['irina'].pk}/")
        assert {booking.space.slug for booking in response.context["bookings"]} == {"white"}

    def test_anonymous_is_sent_to_sign_in(self, client, guests):
        assert client.get(f"/clients/{guests['irina'].pk}/").status_code == 302


def test_a_long_history_says_it_is_cut_and_links_to_the_rest(staff_client, admin, space):
    regular = ClientFactory(name="Regular Guest", phone="+79167770000")
    bookings = bulk_bookings(space, 103, clients=1)
    Client.objects.filter(pk=bookings[0].client_id).update(name="Bulk Guest")
    guest = Client.objects.get(pk=bookings[0].client_id)
    BookingFactory(space=space, client=regular)
    client = staff_client(admin)
    html = client.get(f"/clients/{guest.pk}/").content.decode()
    assert "Showing the latest 100 of 103 bookings" in html
    link = f"/bookings/?q={guest.phone.replace('+', '%2B')}"
    assert link in html
    assert client.get(link).context["page"].paginator.count == 103
    assert "Showing the latest" not in client.get(f"/clients/{regular.pk}/").content.decode()


@pytest.mark.parametrize("url", ["/clients/", "/clients/?q=guest", "/clients/?sort=visits"])
def test_the_list_by_name_or_figure_runs_the_same_queries_for_few_and_many_clients(staff_client, owner, manager,
                                                                                    studio, url):
    bulk_bookings(studio["white"], 10, clients=5)
    owners, managers = staff_client(owner), staff_client(manager)
    few, few_manager = queries_for(owners, url), queries_for(managers, url)
    bulk_bookings(studio["white"], 990, clients=300, prefix="D")
    bulk_bookings(studio["loft"], 500, clients=100, prefix="E")
    assert queries_for(owners, url) == few
    assert queries_for(managers, url) == few_manager


def test_the_page_by_name_shows_the_figures_that_sorting_by_them_counts(staff_client, manager, studio):
    bulk_bookings(studio["white"], 50, clients=4)
    bulk_bookings(studio["loft"], 50, clients=4, prefix="L")
    shown = staff_client(manager).get("/clients/").context["page"].object_list
    figures = ("booking_count", "visits", "no_shows", "total_spent", "last_visit")
    counted = reports.clients_with_figures(Client.objects.filter(bookings__space=studio["white"]).distinct(),
                                           [studio["white"]])
    assert {c.pk: [getattr(c, f) for f in figures] for c in shown} == {
        c.pk: [getattr(c, f) for f in figures] for c in counted}
    assert len(shown) == 4 and all(c.booking_count and c.total_spent for c in shown)


def test_the_card_runs_the_same_queries_for_a_short_and_a_long_history(staff_client, admin, space):
    guest = Client.objects.get(pk=bulk_bookings(space, 5, clients=1)[0].client_id)
    client = staff_client(admin)
    few = queries_for(client, f"/clients/{guest.pk}/")
    bulk_bookings(space, 500, clients=20, prefix="H")
    Booking.objects.filter(client__name__startswith="Guest H").update(client=guest)
    assert queries_for(client, f"/clients/{guest.pk}/") == few


@pytest.mark.parametrize("sort", ["name", "spent"])
def test_past_the_count_cap_the_list_says_more_than_and_counts_no_further(staff_client, owner, space, sort,
                                                                         monkeypatch):
    monkeypatch.setattr(pagination, "LIST_COUNT_CAP", 30)
    bulk_bookings(space, 40, clients=40)
    ClientFactory(name="Irina Petrova"), ClientFactory(name="Pavel Petrov")
    client = staff_client(owner)

    html = client.get("/clients/", {"sort": sort}).content.decode()
    assert "More than 30</strong> clients" in html and "Page 1 of 2+" in html
    narrowed = client.get("/clients/", {"q": "petrov", "sort": sort}).content.decode()
    assert "<strong>2</strong> clients" in narrowed and "More than 30" not in narrowed
