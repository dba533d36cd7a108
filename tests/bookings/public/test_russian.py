"""The guest pages and the website's API in Russian: every page a guest reaches, the language switcher, and the
API's messages in the language of Accept-Language (its error codes stay English identifiers)."""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import ngettext

from bookings.models import Booking
from bookings.public.api import rate_text
from bookings.public.forms import length_choices
from studio_crm.formatting import money, when
from tests.factories import BookingFactory, ClientFactory, EquipmentFactory, PromoCodeFactory, studio_time
from tests.languages import RUSSIAN_BROWSER, english_leaks

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_limits")]

DAY = studio_time(2, 10)
# The test's own data, written in Latin letters on the Russian pages too (with the initials on the halls' swatches
# and on the studio's brand mark).
DATA = ["White Hall", "Loft", "Cyclorama", "Profoto softbox", "Irina Petrova", "Irina", "SPRING10", "white",
        "W", "L", "C"]
CYRILLIC = re.compile(r"[А-Яа-яЁё]")


@pytest.fixture
def russian(client):
    """A guest whose browser asks for Russian."""
    client.defaults.update(RUSSIAN_BROWSER)
    return client


@pytest.fixture
def scene(studio):
    EquipmentFactory(name="Profoto softbox", price=Decimal("500.00"), stock=3)
    PromoCodeFactory(code="SPRING10", value=Decimal("10"))
    return studio


