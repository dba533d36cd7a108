"""The staff chat, against a stand-in Bot API: what a guest booking sends, and what the buttons do."""

import logging
import time

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.core import mail

from bookings.models import ActorKind, Booking, BookingState
from bookings.services import booking_transition
from notifications import background, delivery
from notifications.models import Channel, Kind, Notification, StaffNotificationSettings, Status
from notifications.services import telegram_link_code_create
from tests.factories import BookingFactory, studio_time
from tests.live import board_socket, messages_until_quiet, next_message
from tests.signing_in import session_cookie

from .conftest import STAFF_CHAT, guest_books, link_telegram, post_update, press

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_limits")]


def staff_message(telegram) -> dict:
    assert background.wait_idle()
    sent = telegram.sent()
    assert len(sent) == 1, sent
    return sent[0]


class TestANewRequest:
    def test_a_guest_booking_sends_the_staff_chat_one_message_with_confirm_and_decline(self, client, telegram, space):
        assert guest_books(client).status_code == 201
        message = staff_message(telegram)
        booking = Booking.objects.get()
        assert message["chat_id"] == STAFF_CHAT
        assert booking.reference in message["text"] and "White Hall" in message["text"] and "Irina" in message["text"]
        assert "+7" not in message["text"] and "irina@example.com" not in message["text"]
        buttons = message["reply_markup"]["inline_keyboard"][0]
        assert [(b["text"], b["callback_data"]) for b in buttons] == [
            ("Confirm", f"confirm:{booking.pk}:1"), ("Decline", f"decline:{booking.pk}:1")]
        assert Notification.objects.get(channel=Channel.TELEGRAM).status == Status.SENT

    def test_a_booking_staff_take_by_phone_does_not_ask_the_chat(self, telegram, owner, space):
        from bookings.services import booking_create

        booking_create(space=space, start=studio_time(3, 10), end=studio_time(3, 12), client_name="Oleg",
                       client_phone="+79161234567", by=owner)
        assert background.wait_idle()
        assert telegram.calls == []

    def test_the_guest_booking_answers_at_once_while_telegram_hangs(self, client, telegram, space):
        telegram.answer_next(("hang", 3))
        began = time.perf_counter()
        response = guest_books(client)
        took = time.perf_counter() - began
        assert response.status_code == 201
        assert took < 1.0, f"the booking waited {took:.2f} s for Telegram"
        assert background.wait_idle(10)
        row = Notification.objects.get(channel=Channel.TELEGRAM)
        assert row.status == Status.FAILED and row.attempts == 1 and "timed out" in row.last_error


class TestTheButtons:
    def test_confirm_acts_as_the_linked_employee_edits_the_message_and_the_board_hears_it(
            self, client, telegram, manager, owner, space):
        link_telegram(manager, 5551)
        guest_books(client)
        message = staff_message(telegram)
        booking = Booking.objects.get()

        async def scenario():
            socket = board_socket(await sync_to_async(session_cookie)(owner))
            assert (await socket.connect())[0]
            await messages_until_quiet(socket)
            response = await sync_to_async(press)(client, message, 0, telegram_user_id=5551)
            assert response.status_code == 200
            card = await next_message(socket, "card")
            assert (card["id"], card["state"]) == (booking.pk, "confirmed")
            await socket.disconnect()

        async_to_sync(scenario)()
        booking.refresh_from_db()
        assert booking.state == BookingState.CONFIRMED
        confirmed = booking.transitions.last()
        assert (confirmed.actor, confirmed.actor_kind) == (manager, ActorKind.EMPLOYEE)
        edit = telegram.calls_to("editMessageText")[0].body
        assert edit["message_id"] == 77 and edit["text"].startswith(message["text"])
        assert "Confirmed by Maria Manager" in edit["text"] and "reply_markup" not in edit
        assert "confirmed" in telegram.calls_to("answerCallbackQuery")[0].body["text"]

    def test_decline_cancels_the_request_with_a_reason_and_tells_the_guest(self, client, telegram, admin, space):
        link_telegram(admin, 5552)
        guest_books(client)
        message = staff_message(telegram)
        mail.outbox.clear()
        press(client, message, 1, telegram_user_id=5552)
        assert background.wait_idle()
        booking = Booking.objects.get()
        assert booking.state == BookingState.CANCELLED
        assert booking.transitions.last().reason == "Declined in Telegram"
        assert "Declined by Anton Admin" in telegram.calls_to("editMessageText")[0].body["text"]
        assert len(telegram.calls_to("sendMessage")) == 1, "the edited message says it: the chat is not told twice"
        assert [m.subject for m in mail.outbox] == [f"Your booking {booking.reference} is cancelled"]

    @pytest.mark.parametrize("who", ["unlinked", "manager of another hall", "deactivated"])
    def test_a_press_by_someone_who_may_not_answer_changes_nothing(self, client, telegram, studio, who, caplog):
        from employees.models import EmployeeStatus
        from tests.factories import EmployeeFactory

        if who == "manager of another hall":
            from bookings.access import assign_spaces

            pavel = EmployeeFactory(username="pavel", role="manager")
            assign_spaces(pavel, [studio["cyclorama"]])
            link_telegram(pavel, 6001)
        elif who == "deactivated":
            gone = EmployeeFactory(username="gone", role="admin")
            link_telegram(gone, 6001)
            gone.status = EmployeeStatus.DEACTIVATED
            gone.save()
        guest_books(client)
        message = staff_message(telegram)
        with caplog.at_level(logging.WARNING, logger="studio.security"):
            response = press(client, message, 0, telegram_user_id=6001)
        assert response.status_code == 200
        booking = Booking.objects.get()
        assert booking.state == BookingState.PENDING and booking.version == 1
        answer = telegram.calls_to("answerCallbackQuery")[0].body
        assert answer["show_alert"] is True and answer["text"]
        assert telegram.calls_to("editMessageText") == []
        assert "denied telegram_user=6001" in caplog.text

    @pytest.mark.parametrize("secret", [None, "", "guessed-secret"])
    def test_a_forged_update_is_refused_and_changes_nothing(self, client, telegram, admin, space, secret):
        link_telegram(admin, 5552)
        guest_books(client)
        message = staff_message(telegram)
        response = press(client, message, 0, telegram_user_id=5552, secret=secret)
        assert response.status_code == 403
        assert Booking.objects.get().state == BookingState.PENDING
        assert telegram.calls_to("answerCallbackQuery") == []

    def test_without_a_secret_configured_the_webhook_refuses_everything(self, client, telegram, settings):
        settings.TELEGRAM_WEBHOOK_SECRET = ""
        assert post_update(client, {"update_id": 1}, secret="").status_code == 403

    def test_a_press_on_a_request_someone_answered_meanwhile_is_told_so(self, client, telegram, admin, owner, space):
        link_telegram(admin, 5552)
        guest_books(client)
        message = staff_message(telegram)
        booking_transition(booking=Booking.objects.get(), to=BookingState.CONFIRMED, by=owner)
        press(client, message, 1, telegram_user_id=5552)
        assert Booking.objects.get().state == BookingState.CONFIRMED
        answer = telegram.calls_to("answerCallbackQuery")[0].body
        assert answer["show_alert"] is True and "changed by someone else" in answer["text"]


