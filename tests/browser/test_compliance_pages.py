"""The compliance pages in a real browser, on a desk and on a phone: an owner answers a guest's erasure request,
and reads the overview, the register, the audit trail and the record of processing."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import BookingState
from bookings.services import Consent, booking_create
from compliance.models import DataRequest, RequestKind, RequestSource, SecurityEvent, SecurityKind
from compliance.services import retention_run

from .conftest import DESKTOP, PHONE, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def a_studio_with_requests(space, owner, manager):
    start = timezone.localtime().replace(hour=11, minute=0, second=0, microsecond=0) + timedelta(days=3)
    bookings = [booking_create(by=None, space=space, start=start + timedelta(days=day), end=start + timedelta(days=day, hours=2),
                               client_name=name, client_phone=phone, client_email=email,
                               consent=Consent("2026-01", timezone.now(), "203.0.113.7"))
                for day, (name, phone, email) in enumerate([("Irina Petrova", "+7 916 555-01-37", "irina@example.com"),
                                                            ("Pavel Smirnov", "+7 903 777-22-11", "")])]
    DataRequest.objects.create(kind=RequestKind.ERASE, source=RequestSource.GUEST, booking=bookings[0],
                               phone_index=bookings[0].client_phone_index, notify=True)
    old = DataRequest.objects.create(kind=RequestKind.EXPORT, phone_index=bookings[1].client_phone_index,
                                     received_at=timezone.now() - timedelta(days=30))
    DataRequest.objects.filter(pk=old.pk).update(deadline=timezone.localdate() - timedelta(days=10))
    SecurityEvent.objects.create(kind=SecurityKind.SIGN_IN_FAILED, ip="198.51.100.20")
    SecurityEvent.objects.create(kind=SecurityKind.DENIED, employee=manager, path="/employees/",
                                 what="role manager not in ['owner', 'admin']")
    retention_run(days=2555, dry_run=True, by=owner)
    return bookings


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_an_owner_reads_every_compliance_page_and_erases_a_guest(new_page, owner, manager, space, viewport):
    name = "desktop" if viewport == DESKTOP else "phone"
    irina, _pavel = a_studio_with_requests(space, owner, manager)
    page = new_page(viewport=viewport, user=owner)

    page.goto("/compliance/")
    expect(page.get_by_role("heading", name="Compliance", exact=True)).to_be_visible()
    expect(page.get_by_text("overdue since")).to_be_visible()
    screenshot(page, f"compliance-{name}")

    page.goto("/compliance/requests/")
    expect(page.get_by_text("2 requests")).to_be_visible()
    screenshot(page, f"compliance-register-{name}")

    page.goto("/compliance/audit/")
    expect(page.get_by_role("cell", name="Failed sign-in").first).to_be_visible()
    screenshot(page, f"compliance-audit-{name}")

    page.goto("/compliance/processing/")
    expect(page.get_by_text("client_phone").first).to_be_visible()
    screenshot(page, f"compliance-processing-{name}")

    page.goto("/compliance/consent/")
    screenshot(page, f"compliance-consent-{name}")

    page.goto("/compliance/requests/")
    page.get_by_role("link", name=re.compile(r"^Erasure #\d+$")).click()
    expect(page.get_by_text("One booking is still to come")).to_be_visible()
    screenshot(page, f"compliance-request-{name}")
    page.get_by_label("Reason to cancel their bookings still to come").fill("The guest asked to be forgotten")
    page.get_by_label("I checked that these records are this person’s and erase them").check()
    page.get_by_role("button", name="Erase this person's data").click()
    expect(page.get_by_text("Erased: 1 booking is anonymised")).to_be_visible()
    irina.refresh_from_db()
    assert (irina.state, irina.client_name) == (BookingState.CANCELLED, "Anonymised guest")
