"""opening_hours(): a weekday's hours, a special day's, and the hours read once per request."""

from datetime import date, datetime, time, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from bookings import hours
from bookings.hours import OpeningHours, SpecialDay, opening_hours

pytestmark = pytest.mark.django_db

MONDAY = date(2027, 3, 1)


def test_a_weekday_has_its_rows_hours_and_a_weekday_without_a_row_is_closed(week):
    OpeningHours.objects.filter(weekday=0).update(opens_at=10, closes_at=24)
    OpeningHours.objects.filter(weekday=6).delete()
    assert opening_hours(MONDAY) == (10, 24)
    assert opening_hours(MONDAY + timedelta(days=1)) == (9, 21)
    assert opening_hours(MONDAY + timedelta(days=6)) is None


def test_a_special_day_wins_over_its_weekday(week):
    SpecialDay.objects.create(date=MONDAY, is_closed=True, note="Closed for an event")
    SpecialDay.objects.create(date=MONDAY + timedelta(days=1), opens_at=9, closes_at=15)
    assert opening_hours(MONDAY) is None
    assert opening_hours(MONDAY + timedelta(days=1)) == (9, 15)
    assert opening_hours(MONDAY + timedelta(days=7)) == (9, 21)


def test_many_days_are_read_in_two_queries(week, django_assert_num_queries):
    SpecialDay.objects.create(date=MONDAY + timedelta(days=3), is_closed=True)
    days = [MONDAY + timedelta(days=n) for n in range(31)]
    with django_assert_num_queries(2):
        found = hours.opening_hours_for(days)
    assert found[MONDAY + timedelta(days=3)] is None and found[MONDAY] == (9, 21) and len(found) == 31


def test_the_moments_of_a_day_end_at_midnight_for_24(week):
    zone = timezone.get_current_timezone()
    OpeningHours.objects.filter(weekday=0).update(closes_at=24)
    assert hours.opening_times(MONDAY) == (datetime.combine(MONDAY, time(9), tzinfo=zone),
                                           datetime.combine(MONDAY + timedelta(days=1), time(0), tzinfo=zone))
    SpecialDay.objects.create(date=MONDAY, is_closed=True)
    assert hours.opening_times(MONDAY) is None


def test_the_widest_hours_and_the_open_hours_of_a_period(week):
    OpeningHours.objects.filter(weekday=5).update(opens_at=8, closes_at=23)
    OpeningHours.objects.filter(weekday=6).delete()
    SpecialDay.objects.create(date=MONDAY, opens_at=10, closes_at=14)
    assert hours.widest_hours() == (8, 23)
    # Mon 4 h, Tue–Fri 4 × 12 h, Sat 15 h, Sun closed.
    assert hours.open_hours_between(MONDAY, MONDAY + timedelta(days=6)) == 4 + 4 * 12 + 15
    assert hours.open_hours_between(MONDAY, MONDAY - timedelta(days=1)) == 0


def test_a_studio_without_any_weekly_rows_keeps_the_hours_of_the_settings(settings):
    OpeningHours.objects.all().delete()
    settings.STUDIO_OPENS_AT, settings.STUDIO_CLOSES_AT = 8, 20
    assert opening_hours(MONDAY) == (8, 20)
    assert hours.widest_hours() == (8, 20)


def test_outside_a_request_every_call_reads_the_database(week, django_assert_num_queries):
    with django_assert_num_queries(2):
        opening_hours(MONDAY)
    with django_assert_num_queries(2):
        opening_hours(MONDAY)


def test_inside_a_request_the_hours_are_read_once_and_forgotten_after_a_change(week, django_assert_num_queries):
    hours.remember_for_the_request()
    with django_assert_num_queries(3):  # the week once, then each new date's special day
        opening_hours(MONDAY)
        opening_hours(MONDAY)
        opening_hours(MONDAY + timedelta(days=7))
    with django_assert_num_queries(0):
        assert opening_hours(MONDAY) == (9, 21)
        assert hours.widest_hours() == (9, 21)
    SpecialDay.objects.create(date=MONDAY, is_closed=True)
    hours.forget()
    assert opening_hours(MONDAY) is None
    hours.end_of_the_request()
    with django_assert_num_queries(2):
        opening_hours(MONDAY)


def test_the_request_signals_start_and_end_the_memo(week, admin, staff_client):
    staff_client(admin).get("/setup/hours/")
    assert hours._memo.get() is None  # nothing read in the request outlives it
    Client().get("/book/")
    assert hours._memo.get() is None


def test_the_database_refuses_hours_out_of_order_and_half_a_special_day(week):
    with pytest.raises(IntegrityError), transaction.atomic():
        OpeningHours.objects.filter(weekday=0).update(opens_at=22, closes_at=10)
    with pytest.raises(IntegrityError), transaction.atomic():
        OpeningHours.objects.filter(weekday=0).update(closes_at=25)
    with pytest.raises(IntegrityError), transaction.atomic():
        SpecialDay.objects.create(date=MONDAY, is_closed=True, opens_at=9, closes_at=12)
    with pytest.raises(IntegrityError), transaction.atomic():
        SpecialDay.objects.create(date=MONDAY, is_closed=False, opens_at=9)
