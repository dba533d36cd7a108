"""A guest books from a phone, and the pages of the public area look right at both sizes, in both languages
(the expected texts are the catalogue's, in the test's language)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext, ngettext

from bookings.models import Booking, BookingState
from bookings.public.guests import NOT_FOUND
from studio_crm.formatting import money, when
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


def free_for(start: str, hours: int) -> str:
    """The booking page's note on how long the hall is free from ``start``."""
    return ngettext("From %(start)s the hall is free for up to %(hours)s hour.",
                    "From %(start)s the hall is free for up to %(hours)s hours.", hours) % {"start": start, "hours": hours}


def quote_shows(page, text: str) -> None:
    page.wait_for_function("text => document.querySelector('#quote').textContent.includes(text)", arg=text)


# What a longer word pushes out of its box: the page sideways, or a button's, badge's or label's text.
OVERFLOWING = """() => {
  const found = [];
  if (document.documentElement.scrollWidth > window.innerWidth) found.push("the page is wider than the window");
  const boxes = ".btn, .badge, .slot, .language-option, .space-check, .step-no, dt, th, label, legend, h1, h2";
  for (const box of document.querySelectorAll(boxes)) {
    if (box.closest(".honeypot, .sr-only") || !box.offsetParent) continue;
    if (box.scrollWidth > box.clientWidth + 1) found.push(box.outerHTML.slice(0, 120));
  }
  for (const box of document.querySelectorAll(".badge, .btn, .reference")) {
    const card = box.closest(".card");
    if (card && box.getBoundingClientRect().right > card.getBoundingClientRect().right + 1) {
      found.push("out of its card: " + box.outerHTML.slice(0, 120));
    }
  }
  return found;
}"""


def overflows(page) -> list[str]:
    return page.evaluate(OVERFLOWING)


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
    page.get_by_text(f"White Hall · {when(day, 'day_long')}").wait_for()
    wait_for_htmx(page, "fieldset.slot-grid")
    page.locator(".slot", has_text="10:00").click()
    page.get_by_text(free_for("10:00", 12)).wait_for()
    page.select_option("#id_hours", "2")
    quote_shows(page, money(5000))
    page.get_by_label(gettext("Your name")).fill("Irina <b>Petrova</b>")
    page.get_by_label(gettext("Phone"), exact=True).fill("+7 916 123-45-67")
    page.locator("#id_consent").check()
    page.get_by_role("button", name=gettext("Request booking")).click()

    page.wait_for_url("**/book/done/**")
    booking = Booking.objects.get()
    assert page.get_by_text(booking.reference).is_visible()
    assert page.get_by_text("Irina <b>Petrova</b>").is_visible()  # shown as typed, never as markup
    assert booking.state == BookingState.PENDING and booking.source == "website"
    assert booking.language == translation.get_language()  # the guest's mail will be in the page's language

    other = new_page(viewport=PHONE)
    other.goto(f"/book/?space=white&date={day:%Y-%m-%d}")
    starts = other.locator(".slot-time").all_inner_texts()
    assert "09:00" in starts and "12:00" in starts
    assert "10:00" not in starts and "11:00" not in starts


