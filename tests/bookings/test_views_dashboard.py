"""/dashboard/: today, requests to confirm, the next days and the figures, per employee's spaces."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.urls import NoReverseMatch, include, path, reverse
from django.utils import timezone

from bookings.models import BookingSource, BookingState
from bookings.templatetags.bookings_tags import change
from tests.bulk import bulk_bookings, queries_for
from tests.factories import BookingFactory, studio_time
from tests.languages import english_leaks, in_russian

pytestmark = pytest.mark.django_db

# The project's addresses, with the day sheet's whether or not the project's list already holds it.
urlpatterns = [path("", include(settings.ROOT_URLCONF))]
try:
    reverse("day_sheet", urlconf=settings.ROOT_URLCONF)
except NoReverseMatch:
    urlpatterns.append(path("", include("bookings.day_sheet_urls")))


def test_anonymous_is_sent_to_sign_in(client):
    assert client.get("/dashboard/")["Location"].startswith("/login/")


def test_the_home_page_sends_staff_to_the_dashboard(staff_client, admin):
    client = staff_client(admin)
    assert client.get("/", follow=True).redirect_chain[-1][0] == "/dashboard/"


def test_today_pending_and_upcoming(staff_client, admin, studio):
    today = BookingFactory(space=studio["white"], start=studio_time(0, 21), end=studio_time(0, 22),
                           state=BookingState.CONFIRMED, client_name="Today Guest")
    request = BookingFactory(space=studio["loft"], start=studio_time(2, 10), client_name="Waiting Guest")
    BookingFactory(space=studio["loft"], start=studio_time(12, 10), state=BookingState.CONFIRMED,
                   client_name="Far Away")
    client = staff_client(admin)
    response = client.get("/dashboard/")
    html = response.content.decode()
    assert [space.slug for space, _bookings, _count in response.context["today_by_space"]] == ["white"]
    assert "Today Guest" in html and "Waiting Guest" in html
    assert response.context["pending"] == [request]
    assert f'action="/bookings/{request.pk}/transition/"' in html
    assert today not in response.context["upcoming"]
    assert "Far Away" not in html
    assert "<svg" in html and "Bookings and revenue per day" in html


def test_a_busy_day_shows_a_screenful_and_says_how_many_more(staff_client, admin, studio):
    for space in studio.values():
        for hour in range(9, 21):
            BookingFactory(space=space, start=studio_time(0, hour), end=studio_time(0, hour + 1),
                           state=BookingState.CONFIRMED)
    html = staff_client(admin).get("/dashboard/").content.decode()
    assert "And 12 more bookings today." in html  # 36 today, 24 shown
    assert html.count("· 12 bookings</span></h3>") == 2  # each hall shown says its whole day


def test_confirm_from_the_dashboard(staff_client, admin, space):
    request = BookingFactory(space=space, start=studio_time(2, 10))
    client = staff_client(admin)
    response = client.post(f"/bookings/{request.pk}/transition/",
                           {"to": "confirmed", "version": request.version, "next": "/dashboard/"}, follow=True)
    assert response.redirect_chain[-1][0] == "/dashboard/"
    assert response.context["pending"] == []
    assert "is now confirmed" in response.content.decode()


def test_a_manager_sees_their_spaces_only_and_figures_add_up(staff_client, manager, studio):
    wednesday_noon = datetime(2027, 1, 13, 12, tzinfo=timezone.get_current_timezone())
    with time_machine.travel(wednesday_noon, tick=False):
        BookingFactory(space=studio["white"], start=studio_time(0, 19), end=studio_time(0, 21),
                       state=BookingState.CONFIRMED, total_price=Decimal("1000"), client_name="Mine")
        BookingFactory(space=studio["white"], start=studio_time(-7, 10), end=studio_time(-7, 11),
                       state=BookingState.COMPLETED, total_price=Decimal("500"), client_name="Last Week")
        BookingFactory(space=studio["white"], start=studio_time(1, 10), end=studio_time(1, 11),
                       state=BookingState.CANCELLED, total_price=Decimal("700"), client_name="Cancelled")
        BookingFactory(space=studio["loft"], start=studio_time(0, 19), end=studio_time(0, 21),
                       state=BookingState.CONFIRMED, total_price=Decimal("99000"), client_name="Not Mine")
        BookingFactory(space=studio["loft"], start=studio_time(3, 10), client_name="Other Request")
        client = staff_client(manager)
        response = client.get("/dashboard/")
    html = response.content.decode()
    assert "Mine" in html and "Not Mine" not in html and "Other Request" not in html
    assert "99,000" not in html
    week, last_week, month = (response.context[key] for key in ("week", "last_week", "month"))
    assert (week.revenue, week.bookings, week.booked_hours) == (Decimal("1000"), 1, Decimal("2"))
    assert last_week.revenue == Decimal("500")
    assert month.revenue == Decimal("1500")
    # Month to date: one hall open 09:00–22:00 on each of 1 to 13 January.
    assert month.open_hours == 13 * 13


def test_the_dashboard_runs_the_same_queries_for_10_and_1000_bookings(staff_client, owner, manager, studio):
    bulk_bookings(studio["white"], 10)
    client = staff_client(owner)
    few = queries_for(client, "/dashboard/")
    client = staff_client(manager)
    few_manager = queries_for(client, "/dashboard/")
    bulk_bookings(studio["white"], 500, prefix="P")
    bulk_bookings(studio["loft"], 490, prefix="F")
    client = staff_client(owner)
    assert queries_for(client, "/dashboard/") == few
    client = staff_client(manager)
    assert queries_for(client, "/dashboard/") == few_manager


def test_the_dashboard_reads_each_figure_once(staff_client, owner, manager, studio):
    """The four periods' figures from one query, both revenue breakdowns from another, the halls read once, the
    day's bookings by hall counted in one: sixteen queries in all, the session's and the employee's included."""
    bulk_bookings(studio["white"], 10)
    for employee in (owner, manager):
        assert queries_for(staff_client(employee), "/dashboard/") <= 16


