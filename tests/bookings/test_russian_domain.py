"""The booking domain in Russian: the Django admin an owner reads, the services' refusals, the badges and the
figures of the staff pages, and lengths of time with Russian plurals."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.utils import translation

from bookings.availability import booking_length_rule, validate_booking_time
from bookings.dates import hours_short, hours_text
from bookings.errors import BatchRefused, BookingConflict, TransitionRefused, error_text
from bookings.models import BlockKind, BookingState, PaymentStatus, Space, payment_in_a_sentence
from bookings.services import (
    block_create,
    booking_batch,
    booking_create,
    booking_guest_cancel,
    booking_transition,
    promo_for,
)
from bookings.templatetags.bookings_tags import change, payment_badge, percent, state_badge
from tests.factories import (
    BookingFactory,
    CalendarBlockFactory,
    EquipmentFactory,
    PromoCodeFactory,
    studio_time,
)
from tests.languages import english_leaks, in_russian

pytestmark = pytest.mark.django_db

GUEST = "Анна Петрова"
PHONE = "+7 916 123-45-67"


@pytest.fixture
def russian():
    with translation.override("ru"):
        yield


def admin_page(html: str) -> str:
    """The admin page without its side menu, which lists every app of the project (each its own)."""
    return re.sub(r'<nav class="sticky" id="nav-sidebar".*?</nav>', "", html, flags=re.S)


class TestTheAdminInRussian:
    @pytest.fixture
    def scene(self, owner, space):
        in_russian(owner)
        booking = BookingFactory(space=space, client_name=GUEST, start=studio_time(2, 20), end=studio_time(2, 22),
                                 state=BookingState.CONFIRMED, payment_status=PaymentStatus.DEPOSIT_PAID)
        booking_transition(booking=BookingFactory(space=space, client_name=GUEST, start=studio_time(2, 10)),
                           to=BookingState.CANCELLED, by=owner, reason="Клиент попросил отменить")
        space.rates.create(label="Вечер", start_hour=18, end_hour=22, hourly_rate=Decimal("3500"))
        return {
            "booking": booking,
            "space": space,
            "equipment": EquipmentFactory(name="Софтбокс 120 см"),
            "promocode": PromoCodeFactory(code="WELCOME10"),
            "calendarblock": CalendarBlockFactory(space=space, start=studio_time(3, 12), note="Покраска стен"),
        }

    def names(self, scene, owner) -> list[str]:
        """The test data's own Latin names: the halls, the promo code and the owner."""
        halls = [name for hall in Space.objects.all() for name in (hall.name, hall.slug)]
        return [*halls, scene["promocode"].code, owner.full_name, owner.username]

    @pytest.mark.parametrize("model", ["booking", "space", "equipment", "promocode", "calendarblock"])
    def test_an_owner_reads_the_lists_and_the_forms_in_russian(self, staff_client, owner, scene, model):
        client = staff_client(owner)
        for url in (f"/admin/bookings/{model}/", f"/admin/bookings/{model}/{scene[model].pk}/change/"):
            response = client.get(url)
            assert response.status_code == 200, url
            html = response.content.decode()
            assert '<html lang="ru"' in html
            assert english_leaks(admin_page(html), allowed=self.names(scene, owner)) == [], url

    def test_a_block_is_added_in_russian(self, staff_client, owner, scene):
        html = staff_client(owner).get("/admin/bookings/calendarblock/add/").content.decode()
        assert english_leaks(admin_page(html), allowed=self.names(scene, owner)) == []
        assert "Техобслуживание" in html and "Закрытое мероприятие" in html

    def test_the_booking_list_speaks_the_studios_words_on_a_24_hour_clock(self, staff_client, owner, scene):
        html = staff_client(owner).get("/admin/bookings/booking/").content.decode()
        for text in ("Номер брони", "Зал", "Начало", "Статус", "Имя клиента", "Итого", "Оплата", "Время",
                     "Подтверждено", "Предоплата внесена", "Сайт", "Без записи", "Подтвердить выбранные брони",
                     "Отметить выбранные брони оплаченными"):
            assert text in html, text
        assert re.search(r"\d\d\.\d\d\.\d{4}, 20:00–22:00", html) and "p.m." not in html
        assert "5\u202f000\u202f₽" in html
        form = staff_client(owner).get(f"/admin/bookings/booking/{scene['booking'].pk}/change/").content.decode()
        assert re.search(r"\d+ [а-яё]+ \d{4}, 20:00", form) and "p.m." not in form

    def test_the_booking_form_has_russian_sections_and_history(self, staff_client, owner, scene):
        cancelled = scene["space"].bookings.get(state=BookingState.CANCELLED)
        html = staff_client(owner).get(f"/admin/bookings/booking/{cancelled.pk}/change/").content.decode()
        for text in ("Цена и оплата", "Согласие на обработку персональных данных", "Служебные заметки",
                     "Только для сотрудников; клиент их не видит.", "Изменения статуса", "Ожидает подтверждения",
                     "Отменено", "Клиент попросил отменить"):
            assert text in html, text

    def test_the_actions_report_in_russian(self, staff_client, owner, space):
        in_russian(owner)
        pending = BookingFactory(space=space, state=BookingState.PENDING, client_name=GUEST)
        completed = BookingFactory(space=space, state=BookingState.COMPLETED, start=studio_time(1, 15),
                                   client_name=GUEST)
        response = staff_client(owner).post(
            "/admin/bookings/booking/", {"action": "confirm_selected", "_selected_action": [pending.pk, completed.pk]},
            follow=True)
        html = response.content.decode()
        assert "Подтверждено 1 бронирование." in html
        assert (f"{completed.reference}: Бронирование в статусе «завершено» нельзя перевести в статус "
                "«подтверждено».") in html

    def test_closing_a_hall_over_a_booking_is_refused_in_russian(self, staff_client, owner, space):
        in_russian(owner)
        booking = BookingFactory(space=space, state=BookingState.CONFIRMED, start=studio_time(2, 10))
        day = studio_time(2, 9).strftime("%Y-%m-%d")
        response = staff_client(owner).post("/admin/bookings/calendarblock/add/", {
            "space": space.pk, "kind": BlockKind.MAINTENANCE, "note": "", "start_0": day, "start_1": "09:00:00",
            "end_0": day, "end_1": "13:00:00"})
        html = response.content.decode()
        assert response.status_code == 200
        assert f"{space.name}: в это время есть активные брони — {booking.reference}" in html
        assert "Сначала перенесите или отмените их." in html


