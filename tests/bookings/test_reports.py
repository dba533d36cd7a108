"""The dashboard's figures: revenue, utilisation, daily activity, client figures."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from bookings import reports
from bookings.access import visible_bookings, visible_spaces
from bookings.hours import OpeningHours
from bookings.models import Booking, BookingState, Client
from studio_crm.formatting import money, when
from tests.bulk import bulk_bookings
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


class TestToDate:
    def test_the_month_to_date_and_the_same_days_of_last_month(self):
        current, previous = reports.month_to_date(date(2027, 1, 13)), reports.same_days_last_month(date(2027, 1, 13))
        assert (timezone.localtime(current.start).date(), current.days) == (date(2027, 1, 1), 13)
        assert (timezone.localtime(previous.start).date(), previous.days) == (date(2026, 12, 1), 13)
        assert (current.label, previous.label) == ("1 Jan – 13 Jan", "1 Dec – 13 Dec")

    def test_a_longer_month_is_compared_with_all_of_a_shorter_one(self):
        previous = reports.same_days_last_month(date(2027, 3, 31))
        assert (timezone.localtime(previous.start).date(), timezone.localtime(previous.end).date()) == (
            date(2027, 2, 1), date(2027, 3, 1))

    def test_the_first_of_the_month_and_the_week_to_date(self):
        assert reports.month_to_date(date(2027, 2, 1)).label == "1 Feb"
        week, before = reports.week_to_date(date(2027, 1, 13)), reports.same_days_last_week(date(2027, 1, 13))
        assert (week.label, before.label) == ("11 Jan – 13 Jan", "4 Jan – 6 Jan")

    def test_figures_to_date_leave_the_rest_of_the_month_out(self, studio):
        zone = timezone.get_current_timezone()
        with time_machine.travel(datetime(2027, 1, 13, 12, tzinfo=zone), tick=False):
            for day, state, total in [(2, BookingState.COMPLETED, "3000"), (13, BookingState.CONFIRMED, "2000"),
                                      (14, BookingState.CONFIRMED, "9000"), (6, BookingState.NO_SHOW, "9000"),
                                      (7, BookingState.CANCELLED, "9000"), (8, BookingState.COMPLETED, "1000")]:
                start = datetime(2027, 1, day, 10, tzinfo=zone)
                BookingFactory(space=studio["white"], start=start, end=start + timedelta(hours=2), state=state,
                               total_price=Decimal(total))
            figures = reports.period_figures(Booking.objects.all(), visible_spaces_all(),
                                             reports.month_to_date(timezone.localdate()))
        assert figures.revenue == Decimal("6000")
        assert (figures.no_show_rate, figures.cancellation_rate) == (pytest.approx(1 / 3), pytest.approx(1 / 5))

    def test_rates_without_bookings_are_empty_rather_than_zero(self, db):
        figures = reports.period_figures(Booking.objects.none(), visible_spaces_all(),
                                         reports.month_to_date(timezone.localdate()))
        assert figures.no_show_rate is None and figures.cancellation_rate is None


class TestRevenueBreakdown:
    def test_by_hall_and_by_source_with_the_same_days_before(self, studio):
        space = studio["white"]
        book(space, 0, 10, total="4000", source="website")
        book(studio["loft"], 0, 13, total="1000", source="walk_in")
        book(studio["loft"], 0, 16, state=BookingState.PENDING, total="9000", source="website")
        book(space, -40, 10, total="2000", source="phone")
        today = timezone.localdate()
        current, previous = reports.days_period(today, today), reports.days_period(today - timedelta(days=40),
                                                                                  today - timedelta(days=40))
        by_space, by_source = reports.revenue_by_space_and_source(Booking.objects.all(), visible_spaces_all(),
                                                                  current, previous)
        assert [(line.label, line.revenue, line.previous_revenue, line.bookings) for line in by_space] == [
            ("White Hall", Decimal("4000"), Decimal("2000"), 1), ("Loft", Decimal("1000"), Decimal("0"), 2),
            ("Cyclorama", Decimal("0"), Decimal("0"), 0)]
        assert [line.share for line in by_space] == [pytest.approx(0.8), pytest.approx(0.2), 0.0]
        assert [(line.key, line.revenue, line.previous_revenue) for line in by_source] == [
            ("website", Decimal("4000"), Decimal("0")), ("phone", Decimal("0"), Decimal("2000")),
            ("walk_in", Decimal("1000"), Decimal("0"))]

    def test_an_inactive_hall_shows_only_with_revenue(self, studio):
        studio["cyclorama"].is_active = False
        studio["cyclorama"].save()
        today = timezone.localdate()
        period = reports.days_period(today, today)
        lines, _by_source = reports.revenue_by_space_and_source(Booking.objects.all(), visible_spaces_all(),
                                                                period, period)
        assert [line.label for line in lines] == ["Loft", "White Hall"]


class TestOccupancyHeatMap:
    def test_bookings_fill_the_hours_they_cover_on_the_studio_s_clock(self, studio, studio_hours):
        studio_hours(0, 24)
        zone = timezone.get_current_timezone()
        with time_machine.travel(datetime(2027, 1, 13, 12, tzinfo=zone), tick=False):
            # Tuesday 12 January 01:00–02:00 in Moscow is Monday 22:00 UTC: it belongs to Tuesday.
            tuesday_night = datetime(2027, 1, 12, 1, tzinfo=zone)
            BookingFactory(space=studio["white"], start=tuesday_night, end=tuesday_night + timedelta(hours=1),
                           state=BookingState.CONFIRMED)
            # Three hours from Monday 10:00; a cancelled one and a pending one in the same hours.
            monday = datetime(2027, 1, 11, 10, tzinfo=zone)
            for space, state in [(studio["white"], BookingState.COMPLETED), (studio["loft"], BookingState.CANCELLED),
                                 (studio["cyclorama"], BookingState.PENDING)]:
                BookingFactory(space=space, start=monday, end=monday + timedelta(hours=3), state=state)
            # Before the eight weeks: left out.
            old = datetime(2026, 11, 2, 10, tzinfo=zone)
            BookingFactory(space=studio["white"], start=old, end=old + timedelta(hours=1), state=BookingState.COMPLETED)
            heat_map = reports.occupancy_by_hour(Booking.objects.all(), visible_spaces_all(),
                                                 last_day=date(2027, 1, 12), weeks=8)
        assert (heat_map.first_day, heat_map.hours) == (date(2026, 11, 18), list(range(24)))
        cells = {(cell.weekday, cell.hour): cell for row in heat_map.rows for cell in row.cells}
        assert cells[(1, 1)].booked == 1 and cells[(1, 0)].booked == 0 and cells[(0, 22)].booked == 0
        assert [cells[(0, hour)].booked for hour in (9, 10, 11, 12, 13)] == [0, 2, 2, 2, 0]
        assert cells[(0, 10)].open == 3 * 8
        assert cells[(0, 10)].occupancy == pytest.approx(2 / 24)
        assert cells[(0, 10)].level == 1 and cells[(0, 9)].level == 0
        assert heat_map.label == "18 Nov – 12 Jan"

    def test_each_cell_says_its_figure_in_words_in_the_reader_s_language(self, studio, studio_hours):
        studio_hours(9, 21)
        OpeningHours.objects.filter(weekday=6).delete()  # closed on Sundays
        zone = timezone.get_current_timezone()
        monday = datetime(2027, 1, 11, 10, tzinfo=zone)
        BookingFactory(space=studio["white"], start=monday, end=monday + timedelta(hours=1),
                       state=BookingState.COMPLETED)

        def cells() -> dict:
            heat_map = reports.occupancy_by_hour(Booking.objects.all(), visible_spaces_all(), last_day=date(2027, 1, 12))
            return {(cell.weekday, cell.hour): cell for row in heat_map.rows for cell in row.cells}

        english = cells()
        assert english[(0, 10)].figure == "4%"
        assert english[(0, 10)].title == "Monday, 10:00: 4% (1 of 24 hall-hours booked)"
        assert english[(6, 9)].level is None and english[(6, 9)].title == "Sunday, 09:00: closed"
        with translation.override("ru"):
            russian = cells()
            assert russian[(0, 10)].title.endswith(", 10:00: 4% (занято 1 из 24 ч)")
            assert russian[(6, 9)].title.endswith(", 09:00: закрыто")

    def test_closed_hours_have_no_figure(self, studio, studio_hours):
        studio_hours(10, 20)
        heat_map = reports.occupancy_by_hour(Booking.objects.all(), visible_spaces_all(),
                                             last_day=timezone.localdate(), weeks=2)
        assert heat_map.hours == list(range(10, 20))
        assert all(cell.level == 0 for row in heat_map.rows for cell in row.cells)

    def test_one_query_for_the_bookings_whatever_their_number(self, studio):
        def queries() -> int:
            with CaptureQueriesContext(connection) as context:
                reports.occupancy_by_hour(Booking.objects.all(), visible_spaces_all(), last_day=timezone.localdate())
            return len(context)

        bulk_bookings(studio["white"], 10)
        few = queries()
        bulk_bookings(studio["white"], 600, prefix="H")
        bulk_bookings(studio["loft"], 600, prefix="L")
        assert queries() == few <= 4


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

    def test_utilisation_is_booked_hours_of_active_bookings_over_open_hours(self, studio, studio_hours):
        studio_hours(9, 21)  # 12 open hours a day
        book(studio["white"], 1, 10, hours=3)
        book(studio["loft"], 1, 10, hours=3, state=BookingState.PENDING)
        book(studio["loft"], 1, 15, hours=6, state=BookingState.CANCELLED)
        period = reports.day_period(timezone.localdate() + timedelta(days=1))
        figures = reports.period_figures(Booking.objects.all(), visible_spaces_all(), period)
        assert figures.booked_hours == Decimal("6.0")
        assert figures.open_hours == 3 * 12
        assert figures.utilisation == pytest.approx(6 / 36)
        assert figures.bookings == 2

    def test_a_manager_s_figures_cover_their_spaces(self, studio, manager, studio_hours):
        studio_hours(9, 21)
        book(studio["white"], 1, 10, hours=4, total="8000")
        book(studio["loft"], 1, 10, hours=4, total="9000")
        period = reports.day_period(timezone.localdate() + timedelta(days=1))
        figures = reports.period_figures(visible_bookings(manager), visible_spaces(manager), period)
        assert (figures.revenue, figures.open_hours, figures.utilisation) == (Decimal("8000"), 12, pytest.approx(4 / 12))

    def test_several_periods_at_once_each_have_their_own_figures_from_one_query(self, studio, studio_hours):
        studio_hours(9, 21)
        book(studio["white"], 1, 10, hours=2, total="3000")
        book(studio["loft"], 1, 13, state=BookingState.NO_SHOW, total="9000")
        book(studio["white"], 2, 10, hours=3, state=BookingState.COMPLETED, total="2000")
        book(studio["loft"], 2, 15, state=BookingState.CANCELLED)
        tomorrow = timezone.localdate() + timedelta(days=1)
        after = tomorrow + timedelta(days=1)
        # Overlapping, as this week and this month overlap.
        periods = [reports.day_period(tomorrow), reports.day_period(after), reports.days_period(tomorrow, after)]
        halls = list(visible_spaces_all())
        with CaptureQueriesContext(connection) as context:
            together = reports.figures_by_period(Booking.objects.all(), halls, periods)
        assert len(context) == 3  # the bookings' totals, and the opening hours' two
        assert together == [reports.period_figures(Booking.objects.all(), halls, period) for period in periods]
        both = together[2]
        assert (both.revenue, both.bookings, both.booked_hours, both.open_hours) == (
            Decimal("5000"), 2, Decimal("5.0"), 3 * 12 * 2)
        assert (both.no_shows, both.due, both.cancellations, both.made) == (1, 2, 1, 4)

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
    assert yesterday.title == f"{when(yesterday.day, 'day')}: 2 bookings, {money(2000)}"  # a bar's title


def test_lists_for_the_dashboard(studio):
    today = book(studio["white"], 0, 20, state=BookingState.CONFIRMED)
    book(studio["white"], 0, 18, state=BookingState.CANCELLED)
    pending = [book(studio["loft"], 2 + i, 10, state=BookingState.PENDING) for i in range(12)]
    soon = book(studio["cyclorama"], 3, 10)
    later = book(studio["cyclorama"], 9, 10)
    bookings = Booking.objects.all()
    grouped, more = reports.bookings_on_day(bookings, timezone.localdate())
    assert [(space.slug, [b.pk for b in items], count) for space, items, count in grouped] == [("white", [today.pk], 1)]
    assert more == 0
    first_ten, total = reports.pending_bookings(bookings)
    assert [b.pk for b in first_ten] == [b.pk for b in pending[:10]] and total == 12
    upcoming = reports.upcoming_bookings(bookings)
    assert soon in upcoming and later not in upcoming and today not in upcoming


def test_a_chain_s_day_on_the_dashboard_is_a_screenful_with_each_hall_s_count(studio):
    """Hundreds of bookings a day across many halls: the first ones by hall and time, every hall's own count of
    the day, and how many more there are."""
    for hall, hours in (("cyclorama", range(9, 21)), ("loft", range(9, 21)), ("white", range(9, 21))):
        for hour in hours:
            book(studio[hall], 0, hour, hours=1, state=BookingState.CONFIRMED)
    grouped, more = reports.bookings_on_day(Booking.objects.all(), timezone.localdate(), limit=20)
    assert [(space.slug, len(items), count) for space, items, count in grouped] == [("cyclorama", 12, 12),
                                                                                   ("loft", 8, 12)]
    assert more == 16


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
