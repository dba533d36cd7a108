from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings.errors import BookingConflict, StaleBooking, TransitionRefused
from bookings.models import GUARDED_STATES, Booking, BookingState, BookingTransition, PaymentStatus
from bookings.services import booking_create, booking_set_payment, booking_transition, booking_update
from tests.factories import BookingFactory, CalendarBlockFactory, EquipmentFactory, studio_time

pytestmark = pytest.mark.django_db

GUEST = {"client_name": "Irina Petrova", "client_phone": "+7 916 123-45-67"}


def book(space, start, hours=2, **extra):
    return booking_create(space=space, start=start, end=start + timedelta(hours=hours), **{"by": None, **GUEST, **extra})


class TestBookingTimeRules:
    def test_a_booking_on_whole_hours_is_pending_with_a_reference(self, space):
        booking = book(space, studio_time(2, 10))
        assert booking.state == BookingState.PENDING
        assert booking.reference.startswith(f"REF-{studio_time(2, 10):%Y%m%d}-")
        assert booking.duration_hours == 2
        assert booking.client_phone == "+79161234567"

    def test_half_past_start_is_refused(self, space):
        with pytest.raises(ValidationError) as error:
            book(space, studio_time(2, 10) + timedelta(minutes=30))
        assert "on the hour" in str(error.value)
        assert not Booking.objects.exists()

    @pytest.mark.parametrize("hour, hours", [(7, 2), (21, 2), (8, 1)])
    def test_outside_opening_hours_is_refused(self, space, hour, hours):
        with pytest.raises(ValidationError, match="opening hours"):
            book(space, studio_time(2, hour), hours=hours)

    def test_longer_than_the_limit_is_refused(self, space, settings):
        settings.BOOKING_MAX_HOURS = 4
        with pytest.raises(ValidationError, match="1 to 4 hours"):
            book(space, studio_time(2, 10), hours=5)

    def test_the_past_is_refused(self, space):
        with pytest.raises(ValidationError, match="already passed"):
            book(space, studio_time(-1, 10))


class TestOverlaps:
    def test_back_to_back_bookings_are_allowed(self, space):
        book(space, studio_time(2, 10))
        book(space, studio_time(2, 12))
        assert Booking.objects.count() == 2

    def test_overlap_is_refused_naming_the_taken_time(self, space):
        book(space, studio_time(2, 10))
        with pytest.raises(BookingConflict) as error:
            book(space, studio_time(2, 11))
        assert "10:00–12:00" in error.value.message
        assert error.value.alternatives, "free slots nearby are offered"
        assert Booking.objects.count() == 1

    def test_another_space_at_the_same_time_is_fine(self, studio):
        book(studio["white"], studio_time(2, 10))
        book(studio["loft"], studio_time(2, 10))
        assert Booking.objects.count() == 2

    @pytest.mark.parametrize("freeing_state", [BookingState.CANCELLED, BookingState.NO_SHOW])
    def test_cancelled_and_no_show_free_the_slot(self, space, freeing_state):
        BookingFactory(space=space, start=studio_time(2, 10), state=freeing_state)
        book(space, studio_time(2, 10))
        assert Booking.objects.filter(state=BookingState.PENDING).count() == 1

    def test_cleanup_buffer_keeps_the_next_hour_free(self, space):
        space.cleanup_minutes = 30
        space.save()
        book(space, studio_time(2, 10))
        with pytest.raises(BookingConflict):
            book(space, studio_time(2, 12))
        book(space, studio_time(2, 13))

    def test_a_block_closes_the_space(self, space):
        CalendarBlockFactory(space=space, start=studio_time(2, 12), end=studio_time(2, 15))
        with pytest.raises(BookingConflict, match="closed"):
            book(space, studio_time(2, 11))


