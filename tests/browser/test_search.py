"""The header's search in a real browser: "/" from the dashboard, the last four digits, Enter opens the card."""

import re

import pytest
from django.utils.translation import gettext
from playwright.sync_api import expect

from tests.factories import BookingFactory, ClientFactory, studio_time

from .conftest import PHONE, axe_check, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def regulars(studio):
    anna = ClientFactory(name="Анна Петрова", phone="+79161234567")
    irina = ClientFactory(name="Irina Smirnova", phone="+79269991111")
    BookingFactory(space=studio["white"], client=anna, start=studio_time(1, 10), reference="REF-20270301-KX7M")
    BookingFactory(space=studio["loft"], client=irina, start=studio_time(2, 12), reference="REF-20270302-AB2C")
    return {"anna": anna, "irina": irina}


def test_slash_then_the_last_four_digits_then_enter_opens_the_clients_card(new_page, owner, regulars, ui_language):
    page = new_page(user=owner)
    page.goto("/dashboard/")
    page.keyboard.press("/")
    box = page.get_by_role("combobox", name=gettext("Search clients and bookings"))
    expect(box).to_be_focused()
    page.keyboard.type("4567")
    option = page.get_by_role("option", name=re.compile("^Анна Петрова"))
    expect(option).to_be_visible()
    expect(option).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("option", name=re.compile("^Irina Smirnova"))).to_have_count(0)
    expect(box).to_have_attribute("aria-expanded", "true")
    screenshot(page, f"search-dropdown-desktop-{ui_language}")
    assert axe_check(page) == []
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/clients/{regulars['anna'].pk}/$"))
    expect(page.get_by_role("heading", name="Анна Петрова")).to_be_visible()


def test_ctrl_k_and_the_arrows_choose_a_booking_and_a_click_opens_a_client(new_page, admin, regulars):
    page = new_page(user=admin)
    page.goto("/bookings/")
    page.keyboard.press("Control+k")
    box = page.get_by_role("combobox", name=gettext("Search clients and bookings"))
    expect(box).to_be_focused()
    box.type("петрова")
    expect(page.get_by_role("option", name=re.compile("REF-20270301-KX7M"))).to_be_visible()
    page.keyboard.press("ArrowDown")  # from the client to their booking
    expect(page.get_by_role("option", name=re.compile("REF-20270301-KX7M"))).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Escape")
    expect(page.locator("#header-search-panel")).to_be_hidden()
    box.fill("")
    box.type("1111")
    page.get_by_role("option", name=re.compile("^Irina Smirnova")).click()
    expect(page).to_have_url(re.compile(rf"/clients/{regulars['irina'].pk}/$"))


def test_on_a_phone_the_icon_opens_the_box(new_page, manager, regulars, ui_language):
    page = new_page(viewport=PHONE, user=manager)
    page.goto("/dashboard/")
    box = page.get_by_role("combobox", name=gettext("Search clients and bookings"))
    expect(box).to_be_hidden()
    page.get_by_role("link", name=gettext("Search clients and bookings")).click()
    expect(box).to_be_focused()
    box.type("4567")
    expect(page.get_by_role("option", name=re.compile("^Анна Петрова"))).to_be_visible()
    # The manager works in the White Hall only: the Loft's client is not theirs to find.
    box.fill("")
    box.type("1111")
    expect(page.locator(".header-search-empty")).to_be_visible()
    screenshot(page, f"search-nothing-phone-{ui_language}")
    box.fill("")
    box.type("4567")
    expect(page.get_by_role("option", name=re.compile("^Анна Петрова"))).to_be_visible()
    screenshot(page, f"search-dropdown-phone-{ui_language}")
    assert axe_check(page) == []
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/clients/{regulars['anna'].pk}/$"))


def test_the_search_page_shows_both_lists(new_page, owner, regulars, ui_language):
    page = new_page(user=owner)
    page.goto("/search/?q=REF-2027")
    expect(page.get_by_role("heading", name=gettext("Bookings"))).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("REF-20270302-AB2C"))).to_be_visible()
    screenshot(page, f"search-page-desktop-{ui_language}")
    assert axe_check(page) == []