def test_the_next_days_link_opens_the_list_from_the_same_day(staff_client, admin, studio):
    tomorrow = BookingFactory(space=studio["white"], start=studio_time(1, 10), state=BookingState.CONFIRMED)
    BookingFactory(space=studio["white"], start=studio_time(0, 20), end=studio_time(0, 21),
                   state=BookingState.CONFIRMED)
    client = staff_client(admin)
    response = client.get("/dashboard/")
    first = studio_time(1, 0).date().isoformat()
    assert f'href="/bookings/?date_from={first}&amp;sort=start"' in response.content.decode()
    listed = client.get(f"/bookings/?date_from={first}&sort=start").context["page"].object_list
    assert [b.pk for b in listed] == [b.pk for b in response.context["upcoming"]] == [tomorrow.pk]


def test_a_space_colour_goes_into_the_page_only_as_a_checked_hex_colour(staff_client, admin, studio):
    hall = studio["white"]
    type(hall).objects.filter(pk=hall.pk).update(colour="0;top:0")  # a row from before validation
    booking = BookingFactory(space=hall, start=studio_time(0, 20), end=studio_time(0, 21),
                             state=BookingState.CONFIRMED)
    client = staff_client(admin)
    for url in ("/dashboard/", "/bookings/", f"/bookings/{booking.pk}/", f"/clients/{booking.client.pk}/"):
        html = client.get(url).content.decode()
        assert "0;top:0" not in html, url
        assert "background: #8a94a3" in html, url


def test_a_change_of_utilisation_is_in_percentage_points():
    assert "▲ 1 pt" in change(0.05, 0.04, share=True)
    assert "▼ 12 pts" in change(0.30, 0.42, share=True)
    assert "▲ 25%" in change(5, 4)  # money still changes by a percentage


WEDNESDAY_13_JANUARY = datetime(2027, 1, 13, 12, tzinfo=timezone.get_current_timezone())


def on(day: datetime, hour: int, hours: int = 2, **fields):
    start = day.replace(hour=hour)
    return BookingFactory(start=start, end=start + timedelta(hours=hours), **fields)


def test_the_month_to_date_against_the_same_days_of_last_month(staff_client, owner, studio):
    zone = timezone.get_current_timezone()
    white, loft = studio["white"], studio["loft"]
    with time_machine.travel(WEDNESDAY_13_JANUARY, tick=False):
        on(datetime(2027, 1, 5, tzinfo=zone), 10, space=white, state=BookingState.COMPLETED,
           total_price=Decimal("4000"), source=BookingSource.WEBSITE)
        on(datetime(2027, 1, 13, tzinfo=zone), 18, space=loft, state=BookingState.CONFIRMED,
           total_price=Decimal("6000"), source=BookingSource.PHONE)
        on(datetime(2027, 1, 20, tzinfo=zone), 10, space=white, state=BookingState.CONFIRMED,
           total_price=Decimal("90000"))  # later this month: not to date
        on(datetime(2027, 1, 8, tzinfo=zone), 10, space=white, state=BookingState.NO_SHOW, total_price=Decimal("5000"))
        on(datetime(2027, 1, 9, tzinfo=zone), 10, space=loft, state=BookingState.CANCELLED, total_price=Decimal("5000"))
        on(datetime(2026, 12, 10, tzinfo=zone), 10, space=white, state=BookingState.COMPLETED,
           total_price=Decimal("2500"), source=BookingSource.WALK_IN)
        on(datetime(2026, 12, 20, tzinfo=zone), 10, space=white, state=BookingState.COMPLETED,
           total_price=Decimal("70000"))  # after the same days of last month
        response = staff_client(owner).get("/dashboard/")
    context, html = response.context, response.content.decode()
    month, last_month = context["month"], context["last_month"]
    assert (month.revenue, last_month.revenue) == (Decimal("10000"), Decimal("2500"))
    assert month.period.label == "1 Jan – 13 Jan" and last_month.period.label == "1 Dec – 13 Dec"
    assert "compared with the same days of last month, 1 Dec – 13 Dec" in html
    # Due: the completed one and the no-show; made: all five of the month to date.
    assert (month.no_shows, month.due, month.no_show_rate) == (1, 2, 0.5)
    assert (month.cancellations, month.made, month.cancellation_rate) == (1, 4, 0.25)
    assert "50.0%" in html and "25.0%" in html
    by_space = {line.key: line for line in context["by_space"]}
    assert by_space[str(loft.pk)].revenue == Decimal("6000") and by_space[str(white.pk)].revenue == Decimal("4000")
    assert by_space[str(white.pk)].previous_revenue == Decimal("2500")
    assert [line.label for line in context["by_space"]][:2] == ["Loft", "White Hall"]
    assert by_space[str(loft.pk)].share == pytest.approx(0.6)
    by_source = {line.key: line for line in context["by_source"]}
    assert (by_source["website"].revenue, by_source["phone"].revenue, by_source["walk_in"].revenue) == (
        Decimal("4000"), Decimal("6000"), Decimal("0"))
    assert by_source["walk_in"].previous_revenue == Decimal("2500")
    assert "Revenue by hall" in html and "Revenue by source" in html and "Walk-in" in html


