"""/day-sheet/: each hall's bookings of a day, one printed page per hall, for the halls the employee may see."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import NoReverseMatch, include, path, reverse

from bookings.models import BookingEquipment, BookingState, PaymentStatus
from tests.bulk import bulk_bookings, queries_for
from tests.factories import BookingFactory, CalendarBlockFactory, ClientFactory, EquipmentFactory, studio_time
from tests.languages import english_leaks, in_russian

# The project's addresses, with the day sheet's whether or not the project's list already holds it.
urlpatterns = [path("", include(settings.ROOT_URLCONF))]
try:
    reverse("day_sheet", urlconf=settings.ROOT_URLCONF)
except NoReverseMatch:
    urlpatterns.append(path("", include("bookings.day_sheet_urls")))

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

NAMES = ["White Hall", "Loft", "Cyclorama", "Softbox", "Fog machine", "Irina Petrova", "Boris Ivanov", "Olga Owner",
         "Maria Manager", "Two outfit changes", "Pays in cash", "Bring the white backdrop", "Loft Guest", "Lamps",
         settings.STUDIO_NAME[:1]]  # the studio's mark last, so that it does not cut the names above


@pytest.fixture
def scene(studio):
    irina = ClientFactory(name="Irina Petrova", phone="+79161234567")
    morning = BookingFactory(space=studio["white"], start=studio_time(0, 10), end=studio_time(0, 13), client=irina,
                             state=BookingState.CONFIRMED, total_price=Decimal("7500"),
                             payment_status=PaymentStatus.DEPOSIT_PAID,
                             special_requirements="Two outfit changes", notes="Bring the white backdrop",
                             internal_notes="Pays in cash")
    BookingEquipment.objects.create(booking=morning, equipment=EquipmentFactory(name="Softbox", stock=4), quantity=3,
                                    price=Decimal("1500"))
    BookingEquipment.objects.create(booking=morning, equipment=EquipmentFactory(name="Fog machine"), quantity=1,
                                    price=Decimal("500"))
    request = BookingFactory(space=studio["white"], start=studio_time(0, 15), end=studio_time(0, 17),
                             client=ClientFactory(name="Boris Ivanov"), state=BookingState.PENDING)
    BookingFactory(space=studio["white"], start=studio_time(0, 18), end=studio_time(0, 19),
                   state=BookingState.CANCELLED, client_name="Called Off")
    BookingFactory(space=studio["white"], start=studio_time(1, 10), state=BookingState.CONFIRMED,
                   client_name="Tomorrow Guest")
    loft = BookingFactory(space=studio["loft"], start=studio_time(0, 12), end=studio_time(0, 14),
                          state=BookingState.CONFIRMED, client_name="Loft Guest")
    CalendarBlockFactory(space=studio["loft"], start=studio_time(0, 16), end=studio_time(0, 18), note="Lamps")
    return {"morning": morning, "request": request, "loft": loft}


def test_anonymous_is_sent_to_sign_in(client):
    assert client.get("/day-sheet/")["Location"].startswith("/login/")


def test_today_s_sheet_of_every_hall_with_what_the_desk_needs(staff_client, owner, scene):
    response = staff_client(owner).get("/day-sheet/")
    assert response.status_code == 200
    html = response.content.decode()
    sheets = response.context["sheets"]
    assert [sheet.space.slug for sheet in sheets] == ["cyclorama", "loft", "white"]  # one page per hall, by name
    white = sheets[2]
    assert [booking.pk for booking in white.bookings] == [scene["morning"].pk, scene["request"].pk]
    assert white.booked_hours == 5
    assert html.count('class="sheet"') == 3
    for text in ("Irina Petrova", "+7 916 123-45-67", 'href="tel:+79161234567"', "10:00–13:00", "Softbox × 3",
                 "Fog machine × 1", "Two outfit changes", "Bring the white backdrop", "Pays in cash", "₽7,500",
                 "Deposit paid", "Boris Ivanov", "not confirmed", "Open 09:00–22:00", "Loft Guest",
                 "Closed 16:00–18:00: Maintenance", "Lamps", "No bookings for this hall on this day."):
        assert text in html, text
    assert "Called Off" not in html and "Tomorrow Guest" not in html
    assert "data-print" in html and "css/print.css" in html


def test_one_hall_and_another_day(staff_client, owner, scene, studio):
    tomorrow = studio_time(1, 0).date()
    response = staff_client(owner).get(f"/day-sheet/?space=white&date={tomorrow.isoformat()}")
    sheets = response.context["sheets"]
    assert [sheet.space.slug for sheet in sheets] == ["white"]
    assert [booking.client_name for booking in sheets[0].bookings] == ["Tomorrow Guest"]
    assert response.context["day"] == tomorrow
    html = response.content.decode()
    assert '<option value="white" selected>' in html
    assert f"date={(tomorrow - timedelta(days=1)).isoformat()}" in html


def test_a_date_that_cannot_be_read_shows_today(staff_client, owner, scene):
    response = staff_client(owner).get("/day-sheet/?date=31.02.2027")
    assert response.status_code == 200
    assert response.context["day"] == studio_time(0, 0).date()
    assert "could not be read" in response.content.decode()


def test_a_manager_gets_their_halls_only(staff_client, manager, scene):
    client = staff_client(manager)
    response = client.get("/day-sheet/")
    assert [sheet.space.slug for sheet in response.context["sheets"]] == ["white"]
    html = response.content.decode()
    assert "Loft Guest" not in html and 'value="loft"' not in html
    assert client.get("/day-sheet/?space=loft").status_code == 404
    assert client.get("/day-sheet/?space=no-such-hall").status_code == 404


def test_the_sheet_runs_the_same_queries_for_few_and_many_bookings(staff_client, owner, studio):
    client = staff_client(owner)
    bulk_bookings(studio["white"], 5)
    day = studio_time(-40, 0).date().isoformat()
    few = queries_for(client, f"/day-sheet/?date={day}")
    bookings = bulk_bookings(studio["white"], 400, prefix="M")
    softbox = EquipmentFactory(name="Softbox", stock=50)
    BookingEquipment.objects.bulk_create(
        BookingEquipment(booking=booking, equipment=softbox, quantity=2, price=Decimal("100")) for booking in bookings)
    assert queries_for(client, f"/day-sheet/?date={day}") == few


def test_the_sheet_in_russian(staff_client, owner, scene):
    response = staff_client(in_russian(owner)).get("/day-sheet/")
    html = response.content.decode()
    assert english_leaks(html, allowed=NAMES) == []
    assert "Лист дня" in html and "Распечатать" in html and "Softbox × 3" in html and "Открыто 09:00–22:00" in html
    assert "7\u202f500\u202f₽" in html and "не подтверждено" in html
