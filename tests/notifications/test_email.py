"""Emails as guests and staff receive them: through a real SMTP server once, the local-memory outbox otherwise."""

import email
import email.policy
import socket
from datetime import UTC

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from django.core import mail
from icalendar import Calendar

from bookings.models import BookingState
from bookings.services import booking_create, booking_transition, booking_update
from notifications import delivery
from notifications.models import Notification, Status
from tests.factories import studio_time

pytestmark = pytest.mark.django_db


def book(space, email="irina@example.com"):
    return booking_create(space=space, start=studio_time(3, 10), end=studio_time(3, 12), client_name="Irina Petrova",
                          client_phone="+79161234567", client_email=email, by=None)


def delivered():
    delivery.deliver_due()
    sent = list(mail.outbox)
    mail.outbox.clear()
    return sent


def parts(message) -> dict[str, str]:
    return {"text": message.body, "html": message.alternatives[0][0]}


class TestGuestEmails:
    def test_a_request_is_acknowledged_in_text_and_html(self, space):
        booking = book(space)
        (message,) = delivered()
        assert message.to == ["irina@example.com"]
        assert message.subject == f"We have your request {booking.reference}"
        body = parts(message)
        for part in body.values():
            assert booking.reference in part and "White Hall" in part and "10:00–12:00" in part
        assert body["html"].lstrip().startswith("<!doctype html>")
        assert "+7" not in body["text"]

    def test_a_confirmation_carries_the_booking_as_a_calendar_file(self, space, admin):
        booking = book(space)
        delivered()
        booking_transition(booking=booking, to=BookingState.CONFIRMED, by=admin)
        (message,) = delivered()
        assert message.subject == f"Your booking {booking.reference} is confirmed"
        ((name, content, mimetype),) = message.attachments
        assert (name, mimetype) == (f"{booking.reference}.ics", "text/calendar")
        event = Calendar.from_ical(content).walk("VEVENT")[0]
        assert event.decoded("dtstart") == booking.start.astimezone(UTC)
        assert event.decoded("dtend") == booking.end.astimezone(UTC)
        assert str(event["uid"]) == f"{booking.reference}@studio-crm"

    def test_a_new_time_and_a_cancellation_are_told(self, space, admin):
        booking = book(space)
        booking = booking_update(booking=booking, version=booking.version, by=admin, start=studio_time(3, 14),
                                 end=studio_time(3, 16))
        booking_transition(booking=booking, to=BookingState.CANCELLED, by=admin, reason="Client asked")
        subjects = [m.subject for m in delivered()]
        assert subjects == [f"We have your request {booking.reference}", f"Your booking {booking.reference} has changed",
                            f"Your booking {booking.reference} is cancelled"]

    def test_the_staff_reason_for_a_cancellation_stays_in_the_studio(self, space, admin):
        booking = book(space)
        booking_transition(booking=booking, to=BookingState.CANCELLED, by=admin, reason="Unpaid twice before")
        assert all("Unpaid" not in part for message in delivered() for part in parts(message).values())

    def test_html_email_escapes_what_people_typed(self, space, admin):
        from notifications.models import StaffNotificationSettings

        StaffNotificationSettings.objects.create(employee=admin, email_cancelled=True)
        booking = book(space, email="")
        booking_transition(booking=booking, to=BookingState.CANCELLED, by=None, reason="<b>late</b>")
        (message,) = delivered()
        assert "&lt;b&gt;late&lt;/b&gt;" in parts(message)["html"] and "<b>late</b>" in message.body

    def test_a_refused_address_is_dead_at_once(self, space, monkeypatch):
        import smtplib

        def refuse(self, messages):
            raise smtplib.SMTPRecipientsRefused({"irina@example.com": (550, b"No such user")})

        monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
        book(space)
        delivery.deliver_due()
        row = Notification.objects.get()
        assert row.status == Status.DEAD and row.attempts == 1 and "refused the address" in row.last_error


class Inbox(Message):
    def __init__(self):
        super().__init__(message_class=email.message.EmailMessage)
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_confirmation_through_a_real_smtp_server(space, admin, settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        booking = book(space)
        booking_transition(booking=booking, to=BookingState.CONFIRMED, by=admin)
        assert delivery.deliver_due() == {Status.SENT: 2}
    finally:
        controller.stop()
    received = [email.message_from_bytes(m.as_bytes(), policy=email.policy.default) for m in inbox.messages]
    assert [m["To"] for m in received] == ["irina@example.com"] * 2
    confirmation = received[1]
    assert confirmation["Subject"] == f"Your booking {booking.reference} is confirmed"
    kinds = [part.get_content_type() for part in confirmation.walk()]
    assert {"text/plain", "text/html", "text/calendar"} <= set(kinds)
    ics = next(part for part in confirmation.walk() if part.get_content_type() == "text/calendar")
    assert f"UID:{booking.reference}@studio-crm" in ics.get_content()
