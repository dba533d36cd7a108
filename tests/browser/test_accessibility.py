"""Accessibility in a real browser: axe-core on every staff and public page at desk and phone widths, the
board by keyboard alone, the contrast of the focus ring and of muted text, and feedback while a request runs."""

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext, pgettext
from playwright.sync_api import expect

from bookings.hours import SpecialDay
from bookings.models import Booking, BookingState, SpaceRate
from compliance.models import DataRequest, RequestKind, RequestSource
from tests.factories import BookingFactory, ClientFactory, EquipmentFactory, PromoCodeFactory, studio_time
from tests.live import asgi_server
from tests.signing_in import signed_in_session

from .conftest import CHROMIUM, DESKTOP, PHONE, axe_check, screenshot

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


PUBLIC_PAGES = ["/book/", "/book/lookup/", "/book/privacy/", "/api/v1/docs", "/login/"]


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
    for url in PUBLIC_PAGES:
        response = page.goto(url)
        assert response.status == 200, url
        violations += axe_check(page)
    assert violations == [], "\n".join(violations)