def form(**overrides):
    data = {
        "space": "white", "date": f"{DAY:%Y-%m-%d}", "start": "10:00", "hours": "2",
        "client_name": "Irina Petrova", "client_phone": "+7 916 123-45-67", "client_email": "",
        "special_requirements": "", "promo_code": "", "consent": "on", "website": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def page_of(response, status=200) -> str:
    assert response.status_code == status, response.status_code
    html = response.content.decode()
    assert english_leaks(html, allowed=DATA) == [], english_leaks(html, allowed=DATA)
    return html


def in_russian(function, *args):
    with translation.override("ru"):
        return function(*args)


class TestTheBookingPageInRussian:
    def test_step_one_and_two_halls_and_the_day(self, russian, scene):
        page = page_of(russian.get("/book/"))
        assert '<html lang="ru">' in page
        assert "Забронировать зал" in page and "Выберите зал" in page and "Выберите дату" in page
        assert in_russian(money, 2500) in page and "2\u202f500\u00a0₽" not in page
        assert "до 10 человек" in page

    def test_steps_three_to_five_the_free_hours_extras_and_details(self, russian, scene):
        BookingFactory(space=scene["white"], start=studio_time(2, 13), end=studio_time(2, 15))
        page = page_of(russian.get(f"/book/?space=white&date={DAY:%Y-%m-%d}"))
        assert "Выберите время начала" in page and "до 4 ч" in page
        assert in_russian(when, DAY, "day_long") in page  # вторник, 1 декабря 2026
        assert "Выберите время начала — покажем, что свободно на эти часы." in page
        assert "Ваши данные" in page and "политике конфиденциальности" in page
        assert "Цена появится, когда вы выберете время начала." in page

    def test_the_price_and_the_longest_stay(self, russian, scene):
        softbox = EquipmentFactory._meta.model.objects.get()
        response = russian.get("/book/quote/", {"space": "white", "date": f"{DAY:%Y-%m-%d}", "start": "10:00",
                                                "hours": "2", f"equipment_{softbox.pk}": "1", "promo_code": "spring10",
                                                "slot": "1"}, headers={"HX-Request": "true"})
        page = page_of(response)
        # 2 h × 2 500 + 2 h × 500 = 6 000, less 10 %: 5 400.
        assert in_russian(money, 5400) == "5\u202f400\u202f₽" and in_russian(money, 5400) in page
        assert "Промокод SPRING10" in page and "Итого" in page and "Зал, 2 ч" in page
        assert "С 10:00 зал свободен не больше чем на 12 часов." in page
        assert '<option value="1">1 час</option>' in page and '<option value="2" selected>2 часа</option>' in page
        assert '<option value="5">5 часов</option>' in page

    def test_a_refused_booking_explains_itself_in_russian(self, russian, scene):
        page = page_of(russian.post("/book/", form(client_phone="12345", consent=None, client_name=" ")), 400)
        assert "Проверьте, пожалуйста, бронь:" in page
        assert "Дайте, пожалуйста, согласие на обработку персональных данных" in page
        assert Booking.objects.count() == 0

    def test_a_time_taken_meanwhile_offers_others_in_russian(self, russian, scene):
        BookingFactory(space=scene["white"], start=studio_time(2, 11), end=studio_time(2, 12))
        page = page_of(russian.post("/book/", form()), 409)
        assert "Извините, это время только что заняли." in page and "Выбрать 12:00–14:00" in page
        assert "Свободно на все 2 часа, ближайшее — первым:" in page

    def test_equipment_free_for_the_chosen_time_in_russian(self, russian, scene):
        softbox = EquipmentFactory._meta.model.objects.get()
        loan = BookingFactory(space=scene["loft"], start=studio_time(2, 10), end=studio_time(2, 12))
        loan.equipment_lines.create(equipment=softbox, quantity=2, price=Decimal("1000"))
        page = page_of(russian.get(f"/book/?space=white&date={DAY:%Y-%m-%d}&start=10:00&hours=2"))
        assert "Что свободно 10:00–12:00:" in page and "свободен 1 из 3" in page
        loan.equipment_lines.update(quantity=3)
        page = page_of(russian.get(f"/book/?space=white&date={DAY:%Y-%m-%d}&start=10:00&hours=2"))
        assert "на эти часы всё занято" in page and "Чтобы добавить, выберите другое время начала." in page

    def test_starts_a_chosen_length_does_not_fit_in_russian(self, russian, scene):
        BookingFactory(space=scene["white"], start=studio_time(2, 12), end=studio_time(2, 13))
        response = russian.get("/book/quote/", {"space": "white", "date": f"{DAY:%Y-%m-%d}", "hours": "3",
                                                "length": "1"}, headers={"HX-Request": "true"})
        page = page_of(response)
        assert "только 1 ч" in page and "только 3 ч" not in page  # 11:00 and 21:00 have an hour; 10:00 two
        assert "только 2 ч" in page

    @pytest.mark.parametrize("free, text", [(1, "свободен 1 из 30"), (2, "свободно 2 из 30"), (5, "свободно 5 из 30"),
                                            (11, "свободно 11 из 30"), (21, "свободен 21 из 30"),
                                            (22, "свободно 22 из 30")])
    def test_units_free_read_as_russian(self, russian, scene, free, text):
        softbox = EquipmentFactory._meta.model.objects.get()
        softbox.stock = 30
        softbox.save()
        if free < 30:
            loan = BookingFactory(space=scene["loft"], start=studio_time(2, 10), end=studio_time(2, 12))
            loan.equipment_lines.create(equipment=softbox, quantity=30 - free, price=Decimal("1000"))
        page = page_of(russian.get(f"/book/?space=white&date={DAY:%Y-%m-%d}&start=10:00&hours=2"))
        assert text in page

    def test_a_day_without_free_hours_points_to_the_next(self, russian, scene):
        BookingFactory(space=scene["white"], start=studio_time(2, 9), end=studio_time(2, 22))
        page = page_of(russian.get(f"/book/?space=white&date={DAY:%Y-%m-%d}"))
        assert "В этот день свободного времени нет" in page and "или другой зал" in page

    def test_too_many_attempts_are_told_in_russian(self, russian, scene, settings):
        settings.PUBLIC_RATE_LIMITS = {**settings.PUBLIC_RATE_LIMITS, "quote_ip": "0/h"}
        page = page_of(russian.get(f"/book/?space=white&date={DAY:%Y-%m-%d}"), 429)
        assert "Слишком много попыток" in page


class TestAfterBookingInRussian:
    def test_the_confirmation(self, russian, scene):
        response = russian.post("/book/", form())
        booking = Booking.objects.get()
        page = page_of(russian.get(response["Location"]))
        assert "Спасибо, Irina! Заявка отправлена." in page and "Что дальше" in page
        assert "Номер брони" in page and "<dt>Имя</dt>" in page and "оплата в студии" in page
        assert in_russian(money, 5000) in page
        assert "10:00–12:00 (2 часа)" in page and in_russian(when, booking.start, "day_long") in page
        assert "не позднее чем за 24 часа до начала" in page

    def test_a_booking_made_on_the_russian_page_is_in_russian_and_one_on_the_english_page_in_english(
            self, client, russian, scene):
        russian.post("/book/", form())
        assert Booking.objects.get().language == "ru"
        Booking.objects.all().delete()
        client.defaults.update(HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
        client.post("/book/", form(start="15:00", client_phone="+7 916 765-43-21"))
        assert Booking.objects.get().language == "en"

    def test_the_look_up_page_and_a_miss(self, russian, scene):
        page = page_of(russian.get("/book/lookup/"))
        assert "Найти мою бронь" in page and "Телефон, указанный при бронировании" in page
        page = page_of(russian.post("/book/lookup/", {"reference": "REF-20260315-ZZZZ", "phone": "+79161234567"}), 404)
        assert "Мы не нашли бронь с таким номером и телефоном." in page

    def test_the_booking_found_with_its_cancel_form(self, russian, scene):
        guest = ClientFactory(name="Irina Petrova", phone="+79161234567")
        booking = BookingFactory(space=scene["white"], client=guest, reference="REF-20260315-QW3E",
                                 start=studio_time(5, 10), end=studio_time(5, 12))
        response = russian.post("/book/lookup/", {"reference": booking.reference, "phone": "8 916 123 45 67"})
        page = page_of(russian.get(response["Location"]))
        assert "Ваша бронь" in page and "Отменить бронь" in page and "Почему вы отменяете бронь?" in page
        assert f"Отменить бронь {booking.reference}?" in page and "Ваши персональные данные" in page
        russian.post(f"/book/lookup/{booking.reference}/cancel/", {"reference": booking.reference, "reason": "Болеем"})
        page = page_of(russian.get(f"/book/lookup/{booking.reference}/"))
        assert f"Бронь {booking.reference} отменена." in page and "Отменено: это время снова свободно" in page

    def test_the_privacy_policy(self, russian, owner):
        from compliance.services import policy_publish

        policy_publish(version="2026-07", text="Что студия хранит и зачем.", by=owner)
        page = page_of(russian.get("/book/privacy/"))
        assert "Обработка персональных данных" in page and "Редакция политики 2026-07" in page


class TestTheApiInRussian:
    def test_the_docs_page(self, russian, scene):
        response = russian.get("/api/v1/docs")
        html = response.content.decode()
        # Paths, field names and JSON stay as the API speaks them: only the prose around them is read.
        prose = re.sub(r"<pre>.*?</pre>|<code[^>]*>.*?</code>", " ", html, flags=re.S)
        assert response.status_code == 200 and english_leaks(prose, allowed=DATA) == []
        assert "API бронирования" in html and "обязательно" in html and "20 в час с одного адреса" in html
        assert "Некоторые поля заполнены неверно." in html  # the examples' messages too

    def test_validation_errors_are_in_the_language_of_accept_language(self, client, scene):
        body = {"date": "someday", "startTime": "10:30", "endTime": "12:00", "space": "white",
                "clientName": "x" * 151, "clientPhone": "12345", "consent": False, "equipment": [{"quantity": 1}]}
        answers = {language: client.post("/api/v1/bookings", body, content_type="application/json",
                                          HTTP_ACCEPT_LANGUAGE=language).json()["error"] for language in ("ru", "en")}
        russian, english = answers["ru"], answers["en"]
        assert russian["code"] == english["code"] == "validation_error"
        assert russian["fields"].keys() == english["fields"].keys() >= {"date", "clientName", "consent", "equipment.0"}
        assert russian["message"] == "Некоторые поля заполнены неверно."
        assert english["message"] == "Some fields are not valid."
        assert russian["fields"]["clientName"] == ["Не длиннее 150 символов."]
        assert english["fields"]["clientName"] == ["Must be at most 150 characters long."]
        assert russian["fields"]["date"] == ["Укажите дату в формате ГГГГ-ММ-ДД."]
        for messages in russian["fields"].values():
            assert all(CYRILLIC.search(message) for message in messages), messages

    def test_the_service_errors_and_the_not_found_are_in_russian_too(self, client, scene):
        body = {"date": f"{DAY:%Y-%m-%d}", "startTime": "10:00", "endTime": "12:00", "space": "white",
                "clientName": "Irina Petrova", "clientPhone": "12345", "consent": True}
        error = client.post("/api/v1/bookings", body, content_type="application/json", **RUSSIAN_BROWSER).json()["error"]
        assert error["code"] == "validation_error" and CYRILLIC.search(error["fields"]["clientPhone"][0])
        missing = client.get("/api/v1/bookings/REF-20260315-ZZZZ?phone=%2B79161234567", **RUSSIAN_BROWSER).json()
        assert missing["error"] == {"code": "not_found", "message": "Мы не нашли бронь с таким номером и телефоном."}
        hall = client.get("/api/v1/availability?space=nowhere&date=2030-01-01", **RUSSIAN_BROWSER).json()
        assert hall["error"] == {"code": "not_found", "message": "Зала с таким идентификатором нет."}
        wrong = client.generic("PUT", "/api/v1/bookings", "{}", content_type="application/json", **RUSSIAN_BROWSER)
        assert wrong.json()["error"]["code"] == "method_not_allowed" and CYRILLIC.search(wrong.json()["error"]["message"])

    def test_too_many_requests_are_told_in_russian(self, client, scene, settings):
        settings.PUBLIC_RATE_LIMITS = {**settings.PUBLIC_RATE_LIMITS, "availability_ip": "0/h"}
        error = client.get(f"/api/v1/availability?space=white&date={DAY:%Y-%m-%d}", **RUSSIAN_BROWSER).json()["error"]
        assert error["code"] == "rate_limited" and error["message"].startswith("Слишком много попыток")


class TestTheLanguageSwitcher:
    @pytest.mark.parametrize("address, back_to", [
        ("/book/lookup/?from=mail", "/book/lookup/?from=mail"),
        ("/book/privacy/?from=mail", "/book/privacy/?from=mail"),
        ("/api/v1/docs?from=mail", "/api/v1/docs?from=mail"),
        ("/nowhere/?from=mail", "/nowhere/?from=mail"),  # the error page too
        # The booking page comes back with what the guest has chosen, and nothing else.
        (f"/book/?space=white&date={DAY:%Y-%m-%d}&hours=2&nav=1", f"/book/?space=white&date={DAY:%Y-%m-%d}&hours=2"),
    ])
    def test_every_guest_page_offers_both_languages_and_comes_back_to_itself(self, client, scene, address, back_to):
        page = client.get(address).content.decode()
        assert 'action="/i18n/setlang/"' in page
        assert f'name="next" id="language-next" value="{escape(back_to)}"' in page
        assert '<button type="submit" name="language" value="ru" lang="ru"' in page and ">Русский</button>" in page
        assert re.search(r'value="en" lang="en"\s+class="language-option" aria-current="true">English<', page)

    def test_choosing_russian_keeps_the_chosen_hall_day_time_and_length(self, client, scene):
        address = f"/book/?space=white&date={DAY:%Y-%m-%d}&start=10%3A00&hours=3"
        response = client.post("/i18n/setlang/", {"language": "ru", "next": address})
        assert response.status_code == 302 and response["Location"] == address
        assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"
        # The cookie outweighs the browser's English from now on.
        page = client.get(address, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert '<html lang="ru">' in page and "Выберите время начала" in page
        assert re.search(r'value="10:00" required\s+checked', page)
        assert '<option value="3" selected>3 часа</option>' in page
        assert in_russian(money, 7500) in page and "10:00–13:00" in page

    def test_the_booking_page_keeps_the_switcher_where_the_guest_is(self, client, scene):
        softbox = EquipmentFactory._meta.model.objects.get()
        steps = client.get(f"/book/?space=white&date={DAY:%Y-%m-%d}&nav=1", headers={"HX-Request": "true"})
        assert (f'id="language-next" value="/book/?space=white&amp;date={DAY:%Y-%m-%d}" hx-swap-oob="true"'
                in steps.content.decode())
        quote = client.get("/book/quote/", {"space": "white", "date": f"{DAY:%Y-%m-%d}", "start": "11:00",
                                            "hours": "2", f"equipment_{softbox.pk}": "0", "client_name": "Irina"},
                           headers={"HX-Request": "true"}).content.decode()
        assert (f'id="language-next" value="/book/?space=white&amp;date={DAY:%Y-%m-%d}&amp;start=11%3A00&amp;hours=2"'
                ' hx-swap-oob="true"' in quote)
        assert "Irina" not in quote  # who is booking never goes into an address

    def test_the_full_page_has_one_switcher_target(self, client, scene):
        page = client.get(f"/book/?space=white&date={DAY:%Y-%m-%d}&start=10:00&hours=2").content.decode()
        assert page.count('id="language-next"') == 1


class TestRussianNumbers:
    @pytest.mark.parametrize("hours, text", [(1, "1 час"), (2, "2 часа"), (5, "5 часов"), (11, "11 часов"),
                                             (21, "21 час"), (22, "22 часа")])
    def test_hours_take_the_russian_plural(self, hours, text):
        with translation.override("ru"):
            assert ngettext("%(count)s hour", "%(count)s hours", hours) % {"count": hours} == text

    @pytest.mark.parametrize("people, text", [(1, "до 1 человека"), (2, "до 2 человек"), (5, "до 5 человек"),
                                              (11, "до 11 человек"), (21, "до 21 человека"), (22, "до 22 человек")])
    def test_a_halls_capacity_takes_the_russian_plural(self, russian, studio, people, text):
        studio["white"].capacity = people
        studio["white"].save()
        assert f"в час · {text}</span>" in russian.get("/book/").content.decode()

    def test_the_length_choices(self, settings):
        settings.BOOKING_MAX_HOURS = 5
        with translation.override("ru"):
            assert [label for _hours, label in length_choices()] == ["1 час", "2 часа", "3 часа", "4 часа", "5 часов"]
        assert [label for _hours, label in length_choices()][:2] == ["1 hour", "2 hours"]

    @pytest.mark.parametrize("rate, russian_text, english_text", [
        ("20/h", "20 в час", "20 an hour"), ("5/m", "5 в минуту", "5 a minute"), ("100/d", "100 в сутки", "100 a day"),
        ("3/2h", "3 за 2 часа", "3 in 2 hours"), ("3/5m", "3 за 5 минут", "3 in 5 minutes"),
        ("3/21s", "3 за 21 секунду", "3 in 21 seconds"),
    ])
    def test_rate_limits_read_as_sentences(self, rate, russian_text, english_text):
        assert rate_text(rate) == english_text
        with translation.override("ru"):
            assert rate_text(rate) == russian_text
