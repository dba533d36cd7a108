"""The staff booking pages in a real browser: book, confirm, find, export; and a manager kept out."""

import random
import re
from datetime import UTC, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext, ngettext, pgettext
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from bookings.models import Booking, BookingEquipment, BookingSource, BookingState, PaymentStatus
from bookings.services import booking_create, booking_transition, booking_update
from bookings.templatetags.bookings_tags import state_badge
from studio_crm.formatting import money
from studio_crm.spreadsheets import sheet_format
from tests.factories import BookingFactory, ClientFactory, EquipmentFactory, studio_time
from tests.signing_in import totp_code

from .conftest import DESKTOP, PHONE, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

NAMES = [
    "Irina Petrova", "Alexei Smirnov", "Daria Volkova", "Mikhail Orlov", "Ekaterina Sokolova", "Nikita Lebedev",
    "Anna Kuznetsova", "Sergei Popov", "Polina Morozova", "Dmitry Novikov", "Yulia Fedorova", "Artem Pavlov",
]


def realistic_studio(studio, owner):
    """A few dozen bookings over the last month and the next week, as a working studio has them."""
    rng = random.Random(7)
    softbox = EquipmentFactory(name="Softbox 120 cm", price=Decimal("500.00"), stock=4)
    EquipmentFactory(name="Fog machine", price=Decimal("1500.00"), pricing="flat", stock=1)
    clients = [ClientFactory(name=name, phone=f"+7916{5550000 + i:07d}") for i, name in enumerate(NAMES)]
    clients[3].do_not_book = True
    clients[3].notes = "Left the set damaged twice; deposit required."
    clients[3].save()
    spaces = list(studio.values())
    past_states = [BookingState.COMPLETED] * 6 + [BookingState.CANCELLED, BookingState.NO_SHOW]
    for day in range(-28, 0):
        for space in rng.sample(spaces, rng.randint(0, 2)):
            hour, hours = rng.choice([9, 11, 14, 17]), rng.choice([2, 3, 4])
            start = studio_time(day, hour)
            state = rng.choice(past_states)
            booking = BookingFactory(
                space=space, client=rng.choice(clients), start=start, end=start + timedelta(hours=hours),
                state=state, base_price=space.hourly_rate * hours, total_price=space.hourly_rate * hours,
                payment_status=PaymentStatus.PAID if state == BookingState.COMPLETED else PaymentStatus.PENDING,
                source=rng.choice(BookingSource.values),
            )
            Booking.objects.filter(pk=booking.pk).update(created_at=start - timedelta(days=3))
    for day in range(0, 8):
        for space in rng.sample(spaces, rng.randint(1, 2)):
            hour, hours = rng.choice([10, 13, 16]), rng.choice([2, 3])
            start = studio_time(day, hour)
            if start < timezone.now():
                start = studio_time(day, 19)
            booking = BookingFactory(
                space=space, client=rng.choice(clients), start=start, end=start + timedelta(hours=hours),
                state=rng.choice([BookingState.PENDING, BookingState.CONFIRMED, BookingState.CONFIRMED]),
                base_price=space.hourly_rate * hours, total_price=space.hourly_rate * hours + 1000,
                equipment_price=Decimal(1000), source=rng.choice(BookingSource.values),
            )
            BookingEquipment.objects.create(booking=booking, equipment=softbox, quantity=1, price=Decimal(1000))
    # One booking with a history made through the services, as staff would.
    booking = booking_create(space=studio["loft"], start=studio_time(9, 12), end=studio_time(9, 15),
                             client_name="Irina Petrova", client_phone="+7 916 555-00-00",
                             client_email="irina@example.com", equipment={softbox: 2},
                             special_requirements="White paper backdrop, two stools.", by=owner)
    booking = booking_transition(booking=booking, to=BookingState.CONFIRMED, by=owner)
    booking_update(booking=booking, version=booking.version, by=owner, end=studio_time(9, 16),
                   internal_notes="Regular client; invoice the agency.")
    return booking


