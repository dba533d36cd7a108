"""Accessibility in a real browser: axe-core on every staff and public page at desk and phone widths, the
board by keyboard alone, the contrast of the focus ring and of muted text, and feedback while a request runs."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext, pgettext
from playwright.sync_api import expect

from bookings.hours import SpecialDay
from bookings.models import Booking, BookingState, SpaceRate
from compliance.models import DataRequest, RequestKind, RequestSource
from tests.factories import BookingFactory, ClientFactory, EquipmentFactory, PromoCodeFactory, studio_time

from .conftest import DESKTOP, PHONE, axe_check, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = {"desktop": DESKTOP, "phone": PHONE}


def a_working_studio(studio, owner, manager):
    """One of everything a staff page shows: bookings in several states, a client, a data request, a rate, a
    piece of equipment, a promo code and a special day."""
    client = ClientFactory(name="Irina Petrova", phone="+79165550137", notes="Prefers the morning light.")
    booking = BookingFactory(space=studio["white"], client=client, start=studio_time(1, 10), end=studio_time(1, 12),
                             state=BookingState.CONFIRMED, notes="Two models, a stylist.")
    BookingFactory(space=studio["loft"], start=studio_time(1, 14), end=studio_time(1, 17))
    BookingFactory(space=studio["cyclorama"], start=studio_time(-2, 11), end=studio_time(-2, 13),
                   state=BookingState.COMPLETED)
    DataRequest.objects.create(kind=RequestKind.EXPORT, source=RequestSource.GUEST, booking=booking,
                               phone_index=booking.client_phone_index)
    rate = SpaceRate.objects.create(space=studio["white"], label="Evening", start_hour=18, end_hour=21,
                                    hourly_rate=Decimal("3000"))
    equipment = EquipmentFactory(name="Softbox 120 cm", price=Decimal("500.00"), stock=4)
    promo = PromoCodeFactory(code="SPRING")
    day = SpecialDay.objects.create(date=timezone.localdate() + timedelta(days=40), is_closed=True)
    return {"booking": booking, "client": client, "rate": rate, "equipment": equipment, "promo": promo, "day": day,
            "manager": manager}


def staff_pages(things, studio, owner):
    booking, space = things["booking"], studio["white"]
    day = booking.start.date().isoformat()
    return [
        "/dashboard/",
        "/bookings/",
        f"/bookings/{booking.pk}/",
        f"/bookings/{booking.pk}/edit/",
        f"/bookings/new/?space=white&start={studio_time(2, 10).isoformat()}",
        "/bookings/exports/",
        f"/calendar/?view=day&date={day}",
        f"/calendar/?view=week&date={day}",
        f"/calendar/?view=month&date={day}",
        "/kanban/",
        "/clients/",
        f"/clients/{things['client'].pk}/",
        "/employees/",
        "/employees/new/",
        f"/employees/{owner.pk}/",
        f"/employees/{things['manager'].pk}/",
        "/account/",
        "/account/mfa/",
        "/account/sessions/",
        "/notifications/",
        "/compliance/",
        "/compliance/requests/",
        f"/compliance/requests/{DataRequest.objects.get().pk}/",
        "/compliance/consent/",
        "/compliance/audit/",
        "/compliance/processing/",
        "/setup/",
        "/setup/halls/",
        "/setup/halls/new/",
        f"/setup/halls/{space.pk}/",
        f"/setup/halls/{space.pk}/rates/{things['rate'].pk}/",
        "/setup/equipment/",
        "/setup/equipment/new/",
        f"/setup/equipment/{things['equipment'].pk}/",
        "/setup/promo-codes/",
        "/setup/promo-codes/new/",
        f"/setup/promo-codes/{things['promo'].pk}/",
        "/setup/hours/",
        f"/setup/hours/special-days/{things['day'].pk}/",
    ]


def public_pages():
    return ["/book/", f"/book/?space=white&date={studio_time(2).date().isoformat()}", "/book/lookup/",
            "/book/privacy/", "/api/v1/docs", "/login/"]


@pytest.mark.parametrize("width", WIDTHS)
def test_no_staff_page_has_a_serious_accessibility_violation(new_page, owner, manager, studio, studio_hours, width):
    studio_hours(9, 21)
    things = a_working_studio(studio, owner, manager)
    page = new_page(viewport=WIDTHS[width], user=owner)
    violations = []
    for url in staff_pages(things, studio, owner):
        response = page.goto(url)
        assert response.status == 200, url
        violations += axe_check(page)
    assert violations == [], "\n".join(violations)


@pytest.mark.parametrize("width", WIDTHS)
def test_no_public_page_has_a_serious_accessibility_violation(new_page, studio, studio_hours, width):
    studio_hours(9, 21)
    page = new_page(viewport=WIDTHS[width])
    violations = []
    for url in public_pages():
        response = page.goto(url)
        assert response.status == 200, url
        violations += axe_check(page)
    assert violations == [], "\n".join(violations)


# --- Contrast, from the stylesheet's own colours ---------------------------------------------------------------

def luminance(colour: str) -> float:
    red, green, blue = (int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4))
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (red, green, blue)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    lighter, darker = sorted((luminance(one), luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_contrast_ratios():
    """WCAG's formula, checked on known pairs."""
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48


