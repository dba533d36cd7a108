"""Under the Content-Security-Policy (no inline handlers, no eval) the buttons that used inline code still work,
and a staff page that htmx swapped in is not kept in the tab's storage (conftest fails any policy refusal)."""

import re

import pytest
from django.utils.translation import gettext
from playwright.sync_api import expect

from tests.factories import BookingFactory, ClientFactory, studio_time

from .conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"


def test_the_error_pages_go_back_button(new_page, owner, ui_language):
    page = new_page(user=owner)
    page.goto("/bookings/")
    page.goto("/bookings/999999/")
    expect(page.get_by_role("heading", level=1)).to_have_text(gettext("Page not found"))
    screenshot(page, f"error-404-staff-desktop-{ui_language}")
    page.get_by_role("button", name=gettext("Go back")).click()
    expect(page).to_have_url(re.compile(r"/bookings/$"))


def test_the_backup_codes_print_button(new_page, owner):
    page = new_page(user=owner)
    page.goto("/account/mfa/")
    page.locator("input[name='backup-password']").fill(PASSWORD)
    page.get_by_role("button", name=gettext("Make new codes")).click()
    page.locator(".backup-codes li").first.wait_for()
    page.evaluate("() => { window.print = () => { window.printed = true; }; }")
    page.get_by_role("button", name=gettext("Print")).click()
    assert page.evaluate("() => window.printed") is True


def test_a_swapped_in_staff_page_is_not_kept_in_the_tab(new_page, owner, space):
    for hour, name in ((10, "Irina Petrova"), (14, "Alexei Smirnov")):
        BookingFactory(space=space, client=ClientFactory(name=name), start=studio_time(1, hour))
    page = new_page(user=owner)
    page.goto("/bookings/?all=1")
    page.fill("#id_q", "Irina")
    expect(page).to_have_url(re.compile(r"q=Irina"))
    expect(page.locator("#results tbody tr")).to_have_count(1)
    assert page.evaluate("() => sessionStorage.getItem('htmx-history-cache')") is None
    # Back asks the server again for the list as it was.
    page.go_back()
    expect(page).to_have_url(re.compile(r"/bookings/\?all=1$"))
    expect(page.locator("#results tbody tr")).to_have_count(2)