class TestEquipment:
    def test_equipment_cannot_be_booked_beyond_stock_in_overlapping_time(self, studio):
        softbox = EquipmentFactory(name="Softbox", stock=2)
        book(studio["white"], studio_time(2, 10), equipment={softbox: 2})
        with pytest.raises(BookingConflict, match="Only 0 × Softbox"):
            book(studio["loft"], studio_time(2, 11), equipment={softbox: 1})
        book(studio["loft"], studio_time(2, 12), equipment={softbox: 2})


class TestPricing:
    def test_hours_times_rate_plus_equipment_minus_promo(self, space):
        flash = EquipmentFactory(name="Flash", price=Decimal("300.00"))
        from tests.factories import PromoCodeFactory

        PromoCodeFactory(code="SPRING", value=Decimal("10"))
        booking = book(space, studio_time(2, 10), hours=3, equipment={flash: 2}, promo_code="spring")
        assert booking.base_price == Decimal("7500.00")
        assert booking.equipment_price == Decimal("1800.00")
        assert booking.discount == Decimal("930.00")
        assert booking.total_price == Decimal("8370.00")

    def test_a_fixed_discount_never_makes_the_price_negative(self, space):
        from tests.factories import PromoCodeFactory

        PromoCodeFactory(code="HUGE", kind="fixed", value=Decimal("99999"))
        booking = book(space, studio_time(2, 10), hours=1, promo_code="HUGE")
        assert booking.total_price == Decimal("0.00")


class TestTransitions:
    def test_confirm_records_who_and_when(self, space, admin):
        booking = book(space, studio_time(2, 10))
        booking_transition(booking=booking, to=BookingState.CONFIRMED, by=admin)
        booking.refresh_from_db()
        assert booking.state == BookingState.CONFIRMED
        last = BookingTransition.objects.filter(booking=booking).last()
        assert (last.from_state, last.to_state, last.actor) == ("pending", "confirmed", admin)

    def test_cancel_needs_a_reason(self, space, admin):
        booking = book(space, studio_time(2, 10))
        with pytest.raises(ValidationError, match="reason"):
            booking_transition(booking=booking, to=BookingState.CANCELLED, by=admin)
        booking.refresh_from_db()
        assert booking.state == BookingState.PENDING

    def test_completed_cannot_go_back_to_pending(self, space, admin):
        booking = BookingFactory(space=space, state=BookingState.COMPLETED)
        with pytest.raises(TransitionRefused, match="completed booking cannot become pending"):
            booking_transition(booking=booking, to=BookingState.PENDING, by=admin)

    def test_no_show_only_from_the_start_time(self, space, admin):
        booking = BookingFactory(space=space, state=BookingState.CONFIRMED, start=studio_time(1, 10))
        with pytest.raises(TransitionRefused, match="from the start time"):
            booking_transition(booking=booking, to=BookingState.NO_SHOW, by=admin, reason="Did not come")
        with time_machine.travel(booking.start + timedelta(minutes=20)):
            booking_transition(booking=booking, to=BookingState.NO_SHOW, by=admin, reason="Did not come")
        booking.refresh_from_db()
        assert booking.state == BookingState.NO_SHOW

    @pytest.mark.skipif(settings.IS_POSTGRES, reason="on PostgreSQL the database refuses such a row outright")
    def test_confirming_a_request_that_overlaps_a_booking_is_a_conflict(self, space, admin):
        # Only rows written around the services (a shell, an import) can overlap; confirming one still refuses.
        BookingFactory(space=space, state=BookingState.CONFIRMED, start=studio_time(2, 10))
        overlapping = BookingFactory(space=space, state=BookingState.PENDING, start=studio_time(2, 11))
        with pytest.raises(BookingConflict):
            booking_transition(booking=overlapping, to=BookingState.CONFIRMED, by=admin)
        overlapping.refresh_from_db()
        assert overlapping.state == BookingState.PENDING


