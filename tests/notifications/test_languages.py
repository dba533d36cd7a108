"""Messages in their reader's language: a guest's in the language they booked in, a staff email in the
employee's, the staff chat in the studio's; and the deliveries page read in Russian."""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.utils import translation

from bookings.models import Booking, BookingState
from bookings.services import booking_create, booking_transition
from notifications import delivery, emails
from notifications.models import Audience, Channel, Kind, Notification, StaffNotificationSettings, Status
from notifications.telegram import message_text
from studio_crm.formatting import NARROW_SPACE, when
from tests.factories import studio_time
from tests.languages import RUSSIAN_BROWSER, in_russian
from tests.languages import english_leaks as all_english_leaks

from .conftest import STAFF_CHAT, link_telegram, post_update, press

pytestmark = pytest.mark.django_db

NAMES = ["White Hall", "Irina Petrova", "Irina", "Anton Admin", "Olga Owner", "Maria Manager"]


def english_leaks(html: str, allowed=()) -> list[str]:
    """``tests.languages.english_leaks`` but for the staff layout's brand mark (the studio name's initial)."""
    return [word for word in all_english_leaks(html, allowed) if word != settings.STUDIO_NAME[:1]]


def book(space, *, language: str, email: str = "irina@example.com") -> Booking:
    booking = booking_create(space=space, start=studio_time(3, 10), end=studio_time(3, 12), client_name="Irina Petrova",
                             client_phone="+79161234567", client_email=email, language=language, by=None)
    # An amount with kopecks and thousands, to see the language's money.
    Booking.objects.filter(pk=booking.pk).update(total_price=Decimal("1234.50"))
    booking.refresh_from_db()
    return booking


def delivered() -> list:
    delivery.deliver_due()
    sent = list(mail.outbox)
    mail.outbox.clear()
    return sent


def russian_day(moment) -> str:
    with translation.override("ru"):
        return when(moment, "day")


class TestGuestEmails:
    def test_a_russian_guest_gets_a_russian_subject_and_body_with_russian_money_and_dates(self, space):
        booking = book(space, language="ru")
        (message,) = delivered()
        assert message.subject == f"Мы получили вашу заявку {booking.reference}"
        html = message.alternatives[0][0]
        for part in (message.body, html):
            assert "Спасибо! Мы получили вашу заявку" in part and "Номер брони" in part
            assert f"1{NARROW_SPACE}234,50{NARROW_SPACE}₽" in part
            assert f"{russian_day(booking.start)}, 10:00–12:00" in part
        assert '<html lang="ru">' in html
        assert english_leaks(html, allowed=[*NAMES, booking.reference]) == []

    def test_an_english_guest_gets_english_whatever_the_studio_speaks(self, space, settings):
        settings.STUDIO_LANGUAGE = "ru"
        booking = book(space, language="en")
        with translation.override("ru"):  # the sender's own language does not leak into the message
            (message,) = delivered()
        assert message.subject == f"We have your request {booking.reference}"
        assert "₽1,234.50" in message.body and "10:00–12:00" in message.body and "Reference" in message.body

    def test_a_guest_without_a_language_is_written_to_in_the_studios(self, space, settings):
        settings.STUDIO_LANGUAGE = "ru"
        booking = book(space, language="")
        (message,) = delivered()
        assert message.subject == f"Мы получили вашу заявку {booking.reference}"

    def test_the_confirmation_and_cancellation_in_russian(self, space, admin):
        booking = book(space, language="ru")
        delivered()
        booking = booking_transition(booking=booking, to=BookingState.CONFIRMED, by=admin)
        booking_transition(booking=booking, to=BookingState.CANCELLED, by=admin, reason="Клиент попросил")
        subjects = [m.subject for m in delivered()]
        assert subjects == [f"Бронирование {booking.reference} подтверждено",
                            f"Бронирование {booking.reference} отменено"]

    @pytest.mark.parametrize(("hours", "words"), [
        (1, "1 час"), (2, "2 часа"), (5, "5 часов"), (11, "11 часов"), (21, "21 час"), (22, "22 часа")])
    def test_a_reminder_counts_its_hours_in_russian(self, space, admin, hours, words):
        booking = book(space, language="ru")
        reminder = Notification(kind=Kind.REMINDER, channel=Channel.EMAIL, audience=Audience.GUEST, booking=booking,
                                recipient="irina@example.com", payload={"hours": hours})
        message = emails.email_message(reminder)
        assert message.subject.startswith("Напоминание: White Hall, ")
        assert f"начало примерно через {words}." in message.body

    def test_an_answered_data_request_is_told_in_the_guests_language(self, client, space, owner, staff_client):
        from compliance.models import DataRequest

        booking = book(space, language="ru")
        delivered()
        client.post("/book/lookup/", {"reference": booking.reference, "phone": "+7 916 123-45-67"})
        client.post(f"/book/lookup/{booking.reference}/my-data/copy/")
        request = DataRequest.objects.get()
        staff_client(owner).post(f"/compliance/requests/{request.pk}/export/")
        (message,) = delivered()
        assert message.subject == "Копия ваших персональных данных готова"
        assert "позвоните или приходите в студию" in message.body


