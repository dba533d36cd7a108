"""Finding clients and bookings as the reception types: phone digits, names in any case and order, emails,
references; the header's search; the migration that makes the clients already there findable."""

import importlib

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import ngettext

from bookings.models import Client
from bookings.pii import blind_index
from bookings.search import (
    bookings_matching,
    clients_matching,
    email_index,
    phone_tail_index,
    search_key,
)
from bookings.services import client_for_phone
from tests.factories import BookingFactory, ClientFactory, studio_time
from tests.languages import english_leaks, in_russian

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def found(text, clients=None):
    return set(clients_matching(clients if clients is not None else Client.objects.all(), text)
               .values_list("name", flat=True))


@pytest.fixture
def guests(db):
    return {
        "anna": ClientFactory(name="Анна Петрова", phone="+79161234567", email="Anna.Petrova@Example.com"),
        "semyon": ClientFactory(name="Семён  Королёв", phone="+79037654321"),
        "irina": ClientFactory(name="Irina Smirnova", phone="+79269994567"),
        "boris": ClientFactory(name="Борис Орлов", phone="+79161110000"),
    }


# --- The keys -----------------------------------------------------------------------------------------


def test_the_search_key_folds_case_reads_yo_as_ye_and_collapses_spaces():
    assert search_key("  СЕМЁН   Королёв ") == "семен королев"
    assert search_key("Ёлкина Irina") == "елкина irina"


def test_the_indexes_are_keyed_and_tell_nothing_of_the_digits():
    assert phone_tail_index("+79161234567") == phone_tail_index("+7 903 000-45-67") != phone_tail_index("+79161234568")
    assert "4567" not in phone_tail_index("+79161234567")
    assert phone_tail_index("") == "" and phone_tail_index("123") == ""
    assert email_index(" Anna@Example.COM ") == email_index("anna@example.com") != ""
    assert email_index("") == ""


def test_a_card_keeps_its_search_fields_when_its_name_phone_or_email_changes(guests):
    anna = guests["anna"]
    assert anna.search_name == "анна петрова"
    assert anna.phone_tail_index == phone_tail_index("+79161234567")
    anna.name = "Анна Сидорова"
    anna.save(update_fields=["name"])
    anna.refresh_from_db()
    assert anna.search_name == "анна сидорова"
    # A returning guest's first email, as the booking services write it.
    client = client_for_phone(phone="+79037654321", name="Семён Королёв", email="Semyon@Example.com")
    client.refresh_from_db()
    assert client.email_index == email_index("semyon@example.com")


# --- What finds whom ------------------------------------------------------------------------------------


def test_the_last_four_digits_find_the_clients_whose_phone_ends_in_them(guests):
    assert found("4567") == {"Анна Петрова", "Irina Smirnova"}
    assert found("45-67") == {"Анна Петрова", "Irina Smirnova"}
    assert found("0000") == {"Борис Орлов"}
    assert found("9999") == set()


def test_seven_digits_tell_apart_phones_that_end_in_the_same_four(guests):
    assert found("1234567") == {"Анна Петрова"}
    assert found("123-45-67") == {"Анна Петрова"}
    assert found("999 45 67") == {"Irina Smirnova"}
    assert found("5554567") == set()


@pytest.mark.parametrize("typed", ["+79161234567", "+7 (916) 123-45-67", "8 916 123 45 67", "9161234567"])
def test_a_whole_phone_in_any_format_finds_its_client(guests, typed):
    assert found(typed) == {"Анна Петрова"}


@pytest.mark.parametrize("typed", ["петрова", "ПЕТРОВА", "Петр", "анна петрова", "Петрова Анна", "  петрова   анна "])
def test_names_match_in_any_case_and_word_order_in_cyrillic(guests, typed):
    assert found(typed) == {"Анна Петрова"}


@pytest.mark.parametrize("typed", ["семен королев", "Семён", "королёв", "КОРОЛЕВ Семен"])
def test_ye_finds_yo_and_yo_finds_ye(guests, typed):
    assert found(typed) == {"Семён  Королёв"}


def test_every_word_must_be_in_the_name(guests):
    assert found("Анна Орлова") == set()
    assert found("irina smirnova") == found("SMIRNOVA irina") == {"Irina Smirnova"}


def test_an_email_finds_its_client_whatever_its_case(guests):
    assert found("anna.petrova@example.com") == {"Анна Петрова"}
    assert found("ANNA.PETROVA@EXAMPLE.COM") == {"Анна Петрова"}
    assert found("petrova@example.com") == set()


def test_the_search_stays_inside_the_clients_it_is_given(guests):
    only_irina = Client.objects.filter(pk=guests["irina"].pk)
    assert found("4567", only_irina) == {"Irina Smirnova"}


