"""An owner signs in with password and authenticator code on a phone; the employee pages render at both sizes,
in each language (the ``ui_language`` fixture: the browser's and the account's)."""

import pytest
from django.utils.translation import gettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from bookings.access import assign_spaces
from employees.mfa import new_backup_codes
from employees.models import Role, StaffSession
from tests.factories import EmployeeFactory
from tests.signing_in import totp_code

from .conftest import DESKTOP, PHONE, screenshot


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def overflowing(page) -> list[str]:
    """Buttons, badges, tabs, navigation links and column headers whose words do not fit in them (cut off or
    spilling out), and tab bars that must scroll to show all their tabs."""
    return page.evaluate("""() => [...document.querySelectorAll(
            '.btn, .badge, .tabs, .tabs a, .nav a, .nav-section, th, .language-option')]
        .filter((el) => el.checkVisibility() && el.scrollWidth > el.clientWidth + 1)
        .map((el) => el.textContent.trim())""")


def test_owner_signs_in_with_password_and_code_on_a_phone(new_page, owner, live_server, ui_language):
    device = TOTPDevice.objects.create(user=owner, name="Phone", confirmed=True)
    page = new_page(viewport=PHONE)
    page.goto("/login/")
    assert page.locator("html").get_attribute("lang") == ui_language  # the browser's language, before sign-in
    screenshot(page, f"sign-in-phone-{ui_language}")
    page.get_by_label(gettext("Username or email")).fill("owner@studio.test")
    page.get_by_label(gettext("Password"), exact=True).fill("correct-horse-battery")
    page.get_by_role("button", name=gettext("Continue")).click()
    page.wait_for_url("**/login/code/")
    assert page.locator(".auth-body strong").inner_text() == "Olga Owner"
    screenshot(page, f"sign-in-code-phone-{ui_language}")
    page.get_by_label(gettext("Code"), exact=True).fill(totp_code(device))
    page.get_by_role("button", name=gettext("Verify and sign in")).click()
    page.wait_for_url("**/dashboard/")
    assert page.url == f"{live_server.url}/dashboard/"
    assert no_sideways_scroll(page)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_employee_and_account_pages_at_both_sizes(new_page, studio, size, ui_language):
    owner = EmployeeFactory(username="olga", full_name="Olga Owner", role=Role.OWNER, department="Management")
    manager = EmployeeFactory(username="maria", full_name="Maria Manager", role=Role.MANAGER, phone="+7 916 123 45 67")
    assign_spaces(manager, [studio["white"], studio["loft"]])
    EmployeeFactory(username="anton", full_name="Anton Admin", role=Role.ADMIN)
    new_backup_codes(owner)
    viewport = DESKTOP if size == "desktop" else PHONE
    page = new_page(viewport=viewport, user=owner)
    StaffSession.objects.create(
        employee=owner, session_key="elsewhere-session-key", ip="192.0.2.10",
        user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Version/17.4 Mobile Safari/604.1",
    )
    shots = [
        ("dashboard", "/dashboard/"),
        ("account", "/account/"),
        ("account-sessions", "/account/sessions/"),
        ("employees", "/employees/"),
        ("employee-detail", f"/employees/{manager.pk}/"),
        ("employee-new", "/employees/new/"),
    ]
    for name, path in shots:
        response = page.goto(path)
        assert response.status == 200, path
        assert page.locator("html").get_attribute("lang") == ui_language
        screenshot(page, f"{name}-{size}-{ui_language}")
        assert no_sideways_scroll(page), path
        assert overflowing(page) == [], path
        if size == "phone":
            page.locator(".menu-toggle").click()  # the navigation as a phone shows it, open
            assert overflowing(page) == [], path
    screenshot(page, f"navigation-{size}-{ui_language}")

    # Replacing the authenticator shows the QR code for the new phone.
    page.goto("/account/mfa/")
    page.locator("#id_replace-password").fill("correct-horse-battery")
    page.get_by_role("button", name=gettext("Replace authenticator")).click()
    page.wait_for_selector(".qr svg")
    screenshot(page, f"account-mfa-{size}-{ui_language}")
    assert no_sideways_scroll(page)
    assert overflowing(page) == []

    page.goto("/login/?next=/")  # signed in: goes on
    fresh = new_page(viewport=viewport)
    fresh.goto("/login/")
    screenshot(fresh, f"sign-in-{size}-{ui_language}")
    assert overflowing(fresh) == []
    fresh.get_by_label(gettext("Username or email")).fill("olga")
    fresh.get_by_label(gettext("Password"), exact=True).fill("correct-horse-battery")
    fresh.get_by_role("button", name=gettext("Continue")).click()
    fresh.wait_for_url("**/login/code/")
    screenshot(fresh, f"sign-in-code-{size}-{ui_language}")
    assert fresh.get_by_role("button", name=gettext("Verify and sign in")).is_visible()


def test_an_employee_chooses_the_other_language_on_the_account_page(new_page, owner, ui_language):
    other = "en" if ui_language == "ru" else "ru"
    page = new_page(user=owner)
    page.goto("/account/")
    page.locator(f"#language input[value='{other}']").check()
    page.get_by_role("button", name=gettext("Save language")).click()
    page.wait_for_url("**/account/")
    assert page.locator("html").get_attribute("lang") == other
    page.goto("/dashboard/")
    assert page.locator("html").get_attribute("lang") == other
    # The sidebar's first link is the dashboard, now named in the other language.
    assert page.locator(".sidebar .nav a").first.inner_text().strip() == {"en": "Dashboard", "ru": "Сводка"}[other]
