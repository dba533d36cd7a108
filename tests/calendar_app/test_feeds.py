from datetime import timedelta

import pytest
from icalendar import Calendar

from bookings.models import BookingState
from calendar_app.models import CalendarFeed
from employees.models import EmployeeStatus
from tests.factories import BookingFactory, ClientFactory, studio_time

pytestmark = pytest.mark.django_db


def new_feed(client, space=""):
    response = client.post("/calendar/feeds/", {"space": space, "next": "/calendar/"})
    assert response.status_code == 302
    return CalendarFeed.objects.get(employee=response.wsgi_request.user, space__slug=space or None)


def events_of(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


@pytest.fixture
def bookings(studio):
    anna = ClientFactory(name="Anna Petrova", phone="+79161112233", email="anna@example.com")
    return {
        "white": BookingFactory(space=studio["white"], client=anna, client_name="Anna Petrova",
                                client_email="anna@example.com", start=studio_time(1, 10), end=studio_time(1, 13),
                                state=BookingState.CONFIRMED),
        "loft": BookingFactory(space=studio["loft"], client_name="Lev Tolstoy", start=studio_time(2, 10),
                               end=studio_time(2, 12)),
        "cancelled": BookingFactory(space=studio["white"], client_name="Ivan Sidorov", start=studio_time(3, 10),
                                    end=studio_time(3, 11), state=BookingState.CANCELLED),
    }


def test_feed_carries_reference_first_name_space_and_state_only(staff_client, owner, bookings):
    client = staff_client(owner)
    feed = new_feed(client)
    response = client.get(f"/calendar/ical/{feed.token}.ics")
    events = events_of(response)
    white = events[f"{bookings['white'].reference}@studio-crm"]
    assert bookings["white"].reference in str(white["summary"])
    assert "Anna" in str(white["summary"]) and str(white["location"]) == "White Hall"
    assert str(white["status"]) == "CONFIRMED"
    assert white.decoded("dtstart") == bookings["white"].start
    assert white.decoded("dtend") - white.decoded("dtstart") == timedelta(hours=3)
    assert str(events[f"{bookings['loft'].reference}@studio-crm"]["status"]) == "TENTATIVE"
    assert str(events[f"{bookings['cancelled'].reference}@studio-crm"]["status"]) == "CANCELLED"
    text = response.content.decode()
    for secret in ("Petrova", "Tolstoy", "Sidorov", "anna@example.com", "+7916", "9161112233"):
        assert secret not in text


def test_space_feed_shows_only_that_space(staff_client, owner, bookings):
    client = staff_client(owner)
    feed = new_feed(client, "loft")
    events = events_of(client.get(f"/calendar/ical/{feed.token}.ics"))
    assert set(events) == {f"{bookings['loft'].reference}@studio-crm"}


def test_manager_feed_shows_only_their_spaces(staff_client, manager, bookings):
    client = staff_client(manager)
    feed = new_feed(client)
    events = events_of(client.get(f"/calendar/ical/{feed.token}.ics"))
    assert f"{bookings['loft'].reference}@studio-crm" not in events
    assert f"{bookings['white'].reference}@studio-crm" in events
    # Nor can they make a feed of a space they do not work on.
    assert client.post("/calendar/feeds/", {"space": "loft"}).status_code == 404


def test_regenerating_stops_the_old_link(staff_client, owner, bookings):
    client = staff_client(owner)
    old = new_feed(client).token
    assert client.get(f"/calendar/ical/{old}.ics").status_code == 200
    new = new_feed(client).token
    assert new != old
    assert client.get(f"/calendar/ical/{old}.ics").status_code == 404
    assert client.get(f"/calendar/ical/{new}.ics").status_code == 200
    page = client.get("/calendar/")
    assert new.encode() in page.content and old.encode() not in page.content


def test_deactivated_employee_feed_stops(staff_client, manager, bookings):
    client = staff_client(manager)
    feed = new_feed(client)
    manager.status = EmployeeStatus.DEACTIVATED
    manager.save()
    client.logout()
    assert client.get(f"/calendar/ical/{feed.token}.ics").status_code == 404


def test_unknown_token_is_404(client, db):
    assert client.get("/calendar/ical/not-a-real-token-at-all.ics").status_code == 404