def test_bookings_are_found_by_a_part_of_their_reference_in_any_case_or_by_their_client(studio, guests):
    first = BookingFactory(space=studio["white"], client=guests["anna"], reference="REF-20270301-KX7M")
    second = BookingFactory(space=studio["loft"], client=guests["irina"], start=studio_time(2, 10),
                            reference="REF-20270302-AB2C")
    bookings = BookingFactory._meta.model.objects.all()
    assert set(bookings_matching(bookings, "REF-20270301-KX7M")) == {first}
    assert set(bookings_matching(bookings, "kx7m")) == {first}
    assert set(bookings_matching(bookings, "ref-202703")) == {first, second}
    assert set(bookings_matching(bookings, "4567")) == {first, second}
    assert set(bookings_matching(bookings, "1234567")) == {first}
    assert set(bookings_matching(bookings, "ПЕТРОВА анна")) == {first}


def test_a_booking_is_found_by_the_email_written_on_it_though_its_card_has_another(studio, guests):
    own = BookingFactory(space=studio["white"], client=guests["irina"], client_email="Irina.Work@Example.com")
    BookingFactory(space=studio["loft"], client=guests["irina"], start=studio_time(2, 10))
    bookings = BookingFactory._meta.model.objects.all()
    assert set(bookings_matching(bookings, "irina.work@example.com")) == {own}
    assert set(bookings_matching(bookings, "anna.petrova@example.com")) == set()


# --- Pages ------------------------------------------------------------------------------------------------


def test_the_client_list_finds_by_the_last_digits_and_by_a_cyrillic_name_in_any_case(staff_client, owner, guests):
    client = staff_client(owner)
    page = client.get("/clients/", {"q": "4567"}).content.decode()
    assert "Анна Петрова" in page and "Irina Smirnova" in page and "Борис Орлов" not in page
    page = client.get("/clients/", {"q": "ОРЛОВ"}).content.decode()
    assert "Борис Орлов" in page and "Анна Петрова" not in page


def test_a_manager_does_not_find_another_halls_client_or_booking(staff_client, manager, studio, guests):
    BookingFactory(space=studio["white"], client=guests["anna"], reference="REF-20270301-KX7M")
    BookingFactory(space=studio["loft"], client=guests["irina"], reference="REF-20270301-LOFT")
    client = staff_client(manager)
    page = client.get("/clients/", {"q": "4567"}).content.decode()
    assert "Анна Петрова" in page and "Irina Smirnova" not in page
    dropdown = client.get("/search/", {"q": "4567"}, **HTMX).content.decode()
    assert "Анна Петрова" in dropdown and "Irina Smirnova" not in dropdown and "REF-20270301-LOFT" not in dropdown
    # Nor by the other hall's whole reference or the other client's whole phone: no shortcut to their pages.
    response = client.get("/search/", {"q": "REF-20270301-LOFT"})
    assert response.status_code == 200 and "Irina Smirnova" not in response.content.decode()
    response = client.get("/search/", {"q": "+7 926 999-45-67"})
    assert response.status_code == 200 and "Irina Smirnova" not in response.content.decode()


