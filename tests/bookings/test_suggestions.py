"""What staff and guests are offered when a time is taken, and which starts a booking form lists.

The rules: an alternative holds the whole length asked for (and the equipment asked for) in the same hall, the
same day nearest first, then the following days; a start list never lists a taken hour, and with a length chosen
it tells the starts that length fits from those it does not.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from bookings.availability import equipment_free, find_conflict, fitting_slots, start_times
from bookings.errors import BookingConflict
from bookings.models import BookingEquipment, BookingState
from bookings.services import booking_create, booking_update
from tests.factories import BookingFactory, CalendarBlockFactory, EquipmentFactory, studio_time

pytestmark = pytest.mark.django_db

GUEST = {"client_name": "Irina Petrova", "client_phone": "+7 916 123-45-67"}


def book(space, start, hours=2, **extra):
    return booking_create(space=space, start=start, end=start + timedelta(hours=hours), **{"by": None, **GUEST, **extra})


def refused(space, start, hours=2, **extra) -> BookingConflict:
    with pytest.raises(BookingConflict) as error:
        book(space, start, hours, **extra)
    return error.value


def spans(slots) -> list[tuple[int, int]]:
    """(start hour, end hour) on the studio's clock, as a person reads them."""
    return [(slot.start.astimezone(studio_time().tzinfo).hour, slot.end.astimezone(studio_time().tzinfo).hour)
            for slot in slots]


def lend(equipment, space, start, end, quantity):
    """``quantity`` units of ``equipment`` out on a booking of ``space`` from ``start`` to ``end``."""
    booking = BookingFactory(space=space, start=start, end=end)
    BookingEquipment.objects.create(booking=booking, equipment=equipment, quantity=quantity, price=Decimal("500"))
    return booking


class TestAlternatives:
    def test_a_two_hour_request_at_14_when_14_to_15_is_taken_is_offered_starts_with_two_free_hours(self, space):
        BookingFactory(space=space, start=studio_time(2, 14), end=studio_time(2, 15))
        error = refused(space, studio_time(2, 14))
        # 13:00 and 15:00 are as near, but 13:00 has one free hour before the 14:00 booking: not offered.
        assert spans(error.alternatives) == [(15, 17), (12, 14), (16, 18), (11, 13), (17, 19)]
        assert all(slot.end - slot.start == timedelta(hours=2) for slot in error.alternatives)
        for slot in error.alternatives:
            find_conflict(space, slot.start, slot.end)  # each one free for the whole length: nothing raised

    def test_the_hall_s_cleanup_time_counts(self, space):
        space.cleanup_minutes = 30
        space.save()
        BookingFactory(space=space, start=studio_time(2, 14), end=studio_time(2, 15),
                       occupied_until=studio_time(2, 15) + timedelta(minutes=30))
        error = refused(space, studio_time(2, 14))
        # 12:00–14:00 would run into the 14:00 booking with its own cleanup; 15:00 is the taken booking's cleanup.
        assert spans(error.alternatives)[:3] == [(16, 18), (11, 13), (17, 19)]

    def test_blocks_are_not_offered(self, space):
        BookingFactory(space=space, start=studio_time(2, 14), end=studio_time(2, 15))
        CalendarBlockFactory(space=space, start=studio_time(2, 15), end=studio_time(2, 22))
        alternatives = refused(space, studio_time(2, 14)).alternatives
        # Four that day, then the next day's nearest to 14:00.
        assert spans(alternatives) == [(12, 14), (11, 13), (10, 12), (9, 11), (14, 16)]
        assert alternatives[-1].start == studio_time(3, 14)

    def test_the_next_days_follow_when_the_day_is_full_nearest_to_the_same_time(self, space):
        BookingFactory(space=space, start=studio_time(2, 9), end=studio_time(2, 22))
        error = refused(space, studio_time(2, 14))
        assert [slot.start for slot in error.alternatives] == [
            studio_time(3, 14), studio_time(3, 13), studio_time(3, 15), studio_time(3, 12), studio_time(3, 16)]

    def test_a_length_that_fits_nowhere_that_day_is_offered_on_the_next_days(self, space, studio_hours):
        studio_hours(10, 14)
        BookingFactory(space=space, start=studio_time(2, 10), end=studio_time(2, 11))
        error = refused(space, studio_time(2, 10), hours=4)
        assert [slot.start for slot in error.alternatives] == [studio_time(day, 10) for day in range(3, 8)]

    def test_nothing_is_offered_when_the_week_is_full(self, space, studio_hours):
        studio_hours(10, 14)
        for day in range(2, 10):
            BookingFactory(space=space, start=studio_time(day, 10), end=studio_time(day, 11))
        assert refused(space, studio_time(2, 10), hours=4).alternatives == []

    def test_the_past_is_not_offered(self, space):
        start = studio_time(2, 14)
        BookingFactory(space=space, start=start, end=start + timedelta(hours=1))
        with time_machine.travel(start - timedelta(hours=1, minutes=30)):
            error = refused(space, start)
        assert all(slot.start > start - timedelta(hours=1) for slot in error.alternatives)
        assert spans(error.alternatives)[0] == (15, 17)

    def test_the_equipment_asked_for_is_free_at_every_time_offered(self, studio):
        softbox = EquipmentFactory(name="Profoto softbox", stock=1)
        white = studio["white"]
        BookingFactory(space=white, start=studio_time(2, 14), end=studio_time(2, 15))
        lend(softbox, studio["loft"], studio_time(2, 15), studio_time(2, 18), 1)
        error = refused(white, studio_time(2, 14), equipment={softbox: 1})
        # 15:00–17:00 and 16:00–18:00 have the hall but not the only softbox (out in the Loft).
        assert spans(error.alternatives) == [(12, 14), (11, 13), (10, 12), (18, 20), (9, 11)]
        assert all(equipment_free([softbox], slot.start, slot.end)[softbox] == 1 for slot in error.alternatives)

    def test_equipment_out_at_the_time_is_a_conflict_with_times_it_is_free(self, studio):
        softbox = EquipmentFactory(name="Profoto softbox", stock=2)
        lend(softbox, studio["loft"], studio_time(2, 13), studio_time(2, 16), 2)
        error = refused(studio["white"], studio_time(2, 14), equipment={softbox: 1})
        assert error.kind == "equipment"
        assert spans(error.alternatives) == [(16, 18), (11, 13), (17, 19), (10, 12), (18, 20)]

    def test_a_rescheduled_booking_s_own_time_and_equipment_count_as_free(self, studio):
        softbox = EquipmentFactory(name="Profoto softbox", stock=1)
        white = studio["white"]
        mine = book(white, studio_time(2, 10), equipment={softbox: 1})
        BookingFactory(space=white, start=studio_time(2, 14), end=studio_time(2, 15))
        with pytest.raises(BookingConflict) as error:
            booking_update(booking=mine, version=mine.version, by=None, start=studio_time(2, 13),
                           end=studio_time(2, 15))
        # Its own 10:00–12:00 and its softbox are free for it.
        assert (10, 12) in spans(error.value.alternatives) and (11, 13) in spans(error.value.alternatives)

    def test_a_handful_in_a_bounded_number_of_queries_whatever_the_days(self, space, django_assert_max_num_queries):
        softbox = EquipmentFactory(stock=1)
        for day in range(2, 9):
            BookingFactory(space=space, start=studio_time(day, 9), end=studio_time(day, 22))
        # The opening hours (weekdays, special days), the hall's bookings, its blocks and the loans.
        with django_assert_max_num_queries(5):
            found = fitting_slots(space, studio_time(2, 14), studio_time(2, 16), equipment={softbox: 1})
        assert [slot.start for slot in found] == [studio_time(9, 14), studio_time(9, 13), studio_time(9, 15),
                                                  studio_time(9, 12), studio_time(9, 16)]