class TestUpdates:
    def test_a_stale_edit_is_refused(self, space, admin):
        booking = book(space, studio_time(2, 10))
        loaded_version = booking.version
        booking_set_payment(booking=booking, status=PaymentStatus.PAID, by=admin)
        with pytest.raises(StaleBooking):
            booking_update(booking=booking, version=loaded_version, by=admin, notes="Bring a ladder")
        booking.refresh_from_db()
        assert booking.notes == ""

    def test_reschedule_reprices_and_checks_conflicts(self, space, admin):
        other = book(space, studio_time(2, 14))
        booking = book(space, studio_time(2, 10))
        with pytest.raises(BookingConflict):
            booking_update(booking=booking, version=booking.version, by=admin, start=studio_time(2, 13),
                           end=studio_time(2, 15))
        moved = booking_update(booking=booking, version=booking.version, by=admin, start=studio_time(2, 16),
                               end=studio_time(2, 19))
        assert moved.total_price == Decimal("7500.00")
        assert other.pk != moved.pk


@pytest.mark.skipif(not settings.IS_POSTGRES, reason="the exclusion constraint exists on PostgreSQL only")
class TestDatabaseBackstop:
    def test_the_database_refuses_overlapping_requests(self, space):
        BookingFactory(space=space, state=BookingState.PENDING, start=studio_time(2, 10))
        with pytest.raises(IntegrityError, match="booking_no_overlap_per_space"), transaction.atomic():
            BookingFactory(space=space, state=BookingState.PENDING, start=studio_time(2, 11))
        assert Booking.objects.count() == 1

    @pytest.mark.parametrize("state", GUARDED_STATES)
    def test_the_database_refuses_an_overlap_with_any_booking_that_can_still_change(self, space, state):
        BookingFactory(space=space, state=state, start=studio_time(2, 10))
        with pytest.raises(IntegrityError, match="booking_no_overlap_per_space"), transaction.atomic():
            BookingFactory(space=space, state=BookingState.CONFIRMED, start=studio_time(2, 11))

    def test_a_guest_request_into_a_taken_slot_is_a_conflict_even_when_the_check_is_skipped(self, space, monkeypatch):
        book(space, studio_time(2, 10))
        monkeypatch.setattr("bookings.services.find_conflict", lambda *args, **kwargs: None)
        with pytest.raises(BookingConflict, match="already booked") as refused:
            book(space, studio_time(2, 11), client_phone="+7 916 000-00-01")
        assert refused.value.alternatives, "the guest is offered other times, as by the check"
        assert Booking.objects.count() == 1

    def test_a_reschedule_into_a_taken_slot_is_a_conflict_even_when_the_check_is_skipped(self, space, admin,
                                                                                          monkeypatch):
        book(space, studio_time(2, 10))
        later = book(space, studio_time(2, 14), client_phone="+7 916 000-00-01")
        monkeypatch.setattr("bookings.services.find_conflict", lambda *args, **kwargs: None)
        with pytest.raises(BookingConflict, match="already booked"):
            booking_update(booking=later, version=later.version, by=admin, start=studio_time(2, 11),
                           end=studio_time(2, 13))
        later.refresh_from_db()
        assert timezone.localtime(later.start).hour == 14


def test_a_reference_is_unique_in_the_database(space):
    taken = BookingFactory(space=space, start=studio_time(2, 10))
    with pytest.raises(IntegrityError, match="reference"), transaction.atomic():
        BookingFactory(space=space, start=studio_time(3, 10), reference=taken.reference)


def test_a_session_completed_before_its_end_still_holds_the_rest_of_its_time(space, admin):
    """Completed bookings are outside the database's overlap constraint (they have started and cannot move), so
    the services' check under the space's lock is what keeps the rest of an early-finished session."""
    with time_machine.travel(studio_time(2, 11) + timedelta(minutes=20)):
        session = BookingFactory(space=space, state=BookingState.IN_PROGRESS, start=studio_time(2, 10),
                                 end=studio_time(2, 14))
        booking_transition(booking=session, version=session.version, to=BookingState.COMPLETED, by=admin)
        with pytest.raises(BookingConflict):
            book(space, studio_time(2, 12), hours=1)
        with pytest.raises(BookingConflict):
            booking_update(booking=book(space, studio_time(2, 16)), version=1, by=admin, start=studio_time(2, 13),
                           end=studio_time(2, 15))
    assert Booking.objects.filter(space=space).count() == 2


