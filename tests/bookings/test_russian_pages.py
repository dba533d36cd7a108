"""The staff booking pages, clients, dashboard and exports as a Russian-speaking employee reads them."""

import csv
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import translation

from bookings.services import booking_create, booking_transition
from bookings.views import batch_done_text
from tests.bulk import bulk_bookings
from tests.factories import BookingFactory, ClientFactory, EquipmentFactory, studio_time
from tests.languages import english_leaks, in_russian

pytestmark = pytest.mark.django_db

# The test's own data: names of halls, equipment, people and what they typed are not the page's language;
# nor is the studio's mark (the first letter of its name), last so that it does not cut the names above.
NAMES = ["White Hall", "Loft", "Cyclorama", "Softbox", "Irina Petrova", "Boris Ivanov", "Olga Owner",
         "Maria Manager", "Prefers mornings", "White backdrop", settings.STUDIO_NAME[:1]]


@pytest.fixture
def reader(staff_client, owner):
    """The owner, whose account is in Russian, signed in."""
    return staff_client(in_russian(owner))


@pytest.fixture
def scene(studio, owner):
    softbox = EquipmentFactory(name="Softbox", price=Decimal("500.00"))
    booking = booking_create(space=studio["white"], start=studio_time(2, 10), end=studio_time(2, 12),
                             client_name="Irina Petrova", client_phone="+7 916 123-45-67",
                             client_email="irina@example.com", equipment={softbox: 1},
                             special_requirements="White backdrop", by=owner)
    booking = booking_transition(booking=booking, to="confirmed", by=owner)
    boris = ClientFactory(name="Boris Ivanov", phone="+79165550000", notes="Prefers mornings", do_not_book=True)
    BookingFactory(space=studio["loft"], client=boris, start=studio_time(3, 12), total_price=Decimal("1234.50"))
    BookingFactory(space=studio["white"], client=boris, start=studio_time(0, 20), end=studio_time(0, 21),
                   state="confirmed")
    return {"booking": booking, "boris": boris, "softbox": softbox}


def read(reader, url) -> str:
    response = reader.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def leaks(html) -> list[str]:
    return english_leaks(html, allowed=NAMES)


class TestPagesInRussian:
    def test_the_booking_list(self, reader, scene):
        html = read(reader, "/bookings/?all=1")
        assert leaks(html) == []
        assert "Бронирования" in html and "Выгрузить в CSV" in html
        assert "<strong>3</strong> бронирования" in html
        assert "1\u202f234,50\u202f₽" in html  # the money of the language

    def test_the_booking_list_filtered(self, reader, scene):
        html = read(reader, "/bookings/?state=confirmed&sort=-total&q=a")
        assert leaks(html) == []
        assert "<strong>2</strong> бронирования подходят под фильтры" in html

    def test_the_booking_list_with_a_filter_it_cannot_apply(self, reader, scene):
        html = read(reader, "/bookings/?date_from=2030-01-10&date_to=2030-01-01")
        assert leaks(html) == []
        assert "Некоторые фильтры не применены" in html

    def test_a_booking_list_that_finds_nothing(self, reader, scene):
        html = read(reader, "/bookings/?q=nobody-at-all")
        assert leaks(html) == []
        assert "Ничего не найдено" in html

    def test_a_booking(self, reader, scene):
        html = read(reader, f"/bookings/{scene['booking'].pk}/")
        assert leaks(html) == []
        assert "2\u00a0ч × White Hall" in html and "Итого" in html and "История" in html
        assert "6\u202f000\u202f₽" in html

    def test_the_new_booking_form(self, reader, scene):
        html = read(reader, f"/bookings/new/?space=white&start={studio_time(4, 10).isoformat()}")
        assert leaks(html) == []
        assert "Новое бронирование" in html and "Свободные часы" in html

    def test_the_new_booking_form_with_errors(self, reader, scene):
        response = reader.post("/bookings/new/", {
            "space": "white", "date": studio_time(2, 0).date().isoformat(), "start_time": 10, "hours": 40,
            "client_name": "", "client_phone": "+7 916 555-00-00", "source": "phone",
        })
        html = response.content.decode()
        assert response.status_code == 200
        assert leaks(html) == []
        assert "Исправьте отмеченные ниже поля" in html
        assert "Бронирование длится от 1 до 12 часов." in html
        assert "«не бронировать»" in html  # Boris's phone is flagged

    def test_a_booking_that_clashes(self, reader, scene):
        response = reader.post("/bookings/new/", {
            "space": "white", "date": studio_time(2, 0).date().isoformat(), "start_time": 10, "hours": 2,
            "client_name": "Boris Ivanov", "client_phone": "+7 916 111-22-33", "source": "phone",
        })
        html = response.content.decode()
        assert leaks(html) == []
        assert "Свободно на всю длительность:" in html and "12:00–14:00" in html

    def test_the_edit_form(self, reader, scene):
        html = read(reader, f"/bookings/{scene['booking'].pk}/edit/")
        assert leaks(html) == []
        assert "Изменение брони" in html and "Сохранить изменения" in html

    def test_the_preview_of_a_price(self, reader, scene):
        html = read(reader, f"/bookings/preview/?space=loft&date={studio_time(5, 0).date().isoformat()}"
                            f"&start_time=10&hours=3&equipment_{scene['softbox'].pk}=1")
        assert leaks(html) == []
        assert "3\u00a0ч × Loft" in html and "С 10:00 свободно максимум" in html

    def test_the_client_list(self, reader, scene):
        html = read(reader, "/clients/")
        assert leaks(html) == []
        assert "<strong>2</strong> клиента" in html and "Не бронировать" in html

    def test_a_client_card(self, reader, scene):
        html = read(reader, f"/clients/{scene['boris'].pk}/")
        assert leaks(html) == []
        assert "из 2 бронирований" in html and "Заметки и пометка" in html

    def test_the_dashboard(self, reader, scene):
        html = read(reader, "/dashboard/")
        assert leaks(html) == []
        assert "Сводка" in html and "Выручка за неделю" in html and "Ждут подтверждения" in html

    def test_the_exports_page(self, reader, scene, settings, tmp_path):
        settings.EXPORTS_ROOT = tmp_path
        html = read(reader, "/bookings/exports/?query=state%3Dpending")
        assert leaks(html) == []
        assert "Подготовить файл" in html

    def test_messages_after_an_action(self, reader, scene):
        booking = scene["booking"]
        html = reader.post(f"/bookings/{booking.pk}/payment/", {"payment_status": "paid", "version": booking.version},
                           follow=True).content.decode()
        assert f"Оплата брони {booking.reference}: оплачено." in html