class TestStartTimes:
    def test_a_taken_hour_is_never_listed(self, space):
        BookingFactory(space=space, start=studio_time(2, 14), end=studio_time(2, 16))
        starts = [start.label for start in start_times(space, studio_time(2).date())]
        assert "14:00" not in starts and "15:00" not in starts
        assert starts == [f"{hour:02d}:00" for hour in (9, 10, 11, 12, 13, 16, 17, 18, 19, 20, 21)]

    def test_each_start_says_how_long_a_booking_may_last(self, space):
        BookingFactory(space=space, start=studio_time(2, 14), end=studio_time(2, 15))
        longest = {start.label: start.longest for start in start_times(space, studio_time(2).date())}
        assert longest["09:00"] == 5 and longest["13:00"] == 1 and longest["15:00"] == 7

    def test_a_length_chosen_first_tells_the_starts_it_fits(self, space):
        BookingFactory(space=space, start=studio_time(2, 14), end=studio_time(2, 15))
        starts = start_times(space, studio_time(2).date(), hours=2)
        assert [start.label for start in starts if not start.fits] == ["13:00", "21:00"]
        assert all(start.longest >= 2 for start in starts if start.fits)

    def test_a_rescheduled_booking_s_own_hours_are_listed(self, space):
        mine = BookingFactory(space=space, start=studio_time(2, 14), end=studio_time(2, 16))
        starts = [start.hour for start in start_times(space, studio_time(2).date(), hours=2, exclude=mine)]
        assert 14 in starts and 15 in starts


class TestEquipmentFree:
    def test_units_free_are_the_stock_less_the_most_out_at_once(self, studio):
        softbox = EquipmentFactory(stock=5)
        lend(softbox, studio["loft"], studio_time(2, 10), studio_time(2, 12), 2)
        lend(softbox, studio["cyclorama"], studio_time(2, 11), studio_time(2, 14), 1)
        lend(softbox, studio["white"], studio_time(2, 16), studio_time(2, 18), 4)
        assert equipment_free([softbox], studio_time(2, 9), studio_time(2, 11))[softbox] == 3
        assert equipment_free([softbox], studio_time(2, 10), studio_time(2, 14))[softbox] == 2  # 11:00–12:00: 3 out
        assert equipment_free([softbox], studio_time(2, 14), studio_time(2, 16))[softbox] == 5  # back to back
        assert equipment_free([softbox], studio_time(2, 15), studio_time(2, 17))[softbox] == 1

    def test_cancelled_bookings_hold_no_equipment(self, studio):
        softbox = EquipmentFactory(stock=1)
        loan = lend(softbox, studio["loft"], studio_time(2, 10), studio_time(2, 12), 1)
        loan.state = BookingState.CANCELLED
        loan.save()
        assert equipment_free([softbox], studio_time(2, 10), studio_time(2, 12))[softbox] == 1