class TestServiceErrorsInRussian:
    def test_a_taken_slot_names_the_hall_and_the_time(self, russian, space):
        BookingFactory(space=space, start=studio_time(3, 10), end=studio_time(3, 12), state=BookingState.CONFIRMED)
        with pytest.raises(BookingConflict) as refused:
            booking_create(space=space, start=studio_time(3, 11), end=studio_time(3, 13), client_name=GUEST,
                           client_phone=PHONE, by=None)
        assert refused.value.message.startswith(f"{space.name}: на ")
        assert "10:00–12:00 уже есть бронь." in refused.value.message

    def test_a_closed_hall_says_why(self, russian, space, owner):
        block_create(space=space, start=studio_time(3, 10), end=studio_time(3, 14), kind=BlockKind.PRIVATE_EVENT,
                     by=owner)
        with pytest.raises(BookingConflict) as refused:
            booking_create(space=space, start=studio_time(3, 11), end=studio_time(3, 12), client_name=GUEST,
                           client_phone=PHONE, by=None)
        assert "зал закрыт" in refused.value.message and "(закрытое мероприятие)" in refused.value.message

    @pytest.mark.parametrize(("start", "end", "message"), [
        (studio_time(-1, 10), studio_time(-1, 11), "Это время уже прошло."),
        (studio_time(2, 10) + timedelta(minutes=30), studio_time(2, 12), "Начало — только в целый час"),
        (studio_time(2, 12), studio_time(2, 10), "Окончание должно быть позже начала."),
        (studio_time(2, 6), studio_time(2, 8), "Студия работает с "),
    ])
    def test_times_that_break_the_rules(self, russian, start, end, message):
        with pytest.raises(ValidationError) as refused:
            validate_booking_time(start, end)
        assert message in error_text(refused.value)

    def test_phone_and_promo_code_refusals(self, russian, space):
        with pytest.raises(ValidationError) as refused:
            booking_create(space=space, start=studio_time(3, 10), end=studio_time(3, 11), client_name=GUEST,
                           client_phone="12345", by=None)
        assert refused.value.message_dict == {
            "client_phone": ["Введите правильный номер телефона, например +7 916 123-45-67."]}
        with pytest.raises(ValidationError) as refused:
            promo_for("NOPE")
        assert refused.value.message_dict == {"promo_code": ["Такого промокода нет."]}
        PromoCodeFactory(code="SPENT", usage_limit=1, times_used=1)
        with pytest.raises(ValidationError) as refused:
            promo_for("spent")
        assert refused.value.message_dict == {"promo_code": ["Лимит использований этого промокода исчерпан."]}

    def test_state_changes_that_are_refused(self, russian, space, owner):
        completed = BookingFactory(space=space, state=BookingState.COMPLETED)
        with pytest.raises(TransitionRefused, match="Бронирование в статусе «завершено» нельзя перевести в статус "
                                                    "«подтверждено»."):
            booking_transition(booking=completed, to=BookingState.CONFIRMED, by=owner)
        confirmed = BookingFactory(space=space, state=BookingState.CONFIRMED, start=studio_time(1, 15))
        with pytest.raises(TransitionRefused, match="уже в статусе «подтверждено»"):
            booking_transition(booking=confirmed, to=BookingState.CONFIRMED, by=owner)
        with pytest.raises(TransitionRefused, match="Статус «Неявка» можно поставить не раньше начала брони"):
            booking_transition(booking=confirmed, to=BookingState.NO_SHOW, by=owner, reason="Не пришёл")
        with pytest.raises(ValidationError) as refused:
            booking_transition(booking=confirmed, to=BookingState.CANCELLED, by=owner)
        assert refused.value.message_dict == {"reason": ["Укажите причину отмены."]}

    def test_a_guest_too_late_to_cancel_is_asked_to_call(self, russian, space):
        soon = BookingFactory(space=space, start=studio_time(0, 23) - timedelta(hours=1))
        with pytest.raises(TransitionRefused, match="уже нельзя отменить онлайн.*Пожалуйста, позвоните в студию."):
            booking_guest_cancel(booking=soon, reason="Планы изменились")

    def test_a_refused_batch_changes_nothing_and_says_why(self, russian, space, owner):
        pending = BookingFactory(space=space, state=BookingState.PENDING)
        completed = BookingFactory(space=space, state=BookingState.COMPLETED, start=studio_time(1, 15))
        with pytest.raises(BatchRefused) as refused:
            booking_batch(bookings=[pending, completed], action="confirm", by=owner)
        assert refused.value.message.startswith("Ничего не изменено: 1 из 2 бронирований нельзя изменить — ")
        pending.refresh_from_db()
        assert pending.state == BookingState.PENDING