class TestLinking:
    def private_message(self, text: str, user_id: int = 7001) -> dict:
        return {"update_id": 2, "message": {"message_id": 3, "text": text, "chat": {"id": user_id, "type": "private"},
                                            "from": {"id": user_id, "is_bot": False, "username": "maria_tg"}}}

    def test_the_code_from_the_account_page_links_the_sender_once(self, client, telegram, manager):
        code, _expires = telegram_link_code_create(employee=manager)
        post_update(client, self.private_message(f"/start {code}"))
        assert StaffNotificationSettings.objects.get(employee=manager).telegram_user_id == 7001
        assert "Maria Manager" in telegram.calls_to("sendMessage")[-1].body["text"]
        post_update(client, self.private_message(code, user_id=7002))
        assert StaffNotificationSettings.objects.get(employee=manager).telegram_user_id == 7001, \
            "a used code links nobody else"
        assert "does not work" in telegram.calls_to("sendMessage")[-1].body["text"]

    def test_an_expired_code_links_nobody(self, client, telegram, manager):
        import time_machine

        code, expires_at = telegram_link_code_create(employee=manager)
        with time_machine.travel(expires_at, tick=False):
            post_update(client, self.private_message(code))
        assert not StaffNotificationSettings.objects.filter(employee=manager, telegram_user_id__isnull=False).exists()


class TestTelegramLimits:
    def test_a_429_is_honoured_and_the_message_goes_out_once_the_wait_is_over(self, telegram, space):
        telegram.answer_next(("429", 2))
        booking = BookingFactory(space=space)
        booking_transition(booking=booking, to=BookingState.CANCELLED, by=None, reason="Guest called")
        assert background.wait_idle()
        row = Notification.objects.get(channel=Channel.TELEGRAM, kind=Kind.CANCELLED)
        assert row.status == Status.QUEUED and row.attempts == 0 and "wait 2 s" in row.last_error
        assert delivery.deliver_due() == {}, "the chat is held for the whole wait"
        time.sleep(2.1)
        assert delivery.deliver_due() == {Status.SENT: 1}
        first, second = telegram.calls_to("sendMessage")
        assert second.at - first.at >= 2.0

    def test_a_500_is_retried_later_with_back_off(self, telegram, space):
        telegram.answer_next(("500",))
        booking = BookingFactory(space=space)
        booking_transition(booking=booking, to=BookingState.CANCELLED, by=None, reason="Guest called")
        assert background.wait_idle()
        row = Notification.objects.get(channel=Channel.TELEGRAM)
        assert row.status == Status.FAILED and row.attempts == 1 and "500" in row.last_error
        wait = (row.next_attempt_at - row.updated_at).total_seconds()
        assert 14 <= wait <= 31
        assert delivery.deliver_due() == {}

    def test_messages_to_one_chat_go_out_at_most_one_a_second(self, telegram, space, settings):
        settings.TELEGRAM_CHAT_ID = "500"  # a private chat: one a second
        for hour in (10, 12, 14, 16):
            booking = BookingFactory(space=space, start=studio_time(2, hour), end=studio_time(2, hour + 1))
            booking_transition(booking=booking, to=BookingState.CANCELLED, by=None, reason="Guest called")
        assert background.wait_idle(15)
        sends = [call.at for call in telegram.calls_to("sendMessage")]
        assert len(sends) == 4 and Notification.objects.filter(status=Status.SENT).count() == 4
        assert all(later - earlier >= 0.9 for earlier, later in zip(sends, sends[1:], strict=False))

    def test_a_group_chat_gets_at_most_one_message_every_three_seconds(self, settings):
        from notifications.telegram import chat_wait

        assert chat_wait("-100777") == 0.0
        assert 2.5 < chat_wait("-100777") <= 3.0, "twenty a minute at most"
        assert chat_wait("777") == 0.0
        assert 0.5 < chat_wait("777") <= 1.0
