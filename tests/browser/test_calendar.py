"""The calendar in a real browser: book from a free hour, see it drawn, try to move it into a taken
hour and see the refusal. Also saves screenshots of every view at desktop and phone size."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext
from django.utils.translation.trans_real import DjangoTranslation
from playwright.sync_api import expect

from bookings.errors import local_range
from bookings.models import Booking, BookingState, PaymentStatus
from bookings.services import booking_create, booking_transition
from bookings.templatetags.bookings_tags import payment_badge
from tests.factories import CalendarBlockFactory, studio_time

from .conftest import DESKTOP, PHONE, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def book(space, day, hour, hours, name, by=None):
    start = studio_time(day, hour)
    return booking_create(space=space, start=start, end=start + timedelta(hours=hours), client_name=name,
                          client_phone="+79161234567", by=by)


def test_book_from_a_free_hour_then_refused_move_into_a_taken_hour(new_page, owner, studio, ui_language):
    day = timezone.localdate() + timedelta(days=1)
    boris = book(studio["white"], 1, 14, 2, "Boris Ivanov", by=owner)
    page = new_page(viewport=DESKTOP, user=owner)
    page.goto(f"/calendar/?view=week&date={day.isoformat()}&space=white")
    start = studio_time(1, 10)
    page.locator(f'a.cal-cell.free[data-start="{start.isoformat()}"]').click()
    assert "/bookings/new/?space=white&start=" in page.url
    # The form arrives with the hour the link named: space, date and start time already chosen.
    expect(page.locator("#id_space")).to_have_value("white")
    expect(page.locator("#id_date")).to_have_value(day.isoformat())
    expect(page.locator("#id_start_time")).to_have_value("10")
    page.fill("#id_hours", "2")
    page.fill("#id_client_name", "Vera Kozlova")
    page.fill("#id_client_phone", "8 (916) 777-12-34")
    page.get_by_role("button", name=gettext("Create booking")).click()
    page.wait_for_url(lambda url: "/bookings/new/" not in url)
    booking = Booking.objects.get(client_name="Vera Kozlova")
    assert (booking.space.slug, booking.start) == ("white", start)

    page.goto(f"/calendar/?view=week&date={day.isoformat()}&space=white")
    drawn = page.locator(f'.cal-booking[data-booking="{booking.pk}"]')
    expect(drawn).to_contain_text("10:00–12:00")
    expect(drawn).to_contain_text(str(BookingState.PENDING.label))

    # Drag it onto Boris's 14:00 booking: refused, and it stays where it was.
    taken = gettext("%(space)s is already booked %(when)s.") % {
        "space": boris.space.name, "when": local_range(boris.start, boris.end)}
    drawn.drag_to(page.locator(f'.cal-booking[data-booking="{boris.pk}"]'), target_position={"x": 20, "y": 10})
    expect(page.locator(".toast.error")).to_contain_text(taken)
    booking.refresh_from_db()
    assert booking.start == start and booking.version == 1
    expect(page.locator(f'.cal-booking[data-booking="{booking.pk}"]')).to_contain_text("10:00–12:00")

    # The summary opens in a dialog; moving by its form into the taken hour is refused there too.
    drawn.click()
    dialog = page.locator("#cal-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(booking.reference)
    dialog.get_by_text(gettext("Change time or space")).click()
    dialog.locator(f"#move{booking.pk}_start").fill(timezone.localtime(studio_time(1, 13)).strftime("%Y-%m-%dT%H:%M"))
    dialog.get_by_role("button", name=gettext("Move booking")).click()
    expect(dialog.locator(".form-errors")).to_contain_text(taken)
    screenshot(page, f"calendar-summary-refused-desktop-{ui_language}")
    booking.refresh_from_db()
    assert booking.start == start

    # A free hour is accepted, and the calendar redraws without a reload.
    dialog.locator(f"#move{booking.pk}_start").fill(timezone.localtime(studio_time(1, 17)).strftime("%Y-%m-%dT%H:%M"))
    dialog.get_by_role("button", name=gettext("Move booking")).click()
    expect(page.locator(f'.cal-booking[data-booking="{booking.pk}"]')).to_contain_text("17:00–19:00")


def test_a_refused_drag_says_so_in_the_page_s_language(new_page, owner, studio, ui_language):
    """When the server's answer cannot be read, the script's own words say so, in the reader's language."""
    booking = book(studio["white"], 1, 10, 2, "Vera Kozlova")
    page = new_page(viewport=DESKTOP, user=owner)
    day = timezone.localdate() + timedelta(days=1)
    page.route("**/calendar/bookings/*/move/", lambda route: route.fulfill(status=502, body="Bad gateway"))
    page.goto(f"/calendar/?view=day&date={day.isoformat()}&space=white")
    drawn = page.locator(f'.cal-booking[data-booking="{booking.pk}"]')
    drawn.drag_to(page.locator(f'a.cal-cell.free[data-start="{studio_time(1, 15).isoformat()}"]'))
    script = DjangoTranslation(ui_language, domain="djangojs")
    expect(page.locator(".toast.error")).to_contain_text(script.gettext("The booking could not be moved."))


def test_screenshots_of_every_view(new_page, owner, studio, ui_language):
    day = timezone.localdate() + timedelta(days=1)
    studio["loft"].cleanup_minutes = 30
    studio["loft"].save()
    confirmed = book(studio["white"], 1, 10, 3, "Anna Petrova")
    booking_transition(booking=confirmed, to=BookingState.CONFIRMED, by=owner)
    book(studio["loft"], 1, 12, 2, "Lev Sokolov")
    cancelled = book(studio["cyclorama"], 1, 9, 2, "Ivan Sidorov")
    booking_transition(booking=cancelled, to=BookingState.CANCELLED, by=owner, reason="Client ill")
    book(studio["cyclorama"], 1, 15, 4, "Maria Orlova")
    book(studio["white"], 2, 16, 2, "Pavel Smirnov")
    book(studio["loft"], 3, 9, 8, "Olga Kuznetsova")
    CalendarBlockFactory(space=studio["loft"], start=studio_time(2, 10), end=studio_time(2, 14), note="Floor repaint")
    for viewport, size in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page = new_page(viewport=viewport, user=owner)
        for view in ("day", "week", "month"):
            page.goto(f"/calendar/?view={view}&date={day.isoformat()}")
            expect(page.locator("#calendar")).to_be_visible()
            screenshot(page, f"calendar-{view}-{size}-{ui_language}")
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
            assert overflowing(page) == []
        page.goto(f"/calendar/?view=week&date={day.isoformat()}&space=loft")
        screenshot(page, f"calendar-week-loft-{size}-{ui_language}")
        assert overflowing(page) == []
        page.goto(f"/calendar/?view=week&date={day.isoformat()}")
        page.locator(f'.cal-booking[data-booking="{confirmed.pk}"]').click()
        expect(page.locator("#cal-dialog")).to_contain_text(strip_tags(payment_badge(PaymentStatus.PENDING)))
        screenshot(page, f"calendar-summary-{size}-{ui_language}")


def overflowing(page) -> list[str]:
    """The toolbar's and the legend's pieces, and the month's day cells, whose words spill out of their box."""
    return page.evaluate("""() => [...document.querySelectorAll(
        '.cal-toolbar .btn, .cal-views a, .cal-title, .cal-legend > *, .cal-day > *, .cal-weekday')]
        .filter((el) => el.offsetParent !== null && el.scrollWidth > el.clientWidth + 1)
        .map((el) => el.className + ': ' + el.textContent.trim())""")