class TestHoursInRussian:
    @pytest.mark.parametrize(("hours", "text"), [
        (1, "1 час"), (2, "2 часа"), (5, "5 часов"), (11, "11 часов"), (21, "21 час"), (22, "22 часа"),
    ])
    def test_hours(self, russian, hours, text):
        assert hours_text(hours) == text
        assert Template("{% load bookings_tags %}{{ n|hours }}").render(Context({"n": hours})) == text
        assert hours_short(hours) == f"{hours}\u00a0ч"

    @pytest.mark.parametrize(("longest", "text"), [
        (1, "от 1 до 1 часа."), (2, "от 1 до 2 часов."), (5, "от 1 до 5 часов."), (11, "от 1 до 11 часов."),
        (21, "от 1 до 21 часа."), (22, "от 1 до 22 часов."),
    ])
    def test_the_longest_booking(self, russian, settings, longest, text):
        settings.BOOKING_MIN_HOURS, settings.BOOKING_MAX_HOURS = 1, longest
        assert booking_length_rule() == f"Бронирование длится {text}"

    def test_english_hours_stay_english(self):
        assert [hours_text(n) for n in (1, 2, 5)] == ["1 hour", "2 hours", "5 hours"]


class TestStaffFiguresInRussian:
    def test_badges(self, russian):
        assert ">Заявка<" in state_badge(BookingState.PENDING)
        assert ">Идёт съёмка<" in state_badge(BookingState.IN_PROGRESS)
        assert ">Ожидает оплаты<" in payment_badge(PaymentStatus.PENDING)
        assert ">Предоплата внесена<" in payment_badge(PaymentStatus.DEPOSIT_PAID)

    def test_changes_against_the_last_period(self, russian):
        assert "не с чем сравнить" in change(None, 5)
        assert "без изменений" in change(5, 5)
        assert "▲ с нуля" in change(5, 0)
        assert "▲ 25%" in change(5, 4) and "рост" in change(5, 4)
        assert "▼ 12\u00a0п.\u00a0п." in change(0.30, 0.42, share=True) and "снижение" in change(0.30, 0.42, share=True)
        assert "▲ 1\u00a0п.\u00a0п." in change(0.05, 0.04, share=True)

    def test_states_inside_a_sentence(self, russian):
        sentence = Template("{% load bookings_tags %}{{ state|in_a_sentence }}")
        assert sentence.render(Context({"state": BookingState.NO_SHOW})) == "неявка"
        assert payment_in_a_sentence(PaymentStatus.DEPOSIT_PAID) == "внесена предоплата"
        with translation.override("en"):
            assert sentence.render(Context({"state": BookingState.IN_PROGRESS})) == "in progress"
            assert payment_in_a_sentence(PaymentStatus.DEPOSIT_PAID) == "deposit paid"

    def test_percentages_have_the_languages_decimal_separator(self, russian):
        assert percent(0.456) == "46%"
        assert percent(0.0451, 1) == "4,5%"
        with translation.override("en"):
            assert percent(0.0451, 1) == "4.5%"

    def test_the_chart_labels_days_in_russian(self, russian):
        from bookings.templatetags.bookings_tags import activity_chart

        class Day:
            def __init__(self, day):
                self.day, self.bookings, self.revenue = day, 1, Decimal("1000")

        labels = activity_chart([Day(date(2026, 12, 1)), Day(date(2026, 12, 2))])["labels"]
        assert [label["text"] for label in labels] == ["1 дек", "2 дек"]
