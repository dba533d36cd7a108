"""A guest books from a phone, and the pages of the public area look right at both sizes."""

from datetime import timedelta
from decimal import Decimal

import pytest

from bookings.models import Booking, BookingState
from tests.factories import BookingFactory, EquipmentFactory, PromoCodeFactory, studio_time

from .conftest import DESKTOP, PHONE, screenshot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_limits")]


@pytest.fixture
def hall(studio):
    studio["white"].description = "Bright daylight hall with a white cyclorama, 80 m², blackout blinds."
    studio["white"].save()
    EquipmentFactory(name="Profoto softbox", price=Decimal("500.00"), stock=3)
    EquipmentFactory(name="Smoke machine", price=Decimal("1500.00"), pricing="flat", stock=1)
    return studio["white"]


def wait_for_htmx(page, selector: str) -> None:
    """Wait until htmx has wired up freshly swapped-in ``selector`` (it does so just after the swap)."""
    page.wait_for_function(
        "selector => { const el = document.querySelector(selector);"
        " return !!(el && el['htmx-internal-data'] && el['htmx-internal-data'].initHash); }",
        arg=selector,
    )


def test_a_guest_books_from_a_phone_and_the_slot_is_gone_for_the_next(new_page, hall):
    day = studio_time(1, 10)
    page = new_page(viewport=PHONE)
    page.goto("/book/")
    page.get_by_text("White Hall").first.click()
    page.fill("#id_date", f"{day:%Y-%m-%d}")
    page.locator("#id_date").dispatch_event("change")
    page.get_by_text(f"White Hall · {day:%A} {day.day} {day:%B}").wait_for()
    wait_for_htmx(page, "fieldset.slot-grid")
    page.locator(".slot", has_text="10:00").click()
    page.get_by_text("From 10:00 the hall is free").wait_for()
    page.select_option("#id_hours", "2")
    page.wait_for_function("() => document.querySelector('#quote').textContent.includes('5,000.00')")
    page.get_by_label("Your name").fill("Irina <b>Petrova</b>")
    page.get_by_label("Phone", exact=True).fill("+7 916 123-45-67")
    page.locator("#id_consent").check()
    page.get_by_role("button", name="Request booking").click()

    page.wait_for_url("**/book/done/**")
    booking = Booking.objects.get()
    assert page.get_by_text(booking.reference).is_visible()
    assert page.get_by_text("Irina <b>Petrova</b>").is_visible()  # shown as typed, never as markup
    assert booking.state == BookingState.PENDING and booking.source == "website"

    other = new_page(viewport=PHONE)
    other.goto(f"/book/?space=white&date={day:%Y-%m-%d}")
    starts = other.locator(".slot-time").all_inner_texts()
    assert "09:00" in starts and "12:00" in starts
    assert "10:00" not in starts and "11:00" not in starts


@pytest.mark.parametrize("viewport, size", [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_public_pages_at_phone_and_desktop_size(new_page, hall, viewport, size, settings):
    """Walks every public page and saves a screenshot of each for a person to look at."""
    PromoCodeFactory(code="SPRING10", value=Decimal("10"))
    day = studio_time(3, 10)
    BookingFactory(space=hall, start=studio_time(3, 13), end=studio_time(3, 15))
    page = new_page(viewport=viewport)

    page.goto("/book/")
    screenshot(page, f"public-1-choose-{size}")
    page.goto(f"/book/?space=white&date={day:%Y-%m-%d}")
    screenshot(page, f"public-2-slots-{size}")
    page.locator(".slot", has_text="10:00").click()
    page.get_by_text("From 10:00 the hall is free").wait_for()
    page.locator("[name^=equipment_]").first.fill("2")
    page.fill("#id_promo_code", "spring10")
    page.locator("#id_promo_code").dispatch_event("change")
    page.wait_for_function("() => document.querySelector('#quote').textContent.includes('SPRING10')")
    page.get_by_label("Your name").fill("Irina Petrova")
    page.get_by_label("Phone", exact=True).fill("+7 916 123-45-67")
    screenshot(page, f"public-3-details-{size}")
    page.get_by_role("button", name="Request booking").click()
    screenshot(page, f"public-4-missing-consent-{size}")
    assert page.get_by_text("Please agree").first.is_visible()
    page.locator("#id_consent").check()
    page.get_by_role("button", name="Request booking").click()
    page.wait_for_url("**/book/done/**")
    screenshot(page, f"public-5-done-{size}")
    reference = Booking.objects.get(client_name="Irina Petrova").reference

    # Someone else takes 11:00 while a guest is still filling in the form: the conflict and alternatives.
    page.goto(f"/book/?space=white&date={day:%Y-%m-%d}")
    page.locator(".slot", has_text="11:00").click()
    page.get_by_label("Your name").fill("Second Guest")
    page.get_by_label("Phone", exact=True).fill("+7 916 765-43-21")
    page.locator("#id_consent").check()
    BookingFactory(space=hall, start=day + timedelta(hours=1), end=day + timedelta(hours=2))
    page.get_by_role("button", name="Request booking").click()
    assert page.get_by_text("that time was just taken").is_visible()
    screenshot(page, f"public-6-conflict-{size}")

    lookup = new_page(viewport=viewport)
    lookup.goto("/book/lookup/")
    screenshot(lookup, f"public-7-lookup-{size}")
    lookup.get_by_label("Booking reference").fill(reference)
    lookup.get_by_label("Phone used for the booking").fill("+7 916 000-00-00")
    lookup.get_by_role("button", name="Find booking").click()
    assert lookup.get_by_text("We could not find a booking").is_visible()
    screenshot(lookup, f"public-7-lookup-miss-{size}")
    lookup.get_by_label("Phone used for the booking").fill("8 916 123 45 67")
    lookup.get_by_role("button", name="Find booking").click()
    lookup.wait_for_url(f"**/book/lookup/{reference}/")
    screenshot(lookup, f"public-8-lookup-found-{size}")
    lookup.get_by_label("Why are you cancelling?").fill("Our model is ill.")
    lookup.once("dialog", lambda dialog: dialog.accept())
    lookup.get_by_role("button", name="Cancel booking").click()
    assert lookup.get_by_text("is cancelled").first.is_visible()
    screenshot(lookup, f"public-9-cancelled-{size}")

    lookup.goto("/book/privacy/")
    screenshot(lookup, f"public-10-privacy-{size}")
    lookup.goto("/api/v1/docs")
    screenshot(lookup, f"public-11-api-docs-{size}")

    settings.PUBLIC_RATE_LIMITS = {**settings.PUBLIC_RATE_LIMITS, "quote_ip": "0/h"}
    response = lookup.goto(f"/book/?space=white&date={day:%Y-%m-%d}")
    assert response.status == 429 and lookup.get_by_text("Too many attempts").is_visible()
    screenshot(lookup, f"public-12-too-many-{size}")