def test_the_header_search_lists_clients_and_bookings_as_one_types(staff_client, admin, studio, guests):
    booking = BookingFactory(space=studio["white"], client=guests["anna"], reference="REF-20270301-KX7M")
    response = staff_client(admin).get("/search/", {"q": "4567"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert f'href="/clients/{guests["anna"].pk}/"' in html and f'href="/bookings/{booking.pk}/"' in html
    assert 'role="listbox"' in html and html.count('role="option"') == 3  # two clients, one booking
    assert 'data-summary="3 results"' in html


def test_the_header_search_says_when_nothing_is_found_and_waits_for_two_characters(staff_client, admin, guests):
    client = staff_client(admin)
    assert "Nothing found" in client.get("/search/", {"q": "Zzyzx"}, **HTMX).content.decode()
    assert client.get("/search/", {"q": "a"}, **HTMX).content.decode().strip() == ""


def test_the_search_page_lists_what_the_box_finds(staff_client, admin, studio, guests):
    BookingFactory(space=studio["white"], client=guests["anna"], reference="REF-20270301-KX7M")
    page = staff_client(admin).get("/search/", {"q": "петрова"}).content.decode()
    assert "Анна Петрова" in page and "REF-20270301-KX7M" in page and 'role="search"' in page


def test_a_whole_reference_or_a_sole_whole_phone_opens_its_page(staff_client, admin, studio, guests):
    booking = BookingFactory(space=studio["white"], client=guests["anna"], reference="REF-20270301-KX7M")
    client = staff_client(admin)
    assert client.get("/search/", {"q": "ref-20270301-kx7m"})["Location"] == f"/bookings/{booking.pk}/"
    assert client.get("/search/", {"q": "8 (916) 123-45-67"})["Location"] == f"/clients/{guests['anna'].pk}/"
    # As one types, the box lists them instead.
    assert client.get("/search/", {"q": "REF-20270301-KX7M"}, **HTMX).status_code == 200


def test_the_header_search_box_is_on_every_staff_page(staff_client, owner):
    html = staff_client(owner).get("/dashboard/").content.decode()
    assert 'role="search"' in html and 'id="header-search-input"' in html and 'hx-get="/search/"' in html
    assert 'aria-keyshortcuts="/ Control+K Meta+K"' in html


def test_the_search_costs_a_fixed_number_of_queries(staff_client, admin, studio):
    def queries_to_find(text):
        signed_in.get("/search/", {"q": text})  # the session's first writes are not the search's
        with CaptureQueriesContext(connection) as context:
            signed_in.get("/search/", {"q": text})
        return len(context.captured_queries)

    for n in range(12):
        client = ClientFactory(name=f"Петрова {n}", phone=f"+7916{n:03d}0000")
        BookingFactory(space=studio["white"], client=client, start=studio_time(1 + n, 10))
    ClientFactory(name="Орлова", phone="+79035551111")
    signed_in = staff_client(admin)
    assert queries_to_find("петрова") == queries_to_find("орлова")
    assert queries_to_find("0000") == queries_to_find("1111")


# --- In Russian ---------------------------------------------------------------------------------------------


def test_the_search_page_and_the_box_read_in_russian(staff_client, owner, studio, guests):
    BookingFactory(space=studio["white"], client=guests["anna"], reference="REF-20270301-KX7M")
    client = staff_client(in_russian(owner))
    names = ["Irina Smirnova", "White Hall", "Olga Owner", settings.STUDIO_NAME[:1]]
    page = client.get("/search/", {"q": "4567"}).content.decode()
    assert english_leaks(page, allowed=names) == []
    assert "Клиенты" in page and "Бронирования" in page
    dropdown = client.get("/search/", {"q": "4567"}, **HTMX).content.decode()
    assert english_leaks(dropdown, allowed=names) == []
    assert "Все результаты" in dropdown and 'data-summary="3 результата"' in dropdown
    nothing = client.get("/search/", {"q": "Zzyzx"}, **HTMX).content.decode()
    assert "ничего не найдено" in nothing and english_leaks(nothing, allowed=["Zzyzx"]) == []
    empty = client.get("/search/").content.decode()
    assert english_leaks(empty, allowed=names) == []


@pytest.mark.parametrize(("count", "words"), [(1, "1 результат"), (2, "2 результата"), (5, "5 результатов"),
                                               (11, "11 результатов"), (21, "21 результат"), (22, "22 результата")])
def test_the_count_of_results_has_russian_plurals(count, words):
    with translation.override("ru"):
        assert ngettext("%(counter)s result", "%(counter)s results", count) % {"counter": count} == words


# --- The migration -------------------------------------------------------------------------------------------


@pytest.fixture
def back_to_the_latest_schema():
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("back_to_the_latest_schema")
def test_the_migration_makes_the_clients_already_there_findable():
    apps = migrate([("bookings", "0010_opening_hours")])
    Old = apps.get_model("bookings", "Client")
    Old.objects.create(name="Семён Королёв", phone="+79161234567", phone_index=blind_index("+79161234567"),
                       email="Semyon@Example.com")
    for n in range(3):  # more than one batch
        Old.objects.create(name=f"Гость {n}", phone=f"+7903000000{n}", phone_index=blind_index(f"+7903000000{n}"))
    retired = Old.objects.create(name="Старый ключ", phone="+79035550000", phone_index=blind_index("+79035550000"))
    with connection.cursor() as cursor:  # a phone written under a key this deployment no longer has
        cursor.execute("UPDATE bookings_client SET phone = %s WHERE id = %s", ["gAAAAA-retired", retired.pk])

    step = importlib.import_module("bookings.migrations.0011_client_search")  # the loader's own module
    step.BATCH, batch = 2, step.BATCH
    try:
        apps = migrate([("bookings", "0011_client_search")])
    finally:
        step.BATCH = batch
    New = apps.get_model("bookings", "Client")
    semyon = New.objects.get(name="Семён Королёв")
    assert semyon.search_name == "семен королев"
    assert semyon.phone_tail_index == phone_tail_index("+79161234567")
    assert semyon.email_index == email_index("semyon@example.com")
    assert New.objects.filter(search_name__startswith="гость", phone_tail_index__gt="").count() == 3
    stale = New.objects.filter(pk=retired.pk).values_list("search_name", "phone_tail_index").get()
    assert stale == ("старый ключ", "")