class TestEvents:
    def test_events_are_sent_after_commit_only(self, space, admin, django_capture_on_commit_callbacks):
        from bookings.signals import booking_created, booking_state_changed

        received = []

        def listener(signal_name):
            return lambda sender, booking, **kwargs: received.append((signal_name, booking.reference))

        created, changed = listener("created"), listener("state_changed")
        booking_created.connect(created)
        booking_state_changed.connect(changed)
        try:
            with django_capture_on_commit_callbacks(execute=True):
                booking = book(space, studio_time(2, 10))
                assert received == [], "nothing is announced before the transaction commits"
            with django_capture_on_commit_callbacks(execute=True):
                booking_transition(booking=booking, to=BookingState.CONFIRMED, by=admin)
        finally:
            booking_created.disconnect(created)
            booking_state_changed.disconnect(changed)
        assert received == [("created", booking.reference), ("state_changed", booking.reference)]

    def test_a_refused_booking_announces_nothing(self, space, django_capture_on_commit_callbacks):
        book(space, studio_time(2, 10))
        with django_capture_on_commit_callbacks() as callbacks, pytest.raises(BookingConflict):
            book(space, studio_time(2, 11))
        assert callbacks == []


class TestRescheduleDetails:
    def test_a_longer_booking_reprices_its_equipment_lines(self, space, admin):
        flash = EquipmentFactory(name="Flash", price=Decimal("300.00"))
        booking = book(space, studio_time(2, 10), hours=2, equipment={flash: 1})
        moved = booking_update(booking=booking, version=booking.version, by=admin, start=studio_time(2, 10),
                               end=studio_time(2, 14))
        line = moved.equipment_lines.get()
        assert line.price == moved.equipment_price == Decimal("1200.00")

    def test_the_source_can_be_corrected(self, space, admin):
        booking = book(space, studio_time(2, 10))
        changed = booking_update(booking=booking, version=booking.version, by=admin, source="walk_in")
        assert changed.source == "walk_in"
        with pytest.raises(ValidationError, match="Unknown source"):
            booking_update(booking=changed, version=changed.version, by=admin, source="pigeon")

    def test_the_booking_being_moved_does_not_block_its_own_hours(self, space):
        from bookings.availability import free_slots

        booking = book(space, studio_time(2, 10))
        day = studio_time(2).date()
        assert "10:00" not in [s.label for s in free_slots(space, day)]
        assert "10:00" in [s.label for s in free_slots(space, day, exclude=booking)]


class TestBatch:
    def test_all_or_nothing(self, space, admin):
        from bookings.errors import BatchRefused
        from bookings.services import booking_batch

        first = BookingFactory(space=space, start=studio_time(2, 10))
        clash = BookingFactory(space=space, start=studio_time(2, 14), state=BookingState.CANCELLED)
        with pytest.raises(BatchRefused) as refused:
            booking_batch(bookings=[first, clash], action="confirm", by=admin)
        assert [reference for reference, _ in refused.value.refusals] == [clash.reference]
        assert Booking.objects.filter(state=BookingState.CONFIRMED).count() == 0
        booking_batch(bookings=[first], action="paid", by=admin)
        first.refresh_from_db()
        assert first.payment_status == PaymentStatus.PAID


