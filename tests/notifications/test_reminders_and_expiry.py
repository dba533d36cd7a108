"""The scheduled jobs: guests' reminders, once each however often they run, and requests that expire."""

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from bookings.availability import find_conflict
from bookings.models import ActorKind, Booking, BookingState
from bookings.services import booking_create, booking_transition, booking_update
from notifications import delivery
from notifications.models import Kind, Notification
from tests.factories import studio_time

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


def confirmed(space, start, admin, *, hours=2, email="irina@example.com"):
    booking = booking_create(space=space, start=start, end=start + timedelta(hours=hours), client_name="Irina Petrova",
                             client_phone="+79161234567", client_email=email, by=None)
    return booking_transition(booking=booking, to=BookingState.CONFIRMED, by=admin)


def reminders() -> list[tuple[int, int]]:
    return sorted(Notification.objects.filter(kind=Kind.REMINDER).values_list("booking", "payload__hours"))


def run_reminders(times: int = 1) -> None:
    for _ in range(times):
        call_command("send_reminders", stdout=StringIO())


class TestReminders:
    def test_ten_runs_send_each_reminder_once(self, space, admin):
        first = confirmed(space, studio_time(3, 18), admin)
        later = confirmed(space, studio_time(5, 10), admin)
        with time_machine.travel(first.start - timedelta(hours=23), tick=False):
            run_reminders(10)
            delivery.deliver_due()
        assert reminders() == [(first.pk, 24)]
        with time_machine.travel(first.start - timedelta(hours=1, minutes=30), tick=False):
            run_reminders(10)
            delivery.deliver_due()
        assert reminders() == [(first.pk, 2), (first.pk, 24)]
        sent = [m.subject for m in mail.outbox if m.subject.startswith("Reminder")]
        assert len(sent) == 2 and later.pk not in [pk for pk, _ in reminders()]

    def test_a_guest_who_books_inside_a_window_is_not_reminded_for_it(self, space, admin):
        with time_machine.travel(studio_time(3, 18) - timedelta(hours=10), tick=False):
            soon = confirmed(space, studio_time(3, 18), admin)
            run_reminders()
        assert reminders() == []
        with time_machine.travel(soon.start - timedelta(hours=1), tick=False):
            run_reminders()
        assert reminders() == [(soon.pk, 2)]

    def test_only_confirmed_bookings_with_an_email_are_reminded(self, space, admin):
        pending = booking_create(space=space, start=studio_time(2, 10), end=studio_time(2, 12), client_name="Anna",
                                 client_phone="+79161112233", client_email="anna@example.com", by=None)
        no_email = confirmed(space, studio_time(2, 14), admin, email="")
        with time_machine.travel(no_email.start - timedelta(hours=20), tick=False):
            run_reminders()
        assert reminders() == [] and pending.state == BookingState.PENDING

    def test_a_booking_moved_to_another_day_is_reminded_again(self, space, admin):
        booking = confirmed(space, studio_time(2, 10), admin)
        with time_machine.travel(booking.start - timedelta(hours=20), tick=False):
            run_reminders()
        booking = booking_update(booking=booking, version=booking.version, by=admin, start=studio_time(4, 10),
                                 end=studio_time(4, 12))
        with time_machine.travel(booking.start - timedelta(hours=20), tick=False):
            run_reminders(3)
        assert reminders() == [(booking.pk, 24), (booking.pk, 24)]


@pytest.fixture
def berlin(settings, studio_hours):
    settings.TIME_ZONE = "Europe/Berlin"
    studio_hours(0, 24)
    with timezone.override(BERLIN):
        yield


