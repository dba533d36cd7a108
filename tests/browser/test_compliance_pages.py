"""The compliance pages in a real browser, on a desk and on a phone: an owner answers a guest's erasure request,
and reads the overview, the register, the audit trail and the record of processing."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.translation import get_language, gettext, ngettext
from playwright.sync_api import expect

from bookings.models import BookingState
from bookings.services import Consent, booking_create
from compliance.models import DataRequest, RequestKind, RequestSource, SecurityEvent, SecurityKind
from compliance.services import retention_run
from studio_crm.formatting import when

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
    return bookings, old


def without_markup(text: str) -> str:
    return re.sub(r"<[^>]+>", "", text)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_an_owner_reads_every_compliance_page_and_erases_a_guest(new_page, owner, manager, space, viewport):
    name = f"{'desktop' if viewport == DESKTOP else 'phone'}-{get_language()}"
    (irina, _pavel), overdue = a_studio_with_requests(space, owner, manager)
    page = new_page(viewport=viewport, user=owner)

    page.goto("/compliance/")
    expect(page.get_by_role("heading", name=gettext("Compliance"), exact=True)).to_be_visible()
    overdue.refresh_from_db()
    expect(page.get_by_text(gettext("overdue since %(day)s") % {"day": when(overdue.deadline, "short")})).to_be_visible()
    screenshot(page, f"compliance-{name}")

    page.goto("/compliance/requests/")
    requests = ngettext("<strong>%(counter)s</strong> request", "<strong>%(counter)s</strong> requests", 2)
    expect(page.get_by_text(without_markup(requests % {"counter": 2}))).to_be_visible()
    screenshot(page, f"compliance-register-{name}")

    page.goto("/compliance/audit/")
    expect(page.get_by_role("cell", name=str(SecurityKind.SIGN_IN_FAILED.label)).first).to_be_visible()
    screenshot(page, f"compliance-audit-{name}")

    page.goto("/compliance/processing/")
    expect(page.get_by_text("client_phone").first).to_be_visible()
    screenshot(page, f"compliance-processing-{name}")

    page.goto("/compliance/consent/")
    screenshot(page, f"compliance-consent-{name}")

    page.goto("/compliance/requests/")
    page.get_by_role("link", name=re.compile(rf"^{re.escape(str(RequestKind.ERASE.label))} #\d+$")).click()
    still_to_come = ngettext(
        "One booking is still to come: give a reason to cancel it with the erasure, or cancel it first.",
        "%(counter)s bookings are still to come: give a reason to cancel them with the erasure, or cancel them first.",
        1) % {"counter": 1}
    expect(page.get_by_text(still_to_come)).to_be_visible()
    screenshot(page, f"compliance-request-{name}")
    page.get_by_label(gettext("Reason to cancel their bookings still to come")).fill("The guest asked to be forgotten")
    page.get_by_label(gettext("I checked that these records are this person’s and erase them")).check()
    page.get_by_role("button", name=gettext("Erase this person's data")).click()
    erased = ngettext("Erased: %(count)s booking is anonymised and the client card removed.",
                      "Erased: %(count)s bookings are anonymised and the client card removed.", 1) % {"count": 1}
    expect(page.get_by_text(erased)).to_be_visible()
    irina.refresh_from_db()
    assert (irina.state, irina.client_name) == (BookingState.CANCELLED, gettext("Anonymised guest"))
