from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils.translation import gettext

from bookings.models import Booking, BookingEquipment, Equipment
from tests.factories import BookingFactory, EquipmentFactory, studio_time

from .conftest import DESKTOP

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_limits")]


def test_before(new_page, studio, ui_language):
    if ui_language != "en":
        pytest.skip()
    softbox = EquipmentFactory(name="Profoto softbox", price=Decimal("500.00"), stock=3)
    day = studio_time(2, 14)
    out = BookingFactory(space=studio["loft"], start=day + timedelta(hours=2), end=day + timedelta(hours=4))
    BookingEquipment.objects.create(booking=out, equipment=softbox, quantity=3, price=Decimal("3000"))
    page = new_page(viewport=DESKTOP)
    clicks = []
    def click(loc, what):
        clicks.append(what); loc.click()
    page.goto(f"/book/?space=white&date={day:%Y-%m-%d}")
    page.wait_for_timeout(500)
    click(page.locator(".slot", has_text="14:00"), "start 14:00")
    page.wait_for_timeout(500)
    clicks.append("length 2h"); page.select_option("#id_hours", "2")
    page.wait_for_timeout(500)
    print("equipment help:", page.locator(".equipment-item .help").all_inner_texts())
    page.locator(f"#id_equipment_{softbox.pk}").fill("1")
    page.get_by_label(gettext("Your name")).fill("Irina Petrova")
    page.get_by_label(gettext("Phone"), exact=True).fill("+7 916 123-45-67")
    click(page.locator("#id_consent"), "consent")
    BookingFactory(space=studio["white"], start=day, end=day + timedelta(hours=1))
    click(page.get_by_role("button", name=gettext("Request booking")), "request")
    page.wait_for_load_state()
    print("after conflict:", page.locator("#conflict").inner_text())
    page.screenshot(path="/tmp/slots/before-1-conflict.png", full_page=True)
    # The careful guest skips 13:00 (only 1 hour) and takes 15:00.
    click(page.get_by_role("button", name="Take 15:00"), "take 15:00")
    page.wait_for_load_state()
    page.screenshot(path="/tmp/slots/before-2-took15.png", full_page=True)
    print("equipment help:", page.locator(".equipment-item .help").all_inner_texts())
    print("quote:", page.locator("#quote").inner_text())
    click(page.get_by_role("button", name=gettext("Request booking")), "request")
    page.wait_for_load_state()
    page.screenshot(path="/tmp/slots/before-3-second-conflict.png", full_page=True)
    print("second:", page.locator("#conflict").inner_text())
    page.wait_for_timeout(500)
    click(page.locator(".slot", has_text="12:00"), "start 12:00")
    page.wait_for_timeout(800)
    print("quote:", page.locator("#quote").inner_text())
    click(page.get_by_role("button", name=gettext("Request booking")), "request")
    page.wait_for_url("**/book/done/**")
    b = Booking.objects.get(client_name="Irina Petrova")
    print("booked", b.start, b.end, list(b.equipment_lines.values_list("quantity", flat=True)))
    print("CLICKS", len(clicks), clicks)