class TestStaffEmails:
    @pytest.mark.parametrize(("language", "subject", "lead"), [
        ("ru", "Бронь {reference} отменена", "Бронирование отменено (Olga Owner). Причина: Не пришла оплата"),
        ("en", "{reference} is cancelled", "Olga Owner cancelled the booking: Не пришла оплата"),
    ])
    def test_a_staff_email_is_in_the_employees_account_language(self, space, admin, owner, language, subject, lead):
        admin.language = language
        admin.save(update_fields=["language"])
        StaffNotificationSettings.objects.create(employee=admin, email_cancelled=True)
        booking = book(space, language="en", email="")
        booking_transition(booking=booking, to=BookingState.CANCELLED, by=owner, reason="Не пришла оплата")
        (message,) = delivered()
        assert message.to == [admin.email]
        assert message.subject == subject.format(reference=booking.reference)
        assert lead in message.body and lead in message.alternatives[0][0]


class TestTelegram:
    @pytest.fixture(autouse=True)
    def fresh(self, fresh_limits):
        return fresh_limits

    def test_the_staff_chat_reads_the_studios_language_with_its_buttons(self, telegram, space, settings):
        settings.STUDIO_LANGUAGE = "ru"
        booking = book(space, language="en")
        delivery.deliver_due()
        (sent,) = telegram.sent()
        assert sent["chat_id"] == STAFF_CHAT
        lines = sent["text"].split("\n")
        assert lines[0] == f"Новая заявка {booking.reference}"
        assert lines[1] == f"White Hall, {russian_day(booking.start)}, 10:00–12:00"
        assert lines[2] == f"Irina · 1{NARROW_SPACE}234,50{NARROW_SPACE}₽"
        buttons = [button["text"] for button in sent["reply_markup"]["inline_keyboard"][0]]
        assert buttons == ["Подтвердить", "Отклонить"]

    def test_in_an_english_studio_the_chat_is_english(self, telegram, space, settings):
        settings.STUDIO_LANGUAGE = "en"
        booking = book(space, language="ru")
        delivery.deliver_due()
        (sent,) = telegram.sent()
        assert sent["text"].startswith(f"New request {booking.reference}\n") and "₽1,234.50" in sent["text"]
        assert [b["text"] for b in sent["reply_markup"]["inline_keyboard"][0]] == ["Confirm", "Decline"]

    def test_a_press_is_answered_in_the_employees_language_and_the_chat_in_the_studios(
            self, client, telegram, space, admin, settings):
        settings.STUDIO_LANGUAGE = "ru"
        admin.language = "en"
        admin.save(update_fields=["language"])
        link_telegram(admin, 5552)
        booking = book(space, language="ru")
        delivery.deliver_due()
        (sent,) = telegram.sent()
        assert press(client, sent, 0, telegram_user_id=5552).status_code == 200
        assert telegram.calls_to("answerCallbackQuery")[0].body["text"] == f"Done: {booking.reference} is confirmed."
        edited = telegram.calls_to("editMessageText")[0].body["text"]
        assert "\n\n✅ Подтверждено: Anton Admin, " in edited

    def test_a_decline_is_recorded_in_the_studios_words(self, client, telegram, space, admin, settings):
        settings.STUDIO_LANGUAGE = "ru"
        in_russian(admin)
        link_telegram(admin, 5552)
        booking = book(space, language="ru")
        delivery.deliver_due()
        (sent,) = telegram.sent()
        press(client, sent, 1, telegram_user_id=5552)
        booking.refresh_from_db()
        assert booking.state == BookingState.CANCELLED
        assert booking.transitions.last().reason == "Отклонена в Telegram"
        answer = telegram.calls_to("answerCallbackQuery")[0].body["text"]
        assert answer == f"Готово: заявка {booking.reference} отклонена, время снова свободно."
        assert len(telegram.sent()) == 1, "declined in the chat: the chat is not told again"

    @pytest.mark.parametrize(("language_code", "start"), [("ru", "Ваш аккаунт Telegram не привязан"),
                                                          ("en-GB", "Your Telegram account is not linked"),
                                                          ("de", "Ваш аккаунт Telegram не привязан")])
    def test_a_stranger_is_answered_in_their_telegram_language_or_the_studios(
            self, client, telegram, space, settings, language_code, start):
        settings.STUDIO_LANGUAGE = "ru"
        book(space, language="ru")
        delivery.deliver_due()
        (sent,) = telegram.sent()
        data = sent["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        post_update(client, {"update_id": 2, "callback_query": {
            "id": "cb-2", "data": data,
            "from": {"id": 999, "is_bot": False, "first_name": "Stranger", "language_code": language_code}}})
        assert telegram.calls_to("answerCallbackQuery")[0].body["text"].startswith(start)

    def test_the_bot_greets_in_the_senders_language(self, client, telegram):
        post_update(client, {"update_id": 3, "message": {
            "message_id": 1, "chat": {"id": 42, "type": "private"}, "text": "/start",
            "from": {"id": 42, "is_bot": False, "first_name": "Oleg", "language_code": "ru"}}})
        assert telegram.calls_to("sendMessage")[0].body["text"].startswith("Здравствуйте! Чтобы получать сюда заявки")

    def test_an_expired_request_is_told_to_the_chat_in_russian(self, space, settings):
        settings.STUDIO_LANGUAGE = "ru"
        booking = book(space, language="ru")
        notification = Notification(kind=Kind.CANCELLED, channel=Channel.TELEGRAM, audience=Audience.STAFF,
                                    booking=booking, recipient=STAFF_CHAT, payload={"expired": True})
        with translation.override("ru"):
            text = message_text(notification)
        assert text.startswith(f"Заявка {booking.reference} отменена: её не подтвердили вовремя.")