def test_book_confirm_find_and_export(new_page, owner, studio):
    EquipmentFactory(name="Softbox 120 cm", stock=3)
    device = TOTPDevice.objects.create(user=owner, name="Phone", confirmed=True)
    page = new_page()
    day = studio_time(3, 10).date()

    # Signed in as the owner is: password, then the authenticator's current code.
    page.goto("/login/")
    page.get_by_label(gettext("Username or email")).fill(owner.email)
    page.get_by_label(gettext("Password")).fill("correct-horse-battery")
    page.get_by_role("button", name=gettext("Continue")).click()
    page.wait_for_url("**/login/code/")
    page.get_by_label(gettext("Code")).fill(totp_code(device))
    page.get_by_role("button", name=gettext("Verify and sign in")).click()
    page.wait_for_url("**/dashboard/")

    page.goto("/bookings/new/")
    page.select_option("#id_space", "loft")
    page.fill("#id_date", day.isoformat())
    page.locator("#id_date").dispatch_event("change")
    page.get_by_role("button", name="14:00").click()  # a free-slot chip fills the start time
    page.fill("#id_hours", "3")
    page.fill("#id_client_name", "Vera Kozlova")
    page.fill("#id_client_phone", "8 (916) 777-12-34")
    page.locator("#id_client_phone").dispatch_event("change")
    expect(page.locator("#preview-panel")).to_contain_text(gettext("%(hours)s h × %(space)s") % {"hours": 3,
                                                                                                "space": "Loft"})
    expect(page.locator("#preview-panel")).to_contain_text(money(9000))
    page.get_by_role("button", name=gettext("Create booking")).click()

    page.wait_for_url(re.compile(r"/bookings/\d+/$"))
    booking = Booking.objects.get(client_name="Vera Kozlova")
    assert booking.start == studio_time(3, 14)
    assert strip_tags(state_badge(BookingState.PENDING)) in page.locator("h1").inner_text()

    page.locator("#actions-title").locator("xpath=../..").get_by_role("button", name=gettext("Confirm")).click()
    page.wait_for_selector(".toast")
    confirmed = gettext("%(reference)s is now %(state)s.") % {
        "reference": booking.reference, "state": str(BookingState.CONFIRMED.label).lower()}
    assert confirmed in page.locator(".toast").first.inner_text()
    booking.refresh_from_db()
    assert booking.state == BookingState.CONFIRMED

    page.goto("/bookings/")  # opens on today, which has no booking yet
    page.get_by_role("link", name=gettext("All dates"), exact=True).click()
    page.get_by_role("link", name=gettext("Total")).click()  # sort in place; the search below keeps the sort
    expect(page).to_have_url(re.compile(r"sort=total"))
    page.fill("#id_q", "+7 916 777 1234")
    expect(page).to_have_url(re.compile(r"q=%2B7.*sort=total"))  # a search looks through every date
    rows = page.locator("#results tbody tr")
    rows.first.wait_for()
    assert rows.count() == 1
    assert booking.reference in rows.first.inner_text()

    with page.expect_download() as download_info:
        page.get_by_role("link", name=gettext("Export CSV")).click()
    content = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    assert booking.reference in content
    assert content.count("\n") == 2  # the header and the one booking found
    # In the reader's language and spreadsheet format: "Номер брони;Зал;…" in Russian.
    assert content.splitlines()[0].startswith(pgettext("CSV column", "reference") + sheet_format().delimiter)


def test_a_manager_opening_another_spaces_booking_sees_404(new_page, manager, studio):
    other = BookingFactory(space=studio["loft"])
    page = new_page(user=manager)
    response = page.goto(f"/bookings/{other.pk}/")
    assert response.status == 404
    assert other.reference not in page.content()
    assert gettext("Page not found") in page.locator("h1").inner_text()


def test_screenshots_of_every_page(new_page, owner, studio, ui_language, settings, tmp_path):
    """Every staff page at desktop and phone size with a realistic studio, for people to look at."""
    booking = realistic_studio(studio, owner)
    settings.EXPORTS_ROOT = tmp_path
    (tmp_path / str(owner.pk)).mkdir()
    asked = timezone.now().astimezone(UTC)
    for minutes, suffix in ((5, "csv"), (50, "failed")):
        name = f"{asked - timedelta(minutes=minutes):%Y%m%d%H%M%S}-{'x' * 22}.{suffix}"
        (tmp_path / str(owner.pk) / name).write_text("reference\r\n" * 400)
    pages = {
        "dashboard": "/dashboard/",
        "booking-list": "/bookings/",
        "booking-list-filtered": "/bookings/?state=confirmed&sort=-total",
        "booking-list-bad-dates": "/bookings/?date_from=2030-01-10&date_to=2030-01-01",
        "booking-new": f"/bookings/new/?space=white&start={studio_time(2, 10).isoformat()}",
        "booking-detail": f"/bookings/{booking.pk}/",
        "booking-edit": f"/bookings/{booking.pk}/edit/",
        "client-list": "/clients/",
        "client-detail": f"/clients/{booking.client_id}/",
        "booking-exports": "/bookings/exports/?query=state%3Dconfirmed",
    }
    for size_name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = new_page(viewport=viewport, user=owner)
        for name, url in pages.items():
            response = page.goto(url)
            assert response.status == 200, url
            screenshot(page, f"staff-{name}-{size_name}-{ui_language}")


