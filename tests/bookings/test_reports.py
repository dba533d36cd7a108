"""The dashboard's figures: revenue, utilisation, daily activity, client figures."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from bookings import reports
from bookings.access import visible_bookings, visible_spaces
from bookings.models import Booking, BookingState, Client
from tests.factories import BookingFactory, ClientFactory, studio_time

pytestmark = pytest.mark.django_db


def book(space, days, hour, hours=2, state=BookingState.CONFIRMED, total="1000", **extra):
    start = studio_time(days, hour)
    return BookingFactory(space=space, start=start, end=start + timedelta(hours=hours), state=state,
                          total_price=Decimal(total), **extra)


class TestPeriods:
    def test_week_is_monday_to_monday_and_month_is_calendar_month(self):
        day = studio_time(0, 12).date()
        week = reports.week_period(day)
        assert timezone.localtime(week.start).weekday() == 0 and week.days == 7
        assert timezone.localtime(week.start).date() <= day < timezone.localtime(week.end).date()
        month = reports.month_period(day)
        assert timezone.localtime(month.start).day == 1 and 28 <= month.days <= 31
        assert reports.previous_month(month).end == month.start
        assert reports.previous_week(week).end == week.start


class TestPeriodFigures:
    def test_revenue_counts_committed_bookings_only(self, studio):
        space = studio["white"]
        for hour, state in [(9, BookingState.CONFIRMED), (12, BookingState.IN_PROGRESS),
                            (15, BookingState.COMPLETED)]:
            book(space, 0, hour, state=state)
        for hour, state in [(9, BookingState.PENDING), (12, BookingState.CANCELLED), (15, BookingState.NO_SHOW)]:
            book(studio["loft"], 0, hour, state=state, total="50000")
        period = reports.day_period(timezone.localdate())
        assert reports.period_figures(Booking.objects.all(), visible_spaces_all(), period).revenue == Decimal("3000")

    def test_utilisation_is_booked_hours_of_active_bookings_over_open_hours(self, studio, settings):
        settings.STUDIO_OPENS_AT, settings.STUDIO_CLOSES_AT = 9, 21  # 12 open hours a day
        book(studio["white"], 1, 10, hours=3)
        book(studio["loft"], 1, 10, hours=3, state=BookingState.PENDING)
        book(studio["loft"], 1, 15, hours=6, state=BookingState.CANCELLED)
        period = reports.day_period(timezone.localdate() + timedelta(days=1))
        figures = reports.period_figures(Booking.objects.all(), visible_spaces_all(), period)
        assert figures.booked_hours == Decimal("6.0")
        assert figures.open_hours == 3 * 12
        assert figures.utilisation == pytest.approx(6 / 36)
        assert figures.bookings == 2

    def test_a_manager_s_figures_cover_their_spaces(self, studio, manager, settings):
        settings.STUDIO_OPENS_AT, settings.STUDIO_CLOSES_AT = 9, 21
        book(studio["white"], 1, 10, hours=4, total="8000")
        book(studio["loft"], 1, 10, hours=4, total="9000")
        period = reports.day_period(timezone.localdate() + timedelta(days=1))
        figures = reports.period_figures(visible_bookings(manager), visible_spaces(manager), period)
        assert (figures.revenue, figures.open_hours, figures.utilisation) == (Decimal("8000"), 12, pytest.approx(4 / 12))

    def test_no_spaces_means_no_utilisation_rather_than_an_error(self, db):
        period = reports.week_period(timezone.localdate())
        figures = reports.period_figures(Booking.objects.none(), visible_spaces_all(), period)
        assert figures.utilisation is None and figures.revenue == 0


def visible_spaces_all():
    from bookings.models import Space

    return Space.objects.all()


def test_daily_activity_has_every_day_in_the_studio_zone(studio):
    book(studio["white"], -1, 9, total="2000")
    book(studio["loft"], -1, 20, state=BookingState.PENDING, total="7000")  # late evening stays on its day
    book(studio["loft"], -3, 12, state=BookingState.CANCELLED)
    series = reports.daily_activity(Booking.objects.all(), last_day=timezone.localdate(), days=30)
    assert len(series) == 30 and series[-1].day == timezone.localdate()
    yesterday = series[-2]
    assert (yesterday.bookings, yesterday.revenue) == (2, Decimal("2000"))
    assert series[-4].bookings == 0
    assert sum(day.bookings for day in series) == 2


def test_lists_for_the_dashboard(studio):
    today = book(studio["white"], 0, 20, state=BookingState.CONFIRMED)
    book(studio["white"], 0, 18, state=BookingState.CANCELLED)
    pending = [book(studio["loft"], 2 + i, 10, state=BookingState.PENDING) for i in range(12)]
    soon = book(studio["cyclorama"], 3, 10)
    later = book(studio["cyclorama"], 9, 10)
    bookings = Booking.objects.all()
    grouped = reports.bookings_on_day(bookings, timezone.localdate())
    assert [(space.slug, [b.pk for b in items]) for space, items in grouped] == [("white", [today.pk])]
    first_ten, total = reports.pending_bookings(bookings)
    assert [b.pk for b in first_ten] == [b.pk for b in pending[:10]] and total == 12
    upcoming = reports.upcoming_bookings(bookings)
    assert soon in upcoming and later not in upcoming and today not in upcoming


def test_client_figures(studio):
    guest = ClientFactory(name="Irina Petrova")
    for days, state, total in [(-8, BookingState.COMPLETED, "3000"), (0, BookingState.IN_PROGRESS, "2000"),
                               (2, BookingState.CONFIRMED, "1000"), (3, BookingState.PENDING, "9000"),
                               (-2, BookingState.NO_SHOW, "9000"), (4, BookingState.CANCELLED, "9000")]:
        book(studio["white"], days, 10, state=state, total=total, client=guest)
    book(studio["loft"], -9, 10, state=BookingState.COMPLETED, total="500", client=guest)
    everything = reports.clients_with_figures(Client.objects.all()).get()
    assert (everything.visits, everything.no_shows, everything.booking_count) == (3, 1, 7)
    assert everything.total_spent == Decimal("6500")
    white_only = reports.clients_with_figures(Client.objects.all(), studio["white"].__class__.objects.filter(
        slug="white")).get()
    assert (white_only.visits, white_only.total_spent) == (2, Decimal("6000"))
