"""A chain's all-halls day and week show one page of halls at a time, with a pager that keeps the rest of
the address; the month and a single chosen hall are as before."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from calendar_app.grid import HALLS_PER_PAGE
from tests.factories import BookingFactory, SpaceFactory, studio_time

pytestmark = pytest.mark.django_db


def chain(count, first=1):
    """``count`` halls named so that the calendar's order (by name) is their number."""
    return [SpaceFactory(name=f"Hall {n:02d}", slug=f"hall-{n:02d}") for n in range(first, first + count)]


@pytest.fixture
def tomorrow():
    return (timezone.localdate() + timedelta(days=1)).isoformat()


def get(client, **params):
    return client.get("/calendar/", params)


def lane_halls(response):
    return list(dict.fromkeys(lane.space.name for lane in response.context["grid"].lanes))


def pager(response):
    return re.search(r'<nav class="cal-halls".*?</nav>', response.content.decode(), re.S).group(0)


def test_a_chain_s_week_shows_the_first_page_of_halls_and_a_pager(staff_client, owner, tomorrow):
    chain(20)
    response = get(staff_client(owner), view="week", date=tomorrow)
    assert lane_halls(response) == [f"Hall {n:02d}" for n in range(1, HALLS_PER_PAGE + 1)]
    assert response.context["grid"].lane_count == 7 * HALLS_PER_PAGE
    nav = pager(response)
    assert 'aria-label="Spaces"' in nav and "Spaces 1–8 of 20" in nav
    # Nothing before the first page: the button is there, greyed out and out of the tab order.
    assert '<button class="btn btn-sm" id="cal-halls-prev" type="button" disabled aria-label="Previous spaces">' in nav
    assert f'href="/calendar/?view=week&amp;date={tomorrow}&amp;halls=2"' in nav and 'aria-label="Next spaces"' in nav
    legend = re.search(r'<div class="cal-legend">.*?</div>', response.content.decode(), re.S).group(0)
    assert "Hall 08" in legend and "Hall 09" not in legend


def test_page_two_shows_the_next_halls_and_their_bookings(staff_client, owner, tomorrow):
    halls = chain(20)
    BookingFactory(space=halls[9], start=studio_time(1, 10), end=studio_time(1, 12), client_name="Nina Tenth")
    client = staff_client(owner)
    first = get(client, view="week", date=tomorrow)
    assert b"Nina Tenth" not in first.content
    second = get(client, view="week", date=tomorrow, halls="2")
    assert lane_halls(second) == [f"Hall {n:02d}" for n in range(9, 17)]
    assert b"Nina Tenth" in second.content
    nav = pager(second)
    assert "Spaces 9–16 of 20" in nav
    assert f'href="/calendar/?view=week&amp;date={tomorrow}" ' in nav  # the first page needs no number
    assert f'href="/calendar/?view=week&amp;date={tomorrow}&amp;halls=3"' in nav


@pytest.mark.parametrize("asked, shown", [("abc", 1), ("0", 1), ("-3", 1), ("2.5", 1), ("", 1), ("3", 3), ("99", 3)])
def test_a_page_out_of_range_or_not_a_number_falls_back_to_the_first_or_last(staff_client, owner, tomorrow,
                                                                             asked, shown):
    chain(20)
    response = get(staff_client(owner), view="week", date=tomorrow, halls=asked)
    assert response.status_code == 200
    first = (shown - 1) * HALLS_PER_PAGE + 1
    assert lane_halls(response)[0] == f"Hall {first:02d}"
    if shown == 3:
        assert "Spaces 17–20 of 20" in pager(response)
        assert 'id="cal-halls-next" type="button" disabled' in pager(response)


def test_moving_through_the_calendar_keeps_the_page_of_halls(staff_client, owner, tomorrow):
    chain(20)
    client = staff_client(owner)
    response = client.get("/calendar/", {"view": "week", "date": "2030-05-15", "halls": "2", "cancelled": "hide"},
                          headers={"HX-Request": "true"})
    context, html = response.context, response.content.decode()
    assert html.lstrip().startswith('<section id="calendar"') and "Spaces 9–16 of 20" in html
    kept = "&cancelled=hide&halls=2"
    assert context["current_url"] == f"/calendar/?view=week&date=2030-05-15{kept}"  # the live redraw's address
    assert context["prev_url"] == f"/calendar/?view=week&date=2030-05-06{kept}"
    assert context["next_url"] == f"/calendar/?view=week&date=2030-05-20{kept}"
    assert all(url.endswith(kept) for _, _, url in context["view_urls"])
    assert context["cancelled_url"] == "/calendar/?view=week&date=2030-05-15&halls=2"
    # A day's heading opens that day on the same page of halls; the date picker keeps it too.
    assert 'href="/calendar/?view=day&amp;date=2030-05-13&amp;halls=2"' in html
    assert '<input type="hidden" name="halls" value="2">' in html
    day = get(client, view="day", date="2030-05-13", halls="2")
    assert lane_halls(day) == [f"Hall {n:02d}" for n in range(9, 17)] and "Spaces 9–16 of 20" in pager(day)


def test_the_month_and_a_chosen_hall_show_no_pager(staff_client, owner, tomorrow):
    chain(20)
    client = staff_client(owner)
    month = get(client, view="month", date=tomorrow, halls="2")
    assert b'class="cal-halls"' not in month.content and b"Hall 20" in month.content
    assert "across 20 spaces" in month.content.decode()
    one = get(client, view="week", date=tomorrow, space="hall-12", halls="2")
    assert lane_halls(one) == ["Hall 12"] and b'class="cal-halls"' not in one.content
    assert "halls=" not in one.context["next_url"]


def test_a_studio_that_fits_on_one_page_has_no_pager(staff_client, owner, tomorrow):
    chain(HALLS_PER_PAGE)
    response = get(staff_client(owner), view="week", date=tomorrow, halls="2")
    assert len(lane_halls(response)) == HALLS_PER_PAGE
    assert b'class="cal-halls"' not in response.content and "halls=" not in response.context["next_url"]


@pytest.mark.parametrize("view", ["week", "day"])
def test_a_chain_s_page_runs_the_same_queries_however_many_halls_it_has(staff_client, owner, tomorrow, view,
                                                                       django_assert_num_queries):
    halls = chain(HALLS_PER_PAGE + 1)
    client = staff_client(owner)
    params = {"view": view, "date": tomorrow}
    client.get("/calendar/", params)  # the first request of a session writes its activity stamp
    with CaptureQueriesContext(connection) as small:
        client.get("/calendar/", params)
    halls += chain(31, first=len(halls) + 1)
    for hall in halls:
        BookingFactory(space=hall, start=studio_time(1, 10), end=studio_time(1, 12))
    for page in ("1", "3"):
        with django_assert_num_queries(len(small.captured_queries)):
            response = client.get("/calendar/", {**params, "halls": page})
        assert len(lane_halls(response)) == HALLS_PER_PAGE
        assert len([item for item in response.context["grid"].items if item.kind == "booking"]) == HALLS_PER_PAGE