def test_the_focus_ring_and_muted_text_contrast_with_every_surface(new_page, owner):
    page = new_page(user=owner)
    page.goto("/bookings/")
    colours = page.evaluate("""() => {
        const style = getComputedStyle(document.documentElement);
        const names = ["--focus-ring", "--text", "--text-muted", "--text-faint", "--bg", "--surface",
                       "--surface-muted", "--surface-sunken", "--accent", "--success", "--warning", "--danger"];
        const states = ["draft", "pending", "confirmed", "in_progress", "completed", "cancelled", "no_show"];
        return Object.fromEntries([...names, ...states.map((s) => "--state-" + s)]
            .map((name) => [name, style.getPropertyValue(name).trim()]));
    }""")
    sidebar = page.evaluate("getComputedStyle(document.querySelector('.sidebar')).backgroundColor")
    sidebar = "#" + "".join(f"{int(part):02x}" for part in re.findall(r"\d+", sidebar)[:3])
    surfaces = [colours["--surface"], colours["--bg"], colours["--surface-muted"], colours["--surface-sunken"]]

    ring = colours["--focus-ring"]
    for surface in [*surfaces, sidebar]:
        assert contrast(ring, surface) >= 3, (ring, surface)
    texts = ["--text", "--text-muted", "--text-faint", "--accent", "--success", "--warning", "--danger",
             *(name for name in colours if name.startswith("--state-"))]
    for name in texts:
        for surface in surfaces:
            assert contrast(colours[name], surface) >= 4.5, (name, colours[name], surface)

    # The rule that draws it: an outline in that colour, three pixels wide, on whatever gets the focus.
    page.keyboard.press("Tab")
    focused = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return [s.outlineStyle, s.outlineWidth, s.outlineColor]; }""")
    red, green, blue = (int(ring.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
    assert focused == ["solid", "3px", f"rgb({red}, {green}, {blue})"]


# --- Feedback while waiting ----------------------------------------------------------------------------------

def test_a_slow_answer_shows_the_bar_and_the_old_slots_cannot_be_taken(new_page, studio, studio_hours):
    studio_hours(9, 21)
    page = new_page(viewport=PHONE)
    page.goto(f"/book/?space=white&date={studio_time(2).date().isoformat()}")
    held = []
    page.route(re.compile(r"/book/\?.*nav=1"), lambda route: held.append(route))
    progress, steps = page.locator(".page-progress"), page.locator("#steps")
    expect(progress).to_have_css("opacity", "0")

    page.get_by_role("link", name=gettext("Next day")).click()

    expect(progress).to_have_css("opacity", "1")
    expect(steps).to_have_attribute("aria-busy", "true")
    expect(steps).to_have_css("pointer-events", "none")
    assert page.evaluate("document.getElementById('steps').inert") is True
    screenshot(page, f"loading-book-phone-{page.evaluate('document.documentElement.lang')}")
    held[0].continue_()
    expect(steps).not_to_have_attribute("aria-busy", "true")
    expect(progress).to_have_css("opacity", "0")
    assert page.evaluate("document.getElementById('steps').inert") is False
    assert studio_time(3).date().isoformat() in page.url


# --- The board by keyboard ------------------------------------------------------------------------------------


def focused(page) -> str:
    """What has the keyboard: the element's id, or its card's id and class."""
    return page.evaluate("""() => { const el = document.activeElement, card = el.closest('.kanban-card');
        return el.id || (card ? card.id + ' ' + el.className : el.tagName); }""")


def test_the_board_by_keyboard_alone(open_board, owner, studio):
    first = BookingFactory(space=studio["white"], start=studio_time(1, 10), client_name="Irina Petrova")
    BookingFactory(space=studio["loft"], start=studio_time(2, 12), client_name="Pavel Smirnov")
    page = open_board(owner)

    # The first stop of the page is the way past the menus and filters, straight to the columns.
    page.keyboard.press("Tab")
    skip = page.locator("[data-skip-board]")
    expect(skip).to_be_focused()
    expect(skip).to_have_text(gettext("Skip to the board’s columns"))
    expect(skip).to_be_in_viewport()
    page.screenshot(path=str(settings.BASE_DIR / "screenshots" / f"board-skip-link-desktop-{page.evaluate('document.documentElement.lang')}.png"))
    page.keyboard.press("Enter")
    assert focused(page) == "board"
    page.keyboard.press("Tab")
    assert focused(page) == f"card-{first.pk} kc-client"

    # Move it with its menu: open, choose, move; the keyboard stays on the card in its new column.
    page.keyboard.press("Tab")
    expect(page.locator(f"#card-{first.pk} summary")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.locator(f"#move-to-{first.pk}")).to_be_focused()
    page.locator(f"#move-to-{first.pk}").select_option(BookingState.CONFIRMED)
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.locator(f"#card-{first.pk}").get_by_role("button", name=pgettext("move a card", "Move"))).to_be_focused()
    page.keyboard.press("Enter")
    page.locator(f'.kanban-cards[data-state="confirmed"] #card-{first.pk}').wait_for()
    expect(page.locator(f"#card-{first.pk} .kc-client")).to_be_focused()
    assert Booking.objects.get(pk=first.pk).state == BookingState.CONFIRMED

    # Someone else changes the card: the board shows it anew, and the keyboard is still on it.
    page.evaluate(f"document.getElementById('card-{first.pk}').dataset.shownBefore = '1'")
    token = page.evaluate("JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken']")
    paid = page.request.post(f"/bookings/{first.pk}/payment/", form={"payment_status": "paid"},
                             headers={"X-CSRFToken": token}, max_redirects=0)
    assert paid.status == 302
    page.locator(f"#card-{first.pk} .pay-paid").wait_for()
    assert page.locator(f"#card-{first.pk}").get_attribute("data-shown-before") is None  # a new element
    expect(page.locator(f"#card-{first.pk} .kc-client")).to_be_focused()

    # The ring is drawn where the keyboard is.
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    screenshot(page, f"board-keyboard-desktop-{page.evaluate('document.documentElement.lang')}")


# --- A finger's worth -----------------------------------------------------------------------------------------

CONTROLS = ("button, .btn, select, summary, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), "
            ".nav a, .kc-client, .cal-day")


def small_controls(page) -> list[str]:
    """The visible controls on ``page`` less than 44 px high (or, for a calendar's day, wide enough)."""
    return page.evaluate("""(selector) => [...document.querySelectorAll(selector)]
        .filter((el) => el.offsetParent !== null && !el.closest('.sr-only, .skip-links'))
        .map((el) => [el, el.getBoundingClientRect()])
        .filter(([el, box]) => box.height < 44 || (el.matches('.cal-day') && box.width < 44))
        .map(([el, box]) => `${location.pathname}: ${el.tagName.toLowerCase()}.${el.className} "${
            (el.innerText || el.value || '').trim().slice(0, 30)}" ${Math.round(box.width)}×${Math.round(box.height)}`)""",
                         CONTROLS)


def test_every_control_on_a_phone_is_a_finger_high(new_page, owner, manager, studio, studio_hours):
    studio_hours(9, 21)
    things = a_working_studio(studio, owner, manager)
    day = things["booking"].start.date().isoformat()
    page = new_page(viewport=PHONE, user=owner)
    small = []
    for url in ["/kanban/", f"/calendar/?view=month&date={day}", f"/calendar/?view=day&date={day}", "/bookings/",
                f"/bookings/{things['booking'].pk}/", "/dashboard/"]:
        page.goto(url)
        small += small_controls(page)
        if url == "/kanban/":
            page.locator(".kc-move summary").first.click()
            small += small_controls(page)
            screenshot(page, f"board-phone-{page.evaluate('document.documentElement.lang')}")
    page.goto(f"/calendar/?view=month&date={day}")
    screenshot(page, f"calendar-month-phone-{page.evaluate('document.documentElement.lang')}")
    assert small == [], "\n".join(small)
