import re
import zoneinfo
from datetime import date, datetime, time, timedelta
from urllib.parse import quote

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.availability import free_slots
from bookings.models import Booking, BookingState
from tests.factories import BookingFactory, CalendarBlockFactory, ClientFactory, studio_time

pytestmark = pytest.mark.django_db


def get(client, **params):
    return client.get("/calendar/", params)


def items_of(response, kind="booking"):
    return [item for item in response.context["grid"].items if item.kind == kind]


def test_calendar_needs_a_signed_in_employee(client):
    response = client.get("/calendar/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_default_is_this_week_with_every_space(staff_client, owner, studio):
    client = staff_client(owner)
    response = client.get("/calendar/")
    assert response.status_code == 200
    grid = response.context["grid"]
    assert grid.view == "week"
    assert len(grid.days) == 7 and grid.days[0].weekday() == 0
    assert timezone.localdate() in grid.days
    assert grid.lane_count == 7 * 3
    assert b"Cyclorama" in response.content and b"Loft" in response.content


def test_day_view_draws_a_three_hour_booking_over_three_rows(staff_client, owner, studio):
    booking = BookingFactory(space=studio["loft"], start=studio_time(1, 10), end=studio_time(1, 13),
                             client_name="Anna Petrova")
    client = staff_client(owner)
    day = timezone.localdate() + timedelta(days=1)
    response = get(client, view="day", date=day.isoformat())
    grid = response.context["grid"]
    assert [h.label for h in grid.headers] == ["Cyclorama", "Loft", "White Hall"]
    assert grid.row_labels[0]["label"] == "09:00" and grid.row_labels[-1]["label"] == "21:00"
    [item] = items_of(response)
    assert item.obj.pk == booking.pk
    assert (item.row, item.span) == (1, 3)  # 10:00 is the second row of a day opening at 09:00
    loft = next(lane for lane in grid.lanes if lane.space.slug == "loft")
    assert item.column == loft.column
    html = response.content.decode()
    assert f"grid-row: {item.line} / span 3; grid-column: {loft.column}" in html
    assert "10:00–13:00" in html and "Anna Petrova" in html and "Pending" in html
    # The hours it covers are not offered as free; the hour after is, as a link to the booking form.
    assert [cell.status for cell in loft.cells[1:5]] == ["taken", "taken", "taken", "free"]
    assert "/bookings/new/?space=loft&amp;start=" in html


def test_free_hour_links_to_the_booking_form_with_space_and_start(staff_client, owner, studio):
    client = staff_client(owner)
    day = timezone.localdate() + timedelta(days=2)
    response = get(client, view="day", date=day.isoformat(), space="white")
    lane = response.context["grid"].lanes[0]
    cell = lane.cells[3]  # 12:00
    assert cell.status == "free"
    expected_start = datetime.combine(day, time(12), tzinfo=timezone.get_current_timezone()).isoformat()
    assert cell.book_url == f"/bookings/new/?space=white&start={expected_start.replace('+', '%2B').replace(':', '%3A')}"


def test_past_hours_are_not_offered(staff_client, owner, studio):
    client = staff_client(owner)
    yesterday = timezone.localdate() - timedelta(days=1)
    response = get(client, view="day", date=yesterday.isoformat())
    assert {cell.status for lane in response.context["grid"].lanes for cell in lane.cells} == {"past"}
    assert b"/bookings/new/?" not in response.content


def test_week_for_one_space_shows_days_across(staff_client, owner, studio):
    BookingFactory(space=studio["white"], start=studio_time(1, 15), end=studio_time(1, 17))
    BookingFactory(space=studio["loft"], start=studio_time(1, 15), end=studio_time(1, 17))
    client = staff_client(owner)
    response = get(client, view="week", space="white", date=(timezone.localdate() + timedelta(days=1)).isoformat())
    grid = response.context["grid"]
    assert grid.lane_count == 7
    assert [h.span for h in grid.headers] == [1] * 7
    [item] = items_of(response)
    assert item.space.slug == "white" and item.span == 2
    assert grid.lanes[item.column - 2].day == timezone.localdate() + timedelta(days=1)


def test_cancelled_and_no_show_are_faded_with_a_label_or_hidden(staff_client, owner, studio):
    BookingFactory(space=studio["white"], start=studio_time(1, 10), end=studio_time(1, 12),
                   state=BookingState.CANCELLED)
    client = staff_client(owner)
    day = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = get(client, view="day", date=day)
    html = response.content.decode()
    assert re.search(r'class="cal-item cal-booking state-cancelled inactive', html)
    assert "Cancelled" in html
    # Its slot is free again.
    white = next(lane for lane in response.context["grid"].lanes if lane.space.slug == "white")
    assert white.cells[1].status == "free"
    hidden = get(client, view="day", date=day, cancelled="hide")
    assert items_of(hidden) == []


def test_blocks_are_drawn_and_close_their_hours(staff_client, owner, studio):
    CalendarBlockFactory(space=studio["cyclorama"], start=studio_time(1, 12), end=studio_time(1, 15),
                         note="Repainting the cyc")
    client = staff_client(owner)
    response = get(client, view="day", date=(timezone.localdate() + timedelta(days=1)).isoformat())
    [block] = items_of(response, "block")
    assert (block.row, block.span) == (3, 3)
    assert b"Closed \xc2\xb7 Maintenance" in response.content and b"Repainting the cyc" in response.content
    lane = next(lane for lane in response.context["grid"].lanes if lane.space.slug == "cyclorama")
    assert [c.status for c in lane.cells[3:6]] == ["taken"] * 3


def test_month_counts_bookings_and_utilisation(staff_client, owner, studio):
    day = timezone.localdate() + timedelta(days=1)
    BookingFactory(space=studio["white"], start=studio_time(1, 10), end=studio_time(1, 13))
    BookingFactory(space=studio["loft"], start=studio_time(1, 9), end=studio_time(1, 22))
    BookingFactory(space=studio["loft"], start=studio_time(1, 10), end=studio_time(1, 12), state=BookingState.CANCELLED)
    client = staff_client(owner)
    response = get(client, view="month", date=day.isoformat())
    month = response.context["grid"]
    cell = next(d for week in month.weeks for d in week if d.day == day)
    assert cell.bookings == 2
    assert cell.utilisation == round(16 / 39 * 100)  # 3 + 13 booked of 3 spaces × 13 open hours
    assert all(len(week) == 7 for week in month.weeks)
    assert f"{cell.utilisation}% booked".encode() in response.content


def test_navigation_keeps_view_and_space(staff_client, owner, studio):
    client = staff_client(owner)
    response = get(client, view="day", date="2030-05-10", space="loft")
    context = response.context
    assert context["prev_url"] == "/calendar/?view=day&date=2030-05-09&space=loft"
    assert context["next_url"] == "/calendar/?view=day&date=2030-05-11&space=loft"
    assert 'hx-push-url="true"' in response.content.decode()
    month = get(client, view="month", date="2030-01-31")
    assert month.context["next_url"].startswith("/calendar/?view=month&date=2030-02-01")


def test_htmx_navigation_returns_only_the_grid(staff_client, owner, studio):
    client = staff_client(owner)
    response = client.get("/calendar/", {"view": "week", "date": "2030-05-10"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="calendar"')
    assert "Close a space" not in html and "<html" not in html


def test_bad_parameters_fall_back_to_this_week(staff_client, owner, studio):
    client = staff_client(owner)
    response = get(client, view="year", date="not-a-date", space="nope")
    assert response.status_code == 200
    assert response.context["view"] == "week" and response.context["day"] == timezone.localdate()
    assert get(client, date="0001-01-01").status_code == 200


def test_manager_sees_only_their_spaces(staff_client, manager, studio):
    BookingFactory(space=studio["white"], start=studio_time(1, 10), end=studio_time(1, 12), client_name="Vera White")
    BookingFactory(space=studio["loft"], start=studio_time(1, 10), end=studio_time(1, 12), client_name="Lev Loft")
    client = staff_client(manager)
    for view in ("day", "week", "month"):
        response = get(client, view=view, date=(timezone.localdate() + timedelta(days=1)).isoformat())
        assert b"Lev Loft" not in response.content and b"Loft" not in response.content
    response = get(client, view="day", date=(timezone.localdate() + timedelta(days=1)).isoformat(), space="loft")
    assert [lane.space.slug for lane in response.context["grid"].lanes] == ["white"]
    assert b"Vera White" in response.content


def test_now_line_sits_on_today_within_opening_hours(staff_client, owner, studio):
    zone = timezone.get_current_timezone()
    with time_machine.travel(datetime(2030, 5, 15, 12, 30, tzinfo=zone), tick=False):
        client = staff_client(owner)
        response = get(client, view="week", date="2030-05-15")
    line = response.context["grid"].now_line
    assert line["label"] == "12:30"
    assert line["percent"] == pytest.approx(3.5 / 13 * 100, abs=0.01)
    today = [lane for lane in response.context["grid"].lanes if lane.is_today]
    assert {lane.day for lane in today} == {date(2030, 5, 15)} and line["column"] == today[0].column


def bulk_bookings(space, count, prefix):
    client = ClientFactory()
    start = studio_time(1, 10)
    Booking.objects.bulk_create(
        Booking(space=space, client=client, start=start + timedelta(hours=i % 12),
                end=start + timedelta(hours=i % 12 + 1), occupied_until=start + timedelta(hours=i % 12 + 1),
                state=BookingState.CANCELLED,
                reference=f"REF-{prefix}-{i:05d}", client_name=client.name, client_phone=client.phone,
                client_phone_index=client.phone_index)
        for i in range(count)
    )


@pytest.mark.parametrize("role", ["owner", "manager"])
def test_week_view_runs_a_fixed_number_of_queries(staff_client, studio, role, request, django_assert_num_queries):
    client = staff_client(request.getfixturevalue(role))
    week = {"view": "week", "date": (timezone.localdate() + timedelta(days=1)).isoformat()}
    bulk_bookings(studio["white"], 10, "A")
    client.get("/calendar/", week)  # the first request of a session writes its activity stamp
    with CaptureQueriesContext(connection) as small:
        response = client.get("/calendar/", week)
    assert len(items_of(response)) == 10
    bulk_bookings(studio["white"], 990, "B")
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get("/calendar/", week)
    assert len(items_of(response)) == 1000
    assert len(small.captured_queries) <= 12  # two of them read the week's opening hours and special days


def dst_settings(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    return zoneinfo.ZoneInfo("Europe/Berlin")


def test_day_of_the_spring_clock_change_has_the_right_hours(staff_client, owner, studio, settings, studio_hours):
    berlin = dst_settings(settings)
    studio_hours(0, 24)
    with timezone.override(berlin), time_machine.travel(datetime(2030, 3, 1, 12, tzinfo=berlin), tick=False):
        # 31 March 2030: at 02:00 the clocks go forward to 03:00, so the day has 23 hours.
        start = datetime(2030, 3, 31, 10, tzinfo=berlin)
        BookingFactory(space=studio["white"], start=start, end=start + timedelta(hours=2))
        client = staff_client(owner)
        response = get(client, view="day", date="2030-03-31", space="white")
        grid = response.context["grid"]
        labels = [row["label"] for row in grid.row_labels]
        assert len(labels) == 23
        assert labels[:4] == ["00:00", "01:00", "03:00", "04:00"] and "02:00" not in labels
        [item] = items_of(response)
        assert labels[item.row] == "10:00" and item.span == 2
        assert "10:00–12:00" in response.content.decode()
        autumn = get(client, view="day", date="2030-10-27", space="white").context["grid"]
        assert [row["label"] for row in autumn.row_labels].count("02:00") == 2 and autumn.row_count == 25


def test_week_across_the_clock_change_places_bookings_at_their_local_time(staff_client, owner, studio, settings):
    berlin = dst_settings(settings)
    with timezone.override(berlin), time_machine.travel(datetime(2030, 3, 1, 12, tzinfo=berlin), tick=False):
        before = datetime(2030, 3, 30, 10, tzinfo=berlin)
        after = datetime(2030, 3, 31, 10, tzinfo=berlin)  # the day of the change
        BookingFactory(space=studio["white"], start=before, end=before + timedelta(hours=3))
        BookingFactory(space=studio["white"], start=after, end=after + timedelta(hours=3))
        client = staff_client(owner)
        response = get(client, view="week", date="2030-03-31", space="white")
        grid = response.context["grid"]
        assert grid.days[0] == date(2030, 3, 25) and grid.row_count == 13
        rows = sorted((grid.lanes[item.column - 2].day, item.row, item.span) for item in items_of(response))
        assert rows == [(date(2030, 3, 30), 1, 3), (date(2030, 3, 31), 1, 3)]
        # The first hour of each day is 09:00 local: 08:00 UTC before the change, 07:00 UTC after.
        lanes = {lane.day: lane for lane in grid.lanes}
        assert lanes[date(2030, 3, 30)].cells[0].start.astimezone(zoneinfo.ZoneInfo("UTC")).hour == 8
        assert lanes[date(2030, 3, 31)].cells[0].start.astimezone(zoneinfo.ZoneInfo("UTC")).hour == 7


def test_cleanup_time_around_a_booking_is_not_offered(staff_client, owner, studio):
    white = studio["white"]
    white.cleanup_minutes = 30
    white.save()
    BookingFactory(space=white, start=studio_time(1, 10), end=studio_time(1, 12))
    client = staff_client(owner)
    day = timezone.localdate() + timedelta(days=1)
    response = get(client, view="day", date=day.isoformat(), space="white")
    lane = response.context["grid"].lanes[0]
    # 09:00 would run into the 10:00 booking with its cleanup; 12:00 is the cleanup after it.
    assert [cell.status for cell in lane.cells[:5]] == ["buffer", "taken", "taken", "buffer", "free"]
    # The grid offers exactly the hours the booking form accepts.
    offered = [cell.start for cell in lane.cells if cell.status == "free"]
    assert offered == [slot.start for slot in free_slots(white, day)]
    html = response.content.decode()
    noon = quote(timezone.localtime(studio_time(1, 12)).isoformat())
    assert f"start={noon}" not in html and "Cleanup" in html and "needs 30 min between bookings" in html


def test_hours_beyond_the_booking_horizon_are_not_offered(staff_client, owner, studio, settings):
    settings.BOOKING_HORIZON_DAYS = 3
    client = staff_client(owner)
    near = get(client, view="day", date=(timezone.localdate() + timedelta(days=1)).isoformat(), space="white")
    assert {cell.status for cell in near.context["grid"].lanes[0].cells} == {"free"}
    far = get(client, view="day", date=(timezone.localdate() + timedelta(days=5)).isoformat(), space="white")
    assert {cell.status for cell in far.context["grid"].lanes[0].cells} == {"refused"}
    assert b"/bookings/new/?" not in far.content
    assert b"Bookings open 3 days ahead" in far.content


def test_all_spaces_week_shows_start_and_state_on_each_booking_and_explains_the_short_labels(staff_client, owner, studio):
    booking = BookingFactory(space=studio["loft"], start=studio_time(1, 12), end=studio_time(1, 14))
    CalendarBlockFactory(space=studio["white"], start=studio_time(1, 10) + timedelta(minutes=30),
                         end=studio_time(1, 12))
    client = staff_client(owner)
    response = get(client, view="week", date=(timezone.localdate() + timedelta(days=1)).isoformat())
    html = response.content.decode()
    drawn = re.search(rf'data-booking="{booking.pk}".*?</a>', html, re.S).group(0)
    assert '<span class="cal-item-hours" aria-hidden="true">12–14</span>' in drawn
    assert '<span class="cal-item-short" aria-hidden="true">Pend.</span>' in drawn
    assert '<span class="cal-item-hours" aria-hidden="true">10:30–12</span>' in html  # a block off the hour
    legend = re.search(r'<div class="cal-legend">.*?</div>', html, re.S).group(0)
    for short, label in (("Pend.", "Pending"), ("Conf.", "Confirmed"), ("Canc.", "Cancelled"), ("NS", "No-show")):
        assert f'<b class="cal-legend-short">{short}</b><span class="cal-key-label">{label}</span>' in legend
    assert ">L</b>Loft<" in legend
    # With room to spell things out (one space), the legend does not repeat the short labels.
    single = get(client, view="week", date=(timezone.localdate() + timedelta(days=1)).isoformat(), space="loft")
    assert "cal-legend-short" not in single.content.decode()


def test_only_bookings_that_may_still_be_rescheduled_can_be_dragged(staff_client, owner, studio):
    live = BookingFactory(space=studio["white"], start=studio_time(1, 10), state=BookingState.IN_PROGRESS)
    done = BookingFactory(space=studio["loft"], start=studio_time(1, 10), state=BookingState.COMPLETED)
    response = get(staff_client(owner), view="day", date=(timezone.localdate() + timedelta(days=1)).isoformat())
    assert {item.obj.pk: item.is_movable for item in items_of(response)} == {live.pk: True, done.pk: False}
    html = response.content.decode()
    assert f'data-move-url="/calendar/bookings/{live.pk}/move/"' in html
    assert f"/calendar/bookings/{done.pk}/move/" not in html


def test_one_hall_s_week_runs_the_same_queries_however_busy_the_other_halls_are(staff_client, owner, studio,
                                                                                 django_assert_num_queries):
    client = staff_client(owner)
    week = {"view": "week", "space": "white", "date": (timezone.localdate() + timedelta(days=1)).isoformat()}
    bulk_bookings(studio["white"], 5, "W")
    client.get("/calendar/", week)
    with CaptureQueriesContext(connection) as quiet:
        client.get("/calendar/", week)
    bulk_bookings(studio["loft"], 1000, "L")
    bulk_bookings(studio["cyclorama"], 1000, "C")
    with django_assert_num_queries(len(quiet.captured_queries)):
        response = client.get("/calendar/", week)
    assert {item.space.slug for item in items_of(response)} == {"white"} and len(items_of(response)) == 5