class TestEquipmentPeak:
    def test_stock_counts_what_is_out_at_one_moment_not_over_the_whole_stay(self, studio):
        fog = EquipmentFactory(name="Fog", stock=2)
        book(studio["white"], studio_time(2, 10), hours=1, equipment={fog: 1})
        book(studio["loft"], studio_time(2, 12), hours=1, equipment={fog: 1})
        # 10–13 needs one unit: at every moment at most one other unit is out.
        book(studio["cyclorama"], studio_time(2, 10), hours=3, equipment={fog: 1})
        with pytest.raises(BookingConflict, match="Only 0 × Fog"):
            book(studio["white"], studio_time(2, 12), hours=1, equipment={fog: 1})


class TestRetiredEquipment:
    def test_a_booking_keeps_or_reduces_equipment_taken_out_of_service_but_cannot_add_more(self, space, admin):
        fog = EquipmentFactory(name="Fog", stock=3)
        flash = EquipmentFactory(name="Flash")
        booking = book(space, studio_time(2, 10), equipment={fog: 2})
        fog.is_active = False
        fog.save()
        booking = booking_update(booking=booking, version=booking.version, by=admin, equipment={fog: 1, flash: 1})
        assert {line.equipment.name: line.quantity for line in booking.equipment_lines.all()} == {"Fog": 1, "Flash": 1}
        with pytest.raises(ValidationError, match="Fog is not available"):
            booking_update(booking=booking, version=booking.version, by=admin, equipment={fog: 2})


ALL_STATES = list(BookingState.values)
ALLOWED = {
    ("draft", "pending"), ("pending", "confirmed"), ("pending", "cancelled"), ("confirmed", "in_progress"),
    ("confirmed", "cancelled"), ("confirmed", "no_show"), ("in_progress", "completed"),
}


class TestStateMachine:
    @pytest.mark.parametrize("from_state, to_state", [
        (a, b) for a in ALL_STATES for b in ALL_STATES if (a, b) not in ALLOWED
    ])
    def test_every_move_outside_the_machine_is_refused_and_changes_nothing(self, space, admin, from_state, to_state):
        booking = BookingFactory(space=space, state=from_state, start=studio_time(-1, 10))  # started: timing is no excuse
        with pytest.raises(TransitionRefused):
            booking_transition(booking=booking, to=to_state, by=admin, reason="Because")
        fresh = Booking.objects.get(pk=booking.pk)
        assert (fresh.state, fresh.version) == (from_state, booking.version)
        assert not BookingTransition.objects.filter(booking=booking).exists()

    def test_a_session_starts_from_its_start_time_and_then_completes(self, space, admin):
        booking = BookingFactory(space=space, state=BookingState.CONFIRMED, start=studio_time(1, 10))
        with pytest.raises(TransitionRefused, match="from the start time"):
            booking_transition(booking=booking, to=BookingState.IN_PROGRESS, by=admin)
        with time_machine.travel(booking.start + timedelta(minutes=1)):
            booking = booking_transition(booking=booking, to=BookingState.IN_PROGRESS, by=admin)
            booking = booking_transition(booking=booking, to=BookingState.COMPLETED, by=admin)
        assert booking.state == BookingState.COMPLETED
        assert list(booking.transitions.values_list("to_state", flat=True)) == ["in_progress", "completed"]

    @pytest.mark.parametrize("final", [BookingState.COMPLETED, BookingState.CANCELLED, BookingState.NO_SHOW])
    def test_final_states_are_final(self, space, admin, final):
        booking = BookingFactory(space=space, state=final, start=studio_time(-1, 10))
        refused = [to for to in ALL_STATES if to != final]
        for to in refused:
            with pytest.raises(TransitionRefused):
                booking_transition(booking=booking, to=to, by=admin, reason="Because")


@pytest.mark.django_db
def test_a_row_cannot_hold_less_of_the_hall_than_its_booked_time(space):
    with pytest.raises(IntegrityError, match="booking_occupies_at_least_its_time"), transaction.atomic():
        BookingFactory(space=space, start=studio_time(2, 10), occupied_until=studio_time(2, 10))