def test_a_flagged_client_is_booked_only_after_ticking_book_anyway(new_page, owner, studio, ui_language):
    flagged = ClientFactory(name="Mikhail Orlov", phone="+79165550003", do_not_book=True)
    for made, (size_name, viewport, hour) in enumerate((("desktop", DESKTOP, 10), ("phone", PHONE, 14))):
        page = new_page(viewport=viewport, user=owner)
        page.goto(f"/bookings/new/?space=white&start={studio_time(2, hour).isoformat()}")
        page.fill("#id_client_name", "Mikhail Orlov")
        page.fill("#id_client_phone", "8 916 555-00-03")
        expect(page.locator("#preview-panel")).to_contain_text(gettext("Do not book."))
        page.get_by_role("button", name=gettext("Create booking")).click()
        expect(page.locator(".field.has-error")).to_contain_text(gettext(
            "This phone belongs to a client flagged “do not book”. Check with the manager; to book all the same, "
            "tick “book anyway” below."))
        screenshot(page, f"staff-booking-new-flagged-{size_name}-{ui_language}")
        assert Booking.objects.filter(client=flagged).count() == made
        page.get_by_label(gettext("I have checked with the manager — book anyway")).check()
        page.get_by_role("button", name=gettext("Create booking")).click()
        page.wait_for_url(re.compile(r"/bookings/\d+/$"))
        assert Booking.objects.filter(client=flagged).count() == made + 1


def test_a_refused_batch_keeps_its_ticks_and_the_bar_stays_at_hand_on_a_phone(new_page, owner, studio):
    """Three of today's requests and one finished booking ticked: the batch is refused, comes back ticked with its
    action and count; unticking the finished one and applying again confirms the three."""
    requests = [BookingFactory(space=space, start=studio_time(0, 23), end=studio_time(1, 0))
                for space in studio.values()]
    done = BookingFactory(space=studio["white"], start=studio_time(0, 0), end=studio_time(0, 1),
                          state=BookingState.COMPLETED)
    for size_name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        Booking.objects.filter(pk__in=[b.pk for b in requests]).update(state=BookingState.PENDING)
        page = new_page(viewport=viewport, user=owner)
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto("/bookings/")  # opens on today
        boxes = page.locator("input[name=selected]")
        expect(boxes).to_have_count(4)
        for box in boxes.all():
            box.check()
        count = page.locator("[data-batch-count]")
        expect(count).to_have_text(ngettext("%(counter)s booking selected", "%(counter)s bookings selected", 4)
                                   % {"counter": 4})
        if size_name == "phone":  # the bar is on screen whatever the scroll
            box = page.locator(".batch-bar").bounding_box()
            assert box["y"] + box["height"] <= PHONE["height"] + 1
        page.get_by_role("button", name=gettext("Apply to selected")).click()
        expect(page.locator(".toast.error")).to_contain_text(done.reference)  # the refusal names the booking
        expect(page.locator("input[name=selected]:checked")).to_have_count(4)
        expect(page.locator("#batch-action")).to_have_value("confirm")
        expect(count).to_contain_text("4")
        screenshot(page, f"staff-batch-refused-{size_name}-{page.evaluate('document.documentElement.lang')}")
        page.locator(f"input[name=selected][value='{done.pk}']").uncheck()
        expect(count).to_have_text(ngettext("%(counter)s booking selected", "%(counter)s bookings selected", 3)
                                   % {"counter": 3})
        page.get_by_role("button", name=gettext("Apply to selected")).click()
        expect(page.locator(".toast.success")).to_contain_text(
            ngettext("%(count)s booking confirmed.", "%(count)s bookings confirmed.", 3) % {"count": 3})
        assert Booking.objects.filter(state=BookingState.CONFIRMED).count() == 3


