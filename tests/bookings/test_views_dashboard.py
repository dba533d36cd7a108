"""/dashboard/: today, requests to confirm, the next days and the figures, per employee's spaces."""

from datetime import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from bookings.models import BookingState
from bookings.templatetags.bookings_tags import change
from tests.bulk import bulk_bookings, queries_for
from tests.factories import BookingFactory, studio_time

pytestmark = pytest.mark.django_db


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
    assert [space.slug for space, _ in response.context["today_by_space"]] == ["white"]
    assert "Today Guest" in html and "Waiting Guest" in html
    assert response.context["pending"] == [request]
    assert f'action="/bookings/{request.pk}/transition/"' in html
    assert today not in response.context["upcoming"]
    assert "Far Away" not in html
    assert "<svg" in html and "Bookings and revenue per day" in html


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
    assert "99\u202f000" not in html
    week, last_week, month = (response.context[key] for key in ("week", "last_week", "month"))
    assert (week.revenue, week.bookings, week.booked_hours) == (Decimal("1000"), 1, Decimal("2"))
    assert last_week.revenue == Decimal("500")
    assert month.revenue == Decimal("1500")
    # One hall open 09:00–22:00 on each of January's 31 days.
    assert month.open_hours == 31 * 13


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