class TestDaylightSaving:
    """Berlin's clocks jump from 02:00 to 03:00 on 28 March 2027: the night before is an hour short."""

    def test_the_day_before_reminder_comes_twenty_four_real_hours_before(self, berlin, space, admin):
        with time_machine.travel(datetime(2027, 3, 20, 12, tzinfo=BERLIN), tick=False):
            booking = confirmed(space, datetime(2027, 3, 28, 10, tzinfo=BERLIN), admin)
        # 24 real hours before 10:00 summer time is 09:00 winter time the day before, not 10:00.
        with time_machine.travel(datetime(2027, 3, 27, 8, 50, tzinfo=BERLIN), tick=False):
            run_reminders()
        assert reminders() == []
        with time_machine.travel(datetime(2027, 3, 27, 9, 10, tzinfo=BERLIN), tick=False):
            run_reminders()
            delivery.deliver_due()
        assert reminders() == [(booking.pk, 24)]
        (message,) = [m for m in mail.outbox if m.subject.startswith("Reminder")]
        assert "Sun 28 Mar, 10:00–12:00" in message.subject and "10:00–12:00" in message.body

    def test_the_two_hour_reminder_across_the_jump(self, berlin, space, admin):
        with time_machine.travel(datetime(2027, 3, 20, 12, tzinfo=BERLIN), tick=False):
            booking = confirmed(space, datetime(2027, 3, 28, 4, tzinfo=BERLIN), admin)
        # 01:30 winter time is an hour and a half before 04:00 summer time (the wall clock says 2 h 30).
        with time_machine.travel(datetime(2027, 3, 28, 1, 30, tzinfo=BERLIN), tick=False):
            run_reminders()
        assert reminders() == [(booking.pk, 2)]


class TestExpiry:
    def test_a_request_nobody_confirmed_in_time_is_cancelled_and_its_slot_is_free(self, space, settings):
        settings.PENDING_EXPIRY_HOURS = 24
        booking = booking_create(space=space, start=studio_time(5, 10), end=studio_time(5, 12), client_name="Anna",
                                 client_phone="+79161112233", client_email="anna@example.com", by=None)
        young = booking_create(space=space, start=studio_time(5, 14), end=studio_time(5, 16), client_name="Boris",
                               client_phone="+79161112244", by=None)
        Booking.objects.filter(pk=booking.pk).update(created_at=timezone.now() - timedelta(hours=25))
        delivery.deliver_due()
        mail.outbox.clear()

        call_command("send_reminders", stdout=StringIO())

        booking.refresh_from_db()
        assert booking.state == BookingState.CANCELLED
        expiry = booking.transitions.last()
        assert (expiry.from_state, expiry.to_state, expiry.reason) == (BookingState.PENDING, BookingState.CANCELLED,
                                                                       "Not confirmed in time")
        assert expiry.actor is None and expiry.actor_kind == ActorKind.SYSTEM and expiry.actor_label == "System"
        find_conflict(space, booking.start, booking.end)  # raises if the slot were still held
        assert Booking.objects.get(pk=young.pk).state == BookingState.PENDING
        delivery.deliver_due()
        assert [m.subject for m in mail.outbox] == [f"Your request {booking.reference} has expired"]

    def test_a_request_whose_time_has_come_expires_even_with_the_age_limit_off(self, space, settings, admin):
        settings.PENDING_EXPIRY_HOURS = 0
        booking = booking_create(space=space, start=studio_time(1, 10), end=studio_time(1, 12), client_name="Anna",
                                 client_phone="+79161112233", by=None)
        kept = confirmed(space, studio_time(1, 14), admin)
        Booking.objects.filter(pk=booking.pk).update(created_at=timezone.now() - timedelta(days=30))
        with time_machine.travel(booking.start + timedelta(minutes=1), tick=False):
            call_command("send_reminders", stdout=StringIO())
            assert Booking.objects.get(pk=booking.pk).state == BookingState.CANCELLED
        assert Booking.objects.get(pk=kept.pk).state == BookingState.CONFIRMED

    def test_with_the_age_limit_off_a_young_request_stays(self, space, settings):
        settings.PENDING_EXPIRY_HOURS = 0
        booking = booking_create(space=space, start=studio_time(5, 10), end=studio_time(5, 12), client_name="Anna",
                                 client_phone="+79161112233", by=None)
        Booking.objects.filter(pk=booking.pk).update(created_at=timezone.now() - timedelta(days=3))
        call_command("send_reminders", stdout=StringIO())
        assert Booking.objects.get(pk=booking.pk).state == BookingState.PENDING