class TestCsvInRussian:
    def table(self, response) -> list[list[str]]:
        content = b"".join(response.streaming_content).decode("utf-8")
        assert content.startswith("\ufeff")  # Excel reads the Cyrillic as UTF-8 only with the mark
        return list(csv.reader(io.StringIO(content.removeprefix("\ufeff")), delimiter=";"))

    def test_columns_amounts_and_words_as_russian_excel_reads_them(self, reader, scene):
        header, *rows = self.table(reader.get("/bookings/export.csv?sort=-total"))
        assert header == ["Номер брони", "Зал", "Начало", "Конец", "Часы", "Статус", "Клиент", "Телефон",
                          "Эл. почта", "Итого", "Оплата", "Источник"]
        assert all(len(row) == len(header) for row in rows)
        assert rows[0][9] == "6000,00" and "1234,50" in [row[9] for row in rows]
        assert rows[0][5] == "Подтверждено"

    def test_a_name_that_looks_like_a_formula_is_still_defused(self, reader, space):
        BookingFactory(space=space, client=ClientFactory(name="=HYPERLINK(1)"))
        assert self.table(reader.get("/bookings/export.csv"))[1][6] == "'=HYPERLINK(1)"

    def test_english_stays_comma_separated(self, staff_client, admin, scene):
        content = b"".join(staff_client(admin).get("/bookings/export.csv").streaming_content).decode("utf-8")
        assert not content.startswith("\ufeff")
        header, *rows = csv.reader(io.StringIO(content))
        assert header[:3] == ["reference", "space", "start"] and len(header) == 12
        assert "1234.50" in [row[9] for row in rows]

    @pytest.mark.django_db(transaction=True)
    def test_a_prepared_file_is_in_the_language_of_whoever_asked(self, staff_client, owner, admin, space, settings,
                                                                  tmp_path):
        from studio_crm.jobs import jobs_wait_idle

        settings.EXPORTS_ROOT, settings.EXPORT_INLINE_ROWS, settings.RQ_ENABLED = tmp_path, 1, False
        for day in (1, 2):
            BookingFactory(space=space, start=studio_time(day, 10), total_price=Decimal("1234.50"))
        for employee, delimiter in ((in_russian(owner), ";"), (admin, ",")):
            client = staff_client(employee)
            client.post("/bookings/exports/new/", {"query": ""})
            assert jobs_wait_idle()
            (export,) = client.get("/bookings/exports/").context["files"]
            content = b"".join(client.get(f"/bookings/exports/{export.id}.csv").streaming_content).decode()
            header, *rows = csv.reader(io.StringIO(content.removeprefix("\ufeff")), delimiter=delimiter)
            assert len(header) == 12 and len(rows) == 2
            if delimiter == ";":
                assert content.startswith("\ufeff") and header[0] == "Номер брони" and rows[0][9] == "1234,50"
            else:
                assert header[0] == "reference" and rows[0][9] == "1234.50"


@pytest.mark.parametrize("count, confirmed, cancelled", [
    (1, "Подтверждено 1 бронирование.", "Отменено 1 бронирование."),
    (2, "Подтверждено 2 бронирования.", "Отменено 2 бронирования."),
    (5, "Подтверждено 5 бронирований.", "Отменено 5 бронирований."),
    (11, "Подтверждено 11 бронирований.", "Отменено 11 бронирований."),
    (21, "Подтверждено 21 бронирование.", "Отменено 21 бронирование."),
    (22, "Подтверждено 22 бронирования.", "Отменено 22 бронирования."),
])
def test_the_count_of_a_batch_in_russian_plurals(count, confirmed, cancelled):
    with translation.override("ru"):
        assert (batch_done_text("confirm", count), batch_done_text("cancel", count)) == (confirmed, cancelled)


@pytest.mark.parametrize("count, shown", [
    (1, "<strong>1</strong> бронирование подходит под фильтры"),
    (2, "<strong>2</strong> бронирования подходят под фильтры"),
    (5, "<strong>5</strong> бронирований подходят под фильтры"),
    (11, "<strong>11</strong> бронирований подходят под фильтры"),
    (21, "<strong>21</strong> бронирование подходит под фильтры"),
    (22, "<strong>22</strong> бронирования подходят под фильтры"),
])
def test_the_count_of_the_list_in_russian_plurals(reader, space, count, shown):
    bulk_bookings(space, count)
    assert shown in read(reader, "/bookings/?space=white")
