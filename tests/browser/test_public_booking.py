"""A guest books from a phone, and the pages of the public area look right at both sizes, in both languages
(the expected texts are the catalogue's, in the test's language)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext, ngettext

from bookings.models import Booking, BookingState, Equipment
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


class Clicks:
    """Counts what a guest presses (clicks, ticks, choices from a list); typing is not counted."""

    def __init__(self, page):
        self.page, self.pressed = page, []

    def click(self, locator, what: str) -> None:
        self.pressed.append(what)
        locator.click()

    def select(self, selector: str, value: str, what: str) -> None:
        self.pressed.append(what)
        self.page.select_option(selector, value)


@pytest.mark.parametrize("viewport, size", [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_booking_14_to_16_with_a_softbox_when_14_is_taken(new_page, hall, studio, viewport, size, ui_language):
    """14:00 is taken while the guest fills in the form, and every softbox is out 16:00–18:00 in another hall:
    the page offers times with two free hours and a softbox, and the first one books in two more presses.
    (When the offers were the nearest free single hours, the same booking took eight presses: 13:00 had one
    free hour, 15:00–17:00 no softbox and a second refusal, then a third try from the start list.)"""
    softbox = Equipment.objects.get(name="Profoto softbox")
    day = studio_time(2, 14)
    loan = BookingFactory(space=studio["loft"], start=day + timedelta(hours=2), end=day + timedelta(hours=4))
    loan.equipment_lines.create(equipment=softbox, quantity=softbox.stock, price=Decimal("3000"))
    page = new_page(viewport=viewport)
    clicks = Clicks(page)
    page.goto(f"/book/?space=white&date={day:%Y-%m-%d}")
    wait_for_htmx(page, "fieldset.slot-grid")
    clicks.click(page.locator(".slot", has_text="14:00"), "start 14:00")
    page.get_by_text(free_for("14:00", 8)).wait_for()
    clicks.select("#id_hours", "2", "length 2 hours")
    quote_shows(page, money(5000))
    # The equipment list speaks of 14:00–16:00, not of the stock.
    page.locator(".equipment-item", has_text="Profoto softbox").get_by_text(units_free(3, 3)).wait_for()
    page.locator(f"#id_equipment_{softbox.pk}").fill("1")
    page.locator(f"#id_equipment_{softbox.pk}").dispatch_event("change")
    quote_shows(page, money(6000))
    page.get_by_label(gettext("Your name")).fill("Irina Petrova")
    page.get_by_label(gettext("Phone"), exact=True).fill("+7 916 123-45-67")
    clicks.click(page.locator("#id_consent"), "consent")
    BookingFactory(space=hall, start=day, end=day + timedelta(hours=1))  # meanwhile, someone takes 14:00–15:00
    clicks.click(page.get_by_role("button", name=gettext("Request booking")), "request")

    page.locator("#conflict").wait_for()
    offers = page.locator("#conflict button[name=alternative]")
    # Each offer holds two hours and a softbox: not 13:00 (one hour), nor 15:00–17:00 (no softbox after 16:00).
    assert [offer.get_attribute("value")[-5:] for offer in offers.all()] == ["12:00", "11:00", "10:00", "18:00",
                                                                             "09:00"]
    assert offers.first.inner_text().strip() == gettext("Take %(start)s–%(end)s") % {"start": "12:00", "end": "14:00"}
    assert not overflows(page), overflows(page)
    screenshot(page, f"public-suggest-1-offers-{size}-{ui_language}")
    clicks.click(offers.first, "take 12:00–14:00")
    page.get_by_text(gettext("%(start)s is selected. Check the price and send your request.") % {
        "start": "12:00"}).wait_for()
    assert page.locator('input[name="start"][value="12:00"]').is_checked()
    quote_shows(page, money(6000))
    clicks.click(page.get_by_role("button", name=gettext("Request booking")), "request")
    page.wait_for_url("**/book/done/**")

    booking = Booking.objects.get(client_name="Irina Petrova")
    assert (booking.start, booking.end) == (day - timedelta(hours=2), day)
    assert [(line.equipment, line.quantity) for line in booking.equipment_lines.all()] == [(softbox, 1)]
    assert clicks.pressed == ["start 14:00", "length 2 hours", "consent", "request", "take 12:00–14:00", "request"]

    # Another guest who looks at 15:00–17:00 sees the softbox booked out before sending anything.
    other = new_page(viewport=viewport)
    other.goto(f"/book/?space=white&date={day:%Y-%m-%d}&start=15:00&hours=2")
    item = other.locator(".equipment-item", has_text="Profoto softbox")
    assert item.get_by_text(gettext("booked out for these hours")).is_visible()
    assert other.locator(f"#id_equipment_{softbox.pk}").is_disabled()
    assert not overflows(other), overflows(other)
    screenshot(other, f"public-suggest-2-booked-out-{size}-{ui_language}")


def units_free(free: int, stock: int) -> str:
    return ngettext("%(free)s of %(stock)s free", "%(free)s of %(stock)s free", free) % {"free": free, "stock": stock}
