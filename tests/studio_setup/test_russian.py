"""The set-up pages in Russian: no English left for the reader, and the studio's own words."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from bookings.hours import OpeningHours, SpecialDay
from bookings.models import BookingEquipment, PromoCode, SpaceRate
from studio_setup import services
from tests.factories import EquipmentFactory, PromoCodeFactory
from tests.languages import english_leaks, in_russian

pytestmark = pytest.mark.django_db

# The test data's own names, which a Russian page shows as they are; and what is written in Latin letters in
# Russian too: image formats and an example of a web address.
DATA = ["white-hall", "White Hall", "Loft", "Cyclorama", "white", "loft", "cyclorama", "Evening", "Softbox", "SPRING", "Olga Owner",
        "Anton Admin", "JPEG", "PNG", "WebP"]


@pytest.fixture
def scene(studio, week, booking_at):
    space = studio["white"]
    rate = SpaceRate.objects.create(space=space, label="Evening", start_hour=18, end_hour=21,
                                    hourly_rate=Decimal("3000"))
    softbox = EquipmentFactory(name="Softbox", stock=3)
    BookingEquipment.objects.create(booking=booking_at(days_ahead=2), equipment=softbox, quantity=2,
                                    price=Decimal("500"))
    promo = PromoCodeFactory(code="SPRING", usage_limit=10, valid_until=timezone.now() + timedelta(days=30))
    OpeningHours.objects.filter(weekday=6).delete()
    day = SpecialDay.objects.create(date=timezone.localdate() + timedelta(days=20), opens_at=10, closes_at=16)
    SpecialDay.objects.create(date=timezone.localdate() + timedelta(days=40), is_closed=True)
    return {"space": space.pk, "rate": rate.pk, "equipment": softbox.pk, "promo": promo.pk, "day": day.pk}


PAGES = {
    "/setup/": ["Настройки студии", "Часы работы", "Закрыто"],
    "/setup/halls/": ["Залы", "Цена за час", "Работает"],
    "/setup/halls/new/": ["Добавить зал", "Адрес на сайте"],
    "/setup/halls/{space}/": ["Особые цены", "Добавить цену", "Уборка, минут"],
    "/setup/halls/{space}/rates/{rate}/": ["Цена «Evening»", "Удалить цену"],
    "/setup/equipment/": ["Оборудование", "В наличии"],
    "/setup/equipment/new/": ["Добавить оборудование"],
    "/setup/equipment/{equipment}/": ["одновременно забронировано не больше 2 единиц"],
    "/setup/promo-codes/": ["Промокоды", "0 из 10", "Действует"],
    "/setup/promo-codes/new/": ["Добавить промокод", "Лимит использований"],
    "/setup/promo-codes/{promo}/": ["пока использован 0 раз"],
    "/setup/hours/": ["Обычная неделя", "Понедельник", "Особые дни", "10:00–16:00"],
    "/setup/hours/special-days/{day}/": ["Часы этого дня", "Вернуть обычные часы"],
}


@pytest.mark.parametrize("page", list(PAGES))
def test_each_page_reads_fully_russian(page, admin, scene, staff_client):
    response = staff_client(in_russian(admin)).get(page.format(**scene))
    html = response.content.decode()
    assert response.status_code == 200
    assert english_leaks(html, allowed=DATA) == []
    for text in PAGES[page]:
        assert text in html, text


def test_money_and_dates_read_as_russian_does(admin, scene, staff_client):
    browser = staff_client(in_russian(admin))
    assert "2\u202f500\u00a0₽" in browser.get("/setup/halls/").content.decode() or \
        "2\u202f500\u202f₽" in browser.get("/setup/halls/").content.decode()
    assert 'value="3000,00"' in browser.get(f"/setup/halls/{scene['space']}/rates/{scene['rate']}/").content.decode()


def test_a_refusal_reads_russian_with_the_bookings_named(admin, space, week, booking_at, staff_client):
    bookings = [booking_at(days_ahead=days) for days in (1, 2)]
    response = staff_client(in_russian(admin)).post(f"/setup/halls/{space.pk}/", {
        "name": space.name, "slug": space.slug, "hourly_rate": "2500", "colour": "#4f7cac", "capacity": "10",
        "cleanup_minutes": "0"})
    html = response.content.decode()
    assert response.status_code == 409
    assert "У зала «White Hall» впереди 2 активных бронирования" in html
    assert all(booking.reference in html for booking in bookings)
    assert english_leaks(html, allowed=DATA) == []


@pytest.mark.parametrize(("count", "words"), [
    (1, "1 активное бронирование окажется"), (2, "2 активных бронирования окажутся"),
    (5, "5 активных бронирований окажутся"), (11, "11 активных бронирований окажутся"),
    (21, "21 активное бронирование окажется"), (22, "22 активных бронирования окажутся"),
])
def test_the_number_of_stranded_bookings_is_said_with_russian_plurals(count, words, admin, space, week, booking_at):
    for n in range(count):
        booking_at(days_ahead=7 * (n + 1), hour=19, hours=2)
    weekday = (timezone.localdate() + timedelta(days=7)).weekday()
    with translation.override("ru"), pytest.raises(services.ValidationError) as refused:
        services.opening_hours_save(week=dict.fromkeys(range(7), (9, 21)) | {weekday: (9, 18)}, by=admin)
    message = refused.value.messages[0]
    assert words in message
    assert message.count("REF-") == min(count, services.NAMED)
    if count > services.NAMED:
        assert f"и ещё {count - services.NAMED}" in message


def test_the_promo_codes_uses_are_counted_with_russian_plurals(admin, staff_client):
    browser = staff_client(in_russian(admin))
    promo = PromoCodeFactory(code="SPRING")
    for uses, words in ((1, "использован 1 раз"), (2, "использован 2 раза"), (5, "использован 5 раз"),
                        (22, "использован 22 раза")):
        PromoCode.objects.filter(pk=promo.pk).update(times_used=uses)
        assert words in browser.get(f"/setup/promo-codes/{promo.pk}/").content.decode()