@pytest.mark.parametrize("viewport, size", [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_public_pages_at_phone_and_desktop_size(new_page, hall, viewport, size, settings, ui_language):
    """Walks every public page and saves a screenshot of each for a person to look at."""
    PromoCodeFactory(code="SPRING10", value=Decimal("10"))
    day = studio_time(3, 10)
    BookingFactory(space=hall, start=studio_time(3, 13), end=studio_time(3, 15))
    page = new_page(viewport=viewport)
    size = f"{size}-{ui_language}"

    page.goto("/book/")
    assert not overflows(page), overflows(page)
    screenshot(page, f"public-1-choose-{size}")
    page.goto(f"/book/?space=white&date={day:%Y-%m-%d}")
    assert not overflows(page), overflows(page)
    screenshot(page, f"public-2-slots-{size}")
    page.locator(".slot", has_text="10:00").click()
    page.get_by_text(free_for("10:00", 3)).wait_for()
    page.locator("[name^=equipment_]").first.fill("2")
    page.fill("#id_promo_code", "spring10")
    page.locator("#id_promo_code").dispatch_event("change")
    quote_shows(page, "SPRING10")
    page.get_by_label(gettext("Your name")).fill("Irina Petrova")
    page.get_by_label(gettext("Phone"), exact=True).fill("+7 916 123-45-67")
    assert not overflows(page), overflows(page)
    screenshot(page, f"public-3-details-{size}")
    page.get_by_role("button", name=gettext("Request booking")).click()
    screenshot(page, f"public-4-missing-consent-{size}")
    agree = gettext("Please agree to the processing of your personal data, so that we can handle your booking.")
    assert page.get_by_text(agree).first.is_visible()
    page.locator("#id_consent").check()
    page.get_by_role("button", name=gettext("Request booking")).click()
    page.wait_for_url("**/book/done/**")
    assert not overflows(page), overflows(page)
    screenshot(page, f"public-5-done-{size}")
    reference = Booking.objects.get(client_name="Irina Petrova").reference

    # Someone else takes 11:00 while a guest is still filling in the form: the conflict and alternatives.
    page.goto(f"/book/?space=white&date={day:%Y-%m-%d}")
    page.locator(".slot", has_text="11:00").click()
    page.get_by_label(gettext("Your name")).fill("Second Guest")
    page.get_by_label(gettext("Phone"), exact=True).fill("+7 916 765-43-21")
    page.locator("#id_consent").check()
    BookingFactory(space=hall, start=day + timedelta(hours=1), end=day + timedelta(hours=2))
    page.get_by_role("button", name=gettext("Request booking")).click()
    assert page.get_by_text(gettext("Sorry, that time was just taken.")).is_visible()
    screenshot(page, f"public-6-conflict-{size}")

    lookup = new_page(viewport=viewport)
    lookup.goto("/book/lookup/")
    screenshot(lookup, f"public-7-lookup-{size}")
    lookup.get_by_label(gettext("Booking reference")).fill(reference)
    lookup.get_by_label(gettext("Phone used for the booking")).fill("+7 916 000-00-00")
    lookup.get_by_role("button", name=gettext("Find booking")).click()
    assert lookup.get_by_text(str(NOT_FOUND)).is_visible()
    screenshot(lookup, f"public-7-lookup-miss-{size}")
    lookup.get_by_label(gettext("Phone used for the booking")).fill("8 916 123 45 67")
    lookup.get_by_role("button", name=gettext("Find booking")).click()
    lookup.wait_for_url(f"**/book/lookup/{reference}/")
    assert not overflows(lookup), overflows(lookup)
    screenshot(lookup, f"public-8-lookup-found-{size}")
    lookup.get_by_label(gettext("Why are you cancelling?")).fill("Our model is ill.")
    lookup.once("dialog", lambda dialog: dialog.accept())
    lookup.get_by_role("button", name=gettext("Cancel booking"), exact=True).click()
    cancelled = gettext("Booking %(reference)s is cancelled. The time is free for others again.") % {
        "reference": reference}
    assert lookup.get_by_text(cancelled).first.is_visible()
    screenshot(lookup, f"public-9-cancelled-{size}")

    lookup.goto("/book/privacy/")
    screenshot(lookup, f"public-10-privacy-{size}")
    lookup.goto("/api/v1/docs")
    assert not overflows(lookup), overflows(lookup)
    screenshot(lookup, f"public-11-api-docs-{size}")

    settings.PUBLIC_RATE_LIMITS = {**settings.PUBLIC_RATE_LIMITS, "quote_ip": "0/h"}
    response = lookup.goto(f"/book/?space=white&date={day:%Y-%m-%d}")
    too_many = gettext("Too many attempts. Please wait a little and try again.")
    assert response.status == 429 and lookup.get_by_text(too_many).is_visible()
    screenshot(lookup, f"public-12-too-many-{size}")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_switching_the_language_keeps_the_booking_in_progress(new_page, hall, viewport, ui_language):
    """The switcher is a button like any other (reached and pressed from the keyboard); the page comes back
    in the other language with the chosen hall, day, start and length."""
    day = studio_time(2, 10)
    page = new_page(viewport=viewport)
    page.goto(f"/book/?space=white&date={day:%Y-%m-%d}")
    wait_for_htmx(page, "fieldset.slot-grid")
    page.locator(".slot", has_text="10:00").click()
    page.get_by_text(free_for("10:00", 12)).wait_for()
    page.select_option("#id_hours", "3")
    quote_shows(page, money(7500))
    assert not overflows(page), overflows(page)

    other = "en" if ui_language == "ru" else "ru"
    switch = page.locator(f'.language-switch button[value="{other}"]')
    switch.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("language => document.documentElement.lang === language", arg=other)
    assert page.locator('input[name="start"][value="10:00"]').is_checked()
    assert page.locator("#id_hours").input_value() == "3"
    with translation.override(other):
        assert money(7500) in page.locator("#quote").inner_text()
        assert page.get_by_text(f"White Hall · {when(day, 'day_long')}").is_visible()
    assert page.locator(f'.language-switch button[value="{other}"]').get_attribute("aria-current") == "true"