def test_to_confirm_comes_first_in_the_page(staff_client, admin, studio):
    BookingFactory(space=studio["white"], start=studio_time(2, 10), client_name="Waiting Guest")
    html = staff_client(admin).get("/dashboard/").content.decode()
    assert html.index('id="pending-title"') < html.index('id="today-title"') < html.index('id="figures-title"')


def test_the_heat_map_is_a_table_with_a_legend(staff_client, admin, studio, studio_hours):
    studio_hours(9, 21)
    with time_machine.travel(WEDNESDAY_13_JANUARY, tick=False):
        monday = datetime(2027, 1, 11, tzinfo=timezone.get_current_timezone())
        on(monday, 10, hours=2, space=studio["white"], state=BookingState.COMPLETED)
        response = staff_client(admin).get("/dashboard/")
    html = response.content.decode()
    heat_map = response.context["heat_map"]
    assert heat_map.hours == list(range(9, 21))
    monday_row = heat_map.rows[0]
    assert [cell.booked for cell in monday_row.cells][:3] == [0, 1, 1]
    assert monday_row.cells[1].open == 3 * 8  # three halls, eight Mondays
    assert '<table class="heat-map">' in html and 'class="heat-legend"' in html
    assert "Monday, 10:00: 4%" in html  # 1 of 24 hall-hours, in the cell's title
    assert "last 8 weeks" in html


@pytest.mark.urls(__name__)
def test_the_dashboard_links_the_day_sheet(staff_client, admin):
    html = staff_client(admin).get("/dashboard/").content.decode()
    assert 'href="/day-sheet/"' in html


def test_a_manager_s_breakdowns_and_heat_map_cover_their_halls(staff_client, manager, studio):
    with time_machine.travel(WEDNESDAY_13_JANUARY, tick=False):
        monday = datetime(2027, 1, 11, tzinfo=timezone.get_current_timezone())
        on(monday, 10, space=studio["white"], state=BookingState.COMPLETED, total_price=Decimal("1000"))
        on(monday, 10, space=studio["loft"], state=BookingState.COMPLETED, total_price=Decimal("99000"))
        response = staff_client(manager).get("/dashboard/")
    assert [line.label for line in response.context["by_space"]] == ["White Hall"]
    assert sum(line.revenue for line in response.context["by_source"]) == Decimal("1000")
    monday_ten = response.context["heat_map"].rows[0].cells[1]
    assert (monday_ten.hour, monday_ten.booked, monday_ten.open) == (10, 1, 8)


def test_the_dashboard_in_russian(staff_client, owner, studio):
    with time_machine.travel(WEDNESDAY_13_JANUARY, tick=False):
        on(datetime(2027, 1, 11, tzinfo=timezone.get_current_timezone()), 10, space=studio["white"],
           state=BookingState.COMPLETED, total_price=Decimal("12500"), client_name="Irina Petrova")
        BookingFactory(space=studio["loft"], start=studio_time(2, 10), client_name="Boris Ivanov")
        html = staff_client(in_russian(owner)).get("/dashboard/").content.decode()
    names = ["White Hall", "Loft", "Cyclorama", "Irina Petrova", "Boris Ivanov", "Olga Owner",
             settings.STUDIO_NAME[:1]]
    assert english_leaks(html, allowed=names) == []
    for text in ("Ждут подтверждения", "Выручка по залам", "Выручка по источникам", "Доля неявок",
                 "Доля отмен", "с теми же днями прошлого месяца", "Загрузка по дням недели и часам", "1 янв — 13 янв",
                 "12\u202f500\u202f₽"):
        assert text in html, text