class TestDeliveriesPage:
    def test_the_deliveries_page_reads_russian(self, staff_client, admin, space):
        in_russian(admin)
        booking = book(space, language="ru")
        Notification.objects.all().delete()
        rows = [(Status.SENT, Channel.EMAIL, Kind.CONFIRMED, ""),
                (Status.FAILED, Channel.EMAIL, Kind.REMINDER, "Почтовый сервер отклонил адрес."),
                (Status.DEAD, Channel.TELEGRAM, Kind.REQUESTED, "Telegram отклонил sendMessage (400): chat not found"),
                (Status.QUEUED, Channel.EMAIL, Kind.DATA_EXPORT, "")]
        for number, (status, channel, kind, error) in enumerate(rows):
            Notification.objects.create(
                booking=booking, kind=kind, channel=channel, status=status, last_error=error,
                audience=Audience.GUEST if channel == Channel.EMAIL else Audience.STAFF,
                recipient="irina@example.com" if channel == Channel.EMAIL else STAFF_CHAT,
                attempts={Status.SENT: 1, Status.FAILED: 2, Status.DEAD: 5, Status.QUEUED: 0}[status],
                dedupe_key=f"ru:{number}")
        html = staff_client(admin).get("/notifications/").content.decode()
        assert '<html lang="ru"' in html
        text_only = " ".join(re.sub(r"<[^>]+>", " ", html).split())
        for text in ("Уведомления", "4 сообщения", "Отправлено", "Ошибка", "Не доставлено", "В очереди",
                     "Копия данных готова", "Напоминание", "5 попыток", "2 попытки", "1 попытка", "чат студии",
                     "Повторить"):
            assert text in text_only, text
        # The Telegram error quotes Telegram's own words: data, not the page's language.
        assert english_leaks(html, allowed=[*NAMES, booking.reference, "sendMessage", "chat not found",
                                            "i•••@example.com"]) == []

    def test_an_empty_filtered_list_reads_russian(self, staff_client, admin):
        in_russian(admin)
        html = staff_client(admin).get("/notifications/?status=dead").content.decode()
        assert "Подходящих сообщений нет" in html and "Сбросить фильтры" in html
        assert english_leaks(html, allowed=NAMES) == []

    def test_a_guest_browser_does_not_change_a_staff_page(self, staff_client, admin):
        admin.language = "en"
        admin.save(update_fields=["language"])
        html = staff_client(admin).get("/notifications/", **RUSSIAN_BROWSER).content.decode()
        assert "No messages yet" in html


class TestAccountSection:
    def test_the_notifications_section_of_the_account_page_reads_russian(self, staff_client, manager, settings):
        settings.TELEGRAM_BOT_TOKEN, settings.TELEGRAM_CHAT_ID = "4242:token-for-tests", "-100500"
        in_russian(manager)
        client = staff_client(manager)
        client.post("/notifications/account/telegram/code/")
        html = client.get("/account/").content.decode()
        for text in ("Уведомления по почте", "Присылать письма о бронированиях моих залов:", "Новые заявки",
                     "Отправьте это сообщение боту студии в Telegram:", "Код одноразовый и действует до"):
            assert text in html, text
