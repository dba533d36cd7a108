"""The outbox: a row with every change that tells someone, in its transaction, once; and its delivery."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from bookings.access import assign_spaces
from bookings.models import Booking, BookingState, PaymentStatus
from bookings.services import booking_create, booking_set_payment, booking_transition, booking_update
from bookings.signals import booking_recorded
from notifications import background, delivery
from notifications.models import Audience, Channel, Kind, Notification, StaffNotificationSettings, Status
from tests.factories import EmployeeFactory, studio_time

from .conftest import guest_books


def book(space, *, email="irina@example.com", by=None, hour=10):
    return booking_create(space=space, start=studio_time(3, hour), end=studio_time(3, hour + 2),
                          client_name="Irina Petrova", client_phone="+79161234567", client_email=email, by=by)


def rows():
    return list(Notification.objects.order_by("pk").values_list("kind", "channel", "audience"))


@pytest.mark.django_db
class TestWhatEachChangeWrites:
    def test_a_request_writes_the_guest_email_and_the_staff_chat_with_it(self, space, telegram):
        book(space)
        assert rows() == [(Kind.REQUESTED, Channel.EMAIL, Audience.GUEST), (Kind.REQUESTED, Channel.TELEGRAM, Audience.STAFF)]

    def test_confirming_cancelling_and_moving_tell_the_guest(self, space, admin):
        booking = book(space)
        booking = booking_transition(booking=booking, to=BookingState.CONFIRMED, by=admin)
        booking = booking_update(booking=booking, version=booking.version, by=admin, start=studio_time(3, 14),
                                 end=studio_time(3, 16))
        booking_transition(booking=booking, to=BookingState.CANCELLED, by=admin, reason="Client called")
        assert [kind for kind, _, _ in rows()] == [Kind.REQUESTED, Kind.CONFIRMED, Kind.RESCHEDULED, Kind.CANCELLED]

    def test_a_guest_without_an_email_and_a_payment_tell_nobody(self, space, admin):
        booking = book(space, email="")
        booking_set_payment(booking=booking, status=PaymentStatus.PAID, by=admin)
        booking_update(booking=Booking.objects.get(), version=2, by=admin, notes="Bring a tripod")
        assert rows() == []

    def test_the_recipient_is_encrypted_at_rest(self, space):
        book(space)
        with connection.cursor() as cursor:
            cursor.execute("SELECT recipient FROM notifications_notification")
            stored = cursor.fetchone()[0]
        assert "irina" not in stored and Notification.objects.get().recipient == "irina@example.com"

    def test_one_event_never_makes_two_rows(self, space):
        booking = book(space)
        with transaction.atomic():
            booking_recorded.send(sender=Booking, booking=booking, event="created", by=None, from_state="draft",
                                  to_state="pending", reason="", fields=set())
        assert Notification.objects.count() == 1

    def test_staff_who_asked_get_emails_for_the_halls_they_see_but_not_of_their_own_changes(self, studio, owner):
        maria = EmployeeFactory(username="maria", full_name="Maria", role="manager", email="maria@studio.test")
        assign_spaces(maria, [studio["white"]])
        for employee in (maria, owner):
            StaffNotificationSettings.objects.create(employee=employee, email_requested=True, email_cancelled=True)
        white = book(studio["white"], email="")
        loft = book(studio["loft"], email="")
        booking_transition(booking=white, to=BookingState.CANCELLED, by=owner, reason="Double booking")
        staff = list(Notification.objects.filter(audience=Audience.STAFF).values_list("booking", "kind", "employee"))
        assert sorted(staff) == sorted([
            (white.pk, Kind.REQUESTED, maria.pk), (white.pk, Kind.REQUESTED, owner.pk),
            (loft.pk, Kind.REQUESTED, owner.pk), (white.pk, Kind.CANCELLED, maria.pk),
        ])


@pytest.mark.django_db(transaction=True)
class TestAfterTheCommit:
    def test_a_rolled_back_change_leaves_no_row_and_sends_nothing(self, space, owner, telegram):
        booking = book(space, email="")
        assert background.wait_idle()
        telegram.calls.clear()

        with pytest.raises(RuntimeError), transaction.atomic():
            booking_transition(booking=booking, to=BookingState.CANCELLED, by=owner, reason="Mistake")
            assert Notification.objects.filter(kind=Kind.CANCELLED).exists()
            raise RuntimeError("something later in the request failed")

        assert background.wait_idle()
        assert not Notification.objects.filter(kind=Kind.CANCELLED).exists()
        assert telegram.calls == [] and mail.outbox == []
        assert delivery.deliver_due() == {}

    @pytest.mark.usefixtures("fresh_limits")
    def test_the_embedded_defaults_email_the_guest_from_the_server_process(self, client, space):
        assert guest_books(client).status_code == 201
        assert background.wait_idle()
        assert [m.to for m in mail.outbox] == [["irina@example.com"]]
        assert Notification.objects.get().status == Status.SENT


@pytest.mark.django_db
class TestRetries:
    def test_failures_back_off_then_the_row_is_dead_with_its_error(self, space, settings, monkeypatch):
        settings.NOTIFICATION_MAX_ATTEMPTS = 3
        book(space)

        def refuse(message, fail_silently=False):
            raise ConnectionRefusedError("mail server down")

        monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
        waits = []
        for _ in range(3):
            Notification.objects.update(next_attempt_at=timezone.now())
            delivery.deliver_due()
            row = Notification.objects.get()
            waits.append((row.next_attempt_at - row.updated_at).total_seconds())
        assert row.status == Status.DEAD and row.attempts == 3 and "mail server down" in row.last_error
        assert 15 <= waits[0] <= 30 and 30 <= waits[1] <= 60

    def test_back_off_doubles_with_jitter_up_to_an_hour(self):
        import random

        rng = random.Random(1)
        for attempts, ceiling in ((1, 30), (2, 60), (5, 480), (12, 3600)):
            waits = [delivery.backoff_seconds(attempts, rng) for _ in range(50)]
            assert all(ceiling / 2 <= wait <= ceiling for wait in waits)
            assert len({round(wait) for wait in waits}) > 5, "jittered, not all alike"

    def test_a_row_left_sending_by_a_crashed_sender_goes_out_once_its_lease_ends(self, space):
        book(space)
        claimed = delivery.claim()
        assert [row.status for row in Notification.objects.all()] == [Status.SENDING] and len(claimed) == 1
        assert delivery.deliver_due() == {}, "another sender leaves a claimed row alone"
        Notification.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
        assert delivery.deliver_due() == {Status.SENT: 1}
        assert len(mail.outbox) == 1
