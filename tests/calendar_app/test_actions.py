import json
from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.models import Booking, BookingState, BookingTransition, CalendarBlock
from bookings.services import booking_create
from studio_crm.formatting import money
from tests.factories import BookingFactory, CalendarBlockFactory, studio_time

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def book(space, start_hour, hours=2, days=1, by=None, name="Anna Petrova"):
    start = studio_time(days, start_hour)
    return booking_create(space=space, start=start, end=start + timedelta(hours=hours), client_name=name,
                          client_phone="+79161234567", by=by)


def local_input(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


# --- Summary -----------------------------------------------------------------------------------


def test_summary_shows_the_booking_and_its_allowed_transitions(staff_client, owner, studio):
    booking = book(studio["white"], 10)
    client = staff_client(owner)
    response = client.get(f"/calendar/bookings/{booking.pk}/", headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert booking.reference in html and "Anna Petrova" in html and "White Hall" in html
    assert ">Confirm<" in html and "Cancel booking" in html
    assert "Start session" not in html and "Mark no-show" not in html  # only from the start time
    assert f'href="/bookings/{booking.pk}/"' in html
    # Without JavaScript the same address is a whole page.
    page = client.get(f"/calendar/bookings/{booking.pk}/")
    assert b"<html" in page.content and booking.reference.encode() in page.content


def test_summary_shows_money_and_payment_apart_from_the_booking_state(staff_client, owner, studio):
    booking = book(studio["white"], 10)  # two hours at 2 500 ₽
    client = staff_client(owner)
    html = client.get(f"/calendar/bookings/{booking.pk}/", headers=HTMX).content.decode()
    assert money(5000) in html and "5000.00" not in html
    assert "Payment pending" in html
    assert '<span class="badge state-pending">Pending</span>' in html


def test_manager_gets_404_for_another_space_booking(staff_client, manager, studio):
    other = book(studio["loft"], 10)
    client = staff_client(manager)
    assert client.get(f"/calendar/bookings/{other.pk}/").status_code == 404
    response = client.post(f"/calendar/bookings/{other.pk}/transition/", {"to": "confirmed"})
    assert response.status_code == 404
    response = client.post(f"/calendar/bookings/{other.pk}/move/",
                           {"version": other.version, "space": "loft", "start": local_input(studio_time(2, 10))})
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.state == BookingState.PENDING and other.start == studio_time(1, 10)


# --- Transitions -------------------------------------------------------------------------------


def test_confirm_from_the_summary(staff_client, owner, studio):
    booking = book(studio["white"], 10)
    client = staff_client(owner)
    response = client.post(f"/calendar/bookings/{booking.pk}/transition/",
                           {"to": "confirmed", "version": booking.version}, headers=HTMX)
    assert response.status_code == 200
    trigger = json.loads(response["HX-Trigger"])
    assert "calendarChanged" in trigger and trigger["toast"]["level"] == "success"
    booking.refresh_from_db()
    assert booking.state == BookingState.CONFIRMED
    assert b"Confirmed" in response.content


def test_cancel_needs_a_reason(staff_client, owner, studio):
    booking = book(studio["white"], 10)
    client = staff_client(owner)
    response = client.post(f"/calendar/bookings/{booking.pk}/transition/", {"to": "cancelled", "reason": " "},
                           headers=HTMX)
    assert response.status_code == 400
    assert b"Give a reason" in response.content
    booking.refresh_from_db()
    assert booking.state == BookingState.PENDING
    response = client.post(f"/calendar/bookings/{booking.pk}/transition/",
                           {"to": "cancelled", "reason": "Client called to cancel"})
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.state == BookingState.CANCELLED
    assert BookingTransition.objects.filter(booking=booking, to_state="cancelled",
                                            reason="Client called to cancel").exists()


def test_refused_transition_is_409_and_leaves_the_booking(staff_client, owner, studio):
    booking = book(studio["white"], 10)
    client = staff_client(owner)
    response = client.post(f"/calendar/bookings/{booking.pk}/transition/", {"to": "completed"}, headers=HTMX)
    assert response.status_code == 409
    assert b"cannot become completed" in response.content
    booking.refresh_from_db()
    assert booking.state == BookingState.PENDING


def test_unknown_target_state_is_a_400_form_error(staff_client, owner, studio):
    booking = book(studio["white"], 10)
    client = staff_client(owner)
    response = client.post(f"/calendar/bookings/{booking.pk}/transition/",
                           {"to": "archived", "version": booking.version}, headers=HTMX)
    assert response.status_code == 400
    assert b"Choose what to do with the booking." in response.content
    booking.refresh_from_db()
    assert booking.state == BookingState.PENDING and booking.version == 1


def test_summary_restored_from_history_is_a_whole_page(staff_client, owner, studio):
    booking = book(studio["white"], 10)
    client = staff_client(owner)
    response = client.get(f"/calendar/bookings/{booking.pk}/",
                          headers={**HTMX, "HX-History-Restore-Request": "true"})
    assert b"<html" in response.content and booking.reference.encode() in response.content


def test_next_pointing_off_site_is_ignored(staff_client, admin, studio):
    block = CalendarBlockFactory(space=studio["loft"], start=studio_time(3, 10), end=studio_time(3, 12))
    client = staff_client(admin)
    response = client.post(f"/calendar/blocks/{block.pk}/delete/", {"next": "https://evil.example/calendar/"})
    assert response.status_code == 302 and response["Location"].startswith("/calendar/?view=day")
    response = client.post("/calendar/feeds/", {"next": "//evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/calendar/"


# --- Rescheduling ------------------------------------------------------------------------------


def test_move_to_a_free_hour(staff_client, owner, studio):
    booking = book(studio["white"], 10)
    client = staff_client(owner)
    new_start = studio_time(2, 14)
    response = client.post(f"/calendar/bookings/{booking.pk}/move/",
                           {"version": booking.version, "space": "loft", "start": new_start.isoformat()},
                           headers=HTMX)
    assert response.status_code == 200, response.content
    booking.refresh_from_db()
    assert (booking.space.slug, booking.start, booking.end) == ("loft", new_start, new_start + timedelta(hours=2))
    assert json.loads(response["HX-Trigger"])["toast"]["level"] == "success"


def test_move_into_a_taken_slot_is_refused_and_the_booking_stays(staff_client, owner, studio):
    booking = book(studio["white"], 10)
    book(studio["white"], 14, name="Boris Ivanov")
    client = staff_client(owner)
    response = client.post(f"/calendar/bookings/{booking.pk}/move/",
                           {"version": booking.version, "space": "white", "start": local_input(studio_time(1, 13))},
                           headers=HTMX)
    assert response.status_code == 409
    message = json.loads(response["HX-Trigger"])["toast"]["message"]
    assert "White Hall is already booked" in message
    assert b"already booked" in response.content
    booking.refresh_from_db()
    assert booking.start == studio_time(1, 10) and booking.version == 1
    # Without JavaScript the refusal is a page with the message, not a 500.
    page = client.post(f"/calendar/bookings/{booking.pk}/move/",
                       {"version": booking.version, "space": "white", "start": local_input(studio_time(1, 13))})
    assert page.status_code == 409 and b"already booked" in page.content


def test_move_into_a_block_or_outside_hours_is_refused(staff_client, owner, studio):
    booking = book(studio["white"], 10)
    CalendarBlockFactory(space=studio["white"], start=studio_time(2, 10), end=studio_time(2, 14))
    client = staff_client(owner)
    url = f"/calendar/bookings/{booking.pk}/move/"
    blocked = client.post(url, {"version": 1, "space": "white", "start": local_input(studio_time(2, 11))})
    assert blocked.status_code == 409 and b"is closed" in blocked.content
    late = client.post(url, {"version": 1, "space": "white", "start": local_input(studio_time(2, 21))})
    assert late.status_code == 400 and b"opening hours" in late.content
    garbage = client.post(url, {"version": 1, "space": "white", "start": "tomorrow-ish"})
    assert garbage.status_code == 400
    booking.refresh_from_db()
    assert booking.start == studio_time(1, 10)


def test_a_refused_time_is_shown_beside_the_field_it_concerns(staff_client, owner, studio):
    booking = book(studio["white"], 10)
    client = staff_client(owner)
    start = studio_time(2, 10) + timedelta(minutes=30)
    response = client.post(f"/calendar/bookings/{booking.pk}/move/",
                           {"version": 1, "space": "white", "start": local_input(start)}, headers=HTMX)
    assert response.status_code == 400
    form = response.context["move_form"]
    assert "on the hour" in " ".join(form.errors["start"]) and not form.non_field_errors()


def test_move_with_a_stale_version_is_refused(staff_client, owner, studio):
    booking = book(studio["white"], 10)
    client = staff_client(owner)
    response = client.post(f"/calendar/bookings/{booking.pk}/move/",
                           {"version": 7, "space": "white", "start": local_input(studio_time(2, 10))})
    assert response.status_code == 409 and b"changed by someone else" in response.content


def test_manager_cannot_move_into_a_space_they_do_not_work_on(staff_client, manager, studio):
    booking = book(studio["white"], 10)
    client = staff_client(manager)
    response = client.post(f"/calendar/bookings/{booking.pk}/move/",
                           {"version": 1, "space": "loft", "start": local_input(studio_time(2, 10))})
    assert response.status_code == 400
    booking.refresh_from_db()
    assert booking.space.slug == "white"


# --- Blocks ------------------------------------------------------------------------------------


def block_data(space="white", start=None, end=None, **extra):
    start = start or studio_time(3, 10)
    end = end or start + timedelta(hours=4)
    return {"space": space, "start": local_input(start), "end": local_input(end), "kind": "maintenance",
            "note": "New backdrop rails", **extra}


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_admins_and_owners_close_a_space(staff_client, studio, role, request):
    client = staff_client(request.getfixturevalue(role))
    response = client.post("/calendar/blocks/", block_data())
    assert response.status_code == 302
    block = CalendarBlock.objects.get()
    assert (block.space.slug, block.start, block.note) == ("white", studio_time(3, 10), "New backdrop rails")
    page = client.get(response["Location"])
    assert b"Closed \xc2\xb7 Maintenance" in page.content
    # And nothing can be booked into it any more.
    with pytest.raises(Exception, match="closed"):
        book(studio["white"], 11, days=3)


def test_block_over_active_bookings_is_refused(staff_client, owner, studio):
    booking = book(studio["white"], 12, days=3)
    client = staff_client(owner)
    response = client.post("/calendar/blocks/", block_data())
    assert response.status_code == 400
    assert b"has active bookings in that time" in response.content
    assert booking.reference.encode() in response.content
    assert not CalendarBlock.objects.exists()


def test_block_over_a_cancelled_booking_is_allowed(staff_client, owner, studio):
    BookingFactory(space=studio["white"], start=studio_time(3, 12), end=studio_time(3, 13),
                   state=BookingState.CANCELLED)
    client = staff_client(owner)
    assert client.post("/calendar/blocks/", block_data()).status_code == 302
    assert CalendarBlock.objects.count() == 1


def test_block_with_end_before_start_is_a_form_error(staff_client, owner, studio):
    client = staff_client(owner)
    response = client.post("/calendar/blocks/", block_data(start=studio_time(3, 14), end=studio_time(3, 10)))
    assert response.status_code == 400 and b"The end must be after the start" in response.content
    assert not CalendarBlock.objects.exists()


def test_managers_cannot_create_or_remove_blocks(staff_client, manager, studio):
    block = CalendarBlockFactory(space=studio["white"], start=studio_time(3, 10), end=studio_time(3, 12))
    client = staff_client(manager)
    assert client.post("/calendar/blocks/", block_data()).status_code == 403
    assert client.post(f"/calendar/blocks/{block.pk}/delete/").status_code == 403
    assert CalendarBlock.objects.count() == 1
    page = client.get("/calendar/", {"view": "day", "date": timezone.localdate(block.start).isoformat()})
    assert b"Close a space" not in page.content and b"Reopen" not in page.content


def test_admin_reopens_a_block(staff_client, admin, studio):
    block = CalendarBlockFactory(space=studio["loft"], start=studio_time(3, 10), end=studio_time(3, 12))
    client = staff_client(admin)
    response = client.post(f"/calendar/blocks/{block.pk}/delete/", {"next": "/calendar/?view=day"})
    assert response.status_code == 302 and response["Location"] == "/calendar/?view=day"
    assert not CalendarBlock.objects.exists()
    assert client.post(f"/calendar/blocks/{block.pk}/delete/").status_code == 404


def test_booking_count_unchanged_by_refusals(staff_client, owner, studio):
    book(studio["white"], 10)
    client = staff_client(owner)
    client.post("/calendar/blocks/", block_data(start=studio_time(1, 9), end=studio_time(1, 12)))
    assert Booking.objects.count() == 1 and not CalendarBlock.objects.exists()
