"""An owner signs in with password and authenticator code on a phone; the employee pages render at both sizes."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from bookings.access import assign_spaces
from employees.mfa import new_backup_codes
from employees.models import Role, StaffSession
from tests.factories import EmployeeFactory
from tests.signing_in import totp_code

from .conftest import DESKTOP, PHONE, screenshot


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_owner_signs_in_with_password_and_code_on_a_phone(new_page, owner, live_server):
    device = TOTPDevice.objects.create(user=owner, name="Phone", confirmed=True)
    page = new_page(viewport=PHONE)
    page.goto("/login/")
    screenshot(page, "sign-in-phone")
    page.get_by_label("Username or email").fill("owner@studio.test")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/login/code/")
    assert page.get_by_text("Signing in as").is_visible()
    screenshot(page, "sign-in-code-phone")
    page.get_by_label("Code").fill(totp_code(device))
    page.get_by_role("button", name="Verify and sign in").click()
    page.wait_for_url("**/dashboard/")
    assert page.url == f"{live_server.url}/dashboard/"
    assert no_sideways_scroll(page)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_employee_and_account_pages_at_both_sizes(new_page, studio, size):
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
        ("account", "/account/"),
        ("account-sessions", "/account/sessions/"),
        ("employees", "/employees/"),
        ("employee-detail", f"/employees/{manager.pk}/"),
        ("employee-new", "/employees/new/"),
    ]
    for name, path in shots:
        response = page.goto(path)
        assert response.status == 200, path
        screenshot(page, f"{name}-{size}")
        assert no_sideways_scroll(page), path

    # Replacing the authenticator shows the QR code for the new phone.
    page.goto("/account/mfa/")
    page.locator("#id_replace-password").fill("correct-horse-battery")
    page.get_by_role("button", name="Replace authenticator").click()
    page.wait_for_selector(".qr svg")
    screenshot(page, f"account-mfa-{size}")
    assert no_sideways_scroll(page)

    page.goto("/login/?next=/")  # signed in: goes on
    fresh = new_page(viewport=viewport)
    fresh.goto("/login/")
    screenshot(fresh, f"sign-in-{size}")
    fresh.get_by_label("Username or email").fill("olga")
    fresh.get_by_label("Password").fill("correct-horse-battery")
    fresh.get_by_role("button", name="Continue").click()
    fresh.wait_for_url("**/login/code/")
    screenshot(fresh, f"sign-in-code-{size}")