def test_a_regular_is_booked_again_from_their_card_and_found_as_typed(new_page, owner, studio, ui_language):
    """Book again from the client card: client, hall, hours filled in; a date and a free hour, then book.
    A new booking finds the regular by the last four digits of the phone."""
    irina = ClientFactory(name="Irina Petrova", phone="+79161234567", email="irina@example.com")
    last = BookingFactory(space=studio["loft"], client=irina, client_name="Irina Petrova", client_phone="+79161234567",
                          client_email="irina@example.com", start=studio_time(-7, 14), end=studio_time(-7, 17),
                          state=BookingState.COMPLETED)
    for made, (size_name, viewport) in enumerate((("desktop", DESKTOP), ("phone", PHONE))):
        page = new_page(viewport=viewport, user=owner)
        page.goto(f"/clients/{irina.pk}/")
        page.get_by_role("link", name=gettext("Book again like %(reference)s") % {"reference": last.reference}).click()
        expect(page.locator("#id_client_name")).to_have_value("Irina Petrova")
        expect(page.locator("#id_space")).to_have_value("loft")
        expect(page.locator("#id_hours")).to_have_value("3")
        page.fill("#id_date", studio_time(3 + made, 10).date().isoformat())
        page.locator("#id_date").dispatch_event("change")
        page.get_by_role("button", name="14:00").click()
        expect(page.locator("#preview-panel")).to_contain_text(money(9000))
        screenshot(page, f"staff-book-again-{size_name}-{ui_language}")
        page.get_by_role("button", name=gettext("Create booking")).click()
        page.wait_for_url(re.compile(r"/bookings/\d+/$"))
        assert Booking.objects.filter(client=irina, start=studio_time(3 + made, 14)).exists()

        page.goto("/bookings/new/")
        page.locator("#id_client_phone").press_sequentially("4567", delay=30)
        choice = page.locator("#client-suggestions [data-fill-client]")
        expect(choice).to_contain_text("Irina Petrova")
        screenshot(page, f"staff-client-suggestions-{size_name}-{ui_language}")
        choice.click()
        expect(page.locator("#id_client_name")).to_have_value("Irina Petrova")
        expect(page.locator("#id_client_phone")).to_have_value(irina.phone_display)
        expect(page.locator("#id_client_email")).to_have_value("irina@example.com")


def test_the_start_list_offers_only_free_hours_as_the_day_changes(new_page, owner, studio, ui_language):
    """Reception books 14–16 with a softbox when 14:00 is taken on the first day asked: the list greys out the
    taken hours of whichever day is chosen, marks the starts two hours do not fit, and keeps focus as it changes."""
    softbox = EquipmentFactory(name="Softbox 120 cm", price=Decimal("500.00"), stock=2)
    BookingFactory(space=studio["white"], start=studio_time(2, 13), end=studio_time(2, 15))
    for made, (size_name, viewport) in enumerate((("desktop", DESKTOP), ("phone", PHONE))):
        page = new_page(viewport=viewport, user=owner)
        page.goto(f"/bookings/new/?space=white&start={studio_time(2, 10).isoformat()}")
        taken = page.locator("#id_start_time option[disabled]")
        expect(taken).to_have_count(2)  # 13:00 and 14:00
        expect(page.locator("#id_start_time option[value='12']")).to_have_text(
            ngettext("%(time)s — only %(hours)s hour free", "%(time)s — only %(hours)s hours free", 1)
            % {"time": "12:00", "hours": 1})
        page.fill("#id_date", studio_time(3 + made, 10).date().isoformat())
        page.locator("#id_date").dispatch_event("change")
        expect(taken).to_have_count(0)  # nothing booked that day
        start_list = page.locator("#id_start_time")
        start_list.focus()
        start_list.select_option("14")
        expect(page.locator("#preview")).to_contain_text(ngettext(
            "Up to %(counter)s hour free from %(start)s:00.", "Up to %(counter)s hours free from %(start)s:00.", 8)
            % {"counter": 8, "start": "14"})
        expect(start_list).to_be_focused()
        expect(start_list).to_have_value("14")
        page.fill(f"#id_equipment_{softbox.pk}", "1")
        page.fill("#id_client_name", "Irina Petrova")
        page.fill("#id_client_phone", "8 916 123-45-67")
        page.locator("#id_client_phone").dispatch_event("change")
        expect(page.locator("#preview-panel")).to_contain_text(money(2 * 2500 + 2 * 500))
        screenshot(page, f"staff-booking-start-list-{size_name}-{ui_language}")
        page.get_by_role("button", name=gettext("Create booking")).click()
        page.wait_for_url(re.compile(r"/bookings/\d+/$"))
        booking = Booking.objects.get(start=studio_time(3 + made, 14))
        assert booking.end == studio_time(3 + made, 16) and booking.equipment_lines.get().equipment == softbox
