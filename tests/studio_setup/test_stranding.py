"""Changes that would strand a booking still ahead are refused with the bookings named, and change nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from bookings.errors import error_text
from bookings.hours import OpeningHours, SpecialDay
from bookings.models import BookingEquipment, BookingState, PromoCode
from studio_setup import services
from tests.factories import EquipmentFactory, PromoCodeFactory, studio_time

pytestmark = pytest.mark.django_db


def week_data(**changes):
    """The hours page's form for 09:00–21:00 every day, with ``changes`` ("opens_2": "12", "open_6": None)."""
    data = {}
    for day in range(7):
        data.update({f"open_{day}": "on", f"opens_{day}": "9", f"closes_{day}": "21"})
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def test_closing_earlier_on_a_weekday_with_a_booking_in_the_evening_is_refused_naming_it(
        admin, week, booking_at, staff_client):
    evening = booking_at(days_ahead=3, hour=18, hours=3)
    weekday = timezone.localtime(evening.start).weekday()
    entries = LogEntry.objects.count()

    response = staff_client(admin).post("/setup/hours/", week_data(**{f"closes_{weekday}": "20"}))

    page = response.content.decode()
    assert response.status_code == 409
    assert evening.reference in page and "White Hall" in page and "18:00–21:00" in page
    assert "1 active booking falls outside the new hours" in page
    assert OpeningHours.objects.get(weekday=weekday).closes_at == 21
    assert LogEntry.objects.count() == entries


def test_closing_a_weekday_names_every_booking_ahead_on_it_and_ignores_past_and_cancelled_ones(
        admin, week, booking_at):
    ahead = [booking_at(days_ahead=days, hour=10) for days in (7, 14)]
    weekday = timezone.localtime(ahead[0].start).weekday()
    booking_at(days_ahead=7, hour=14, state=BookingState.CANCELLED)
    booking_at(days_ahead=-7, hour=14, state=BookingState.COMPLETED)
    week = dict.fromkeys(range(7), (9, 21)) | {weekday: None}

    with pytest.raises(ValidationError) as refused:
        services.opening_hours_save(week=week, by=admin)

    text = error_text(refused.value)
    assert all(booking.reference in text for booking in ahead) and "2 active bookings" in text
    assert text.count("REF-") == 2
    assert OpeningHours.objects.count() == 7


def test_a_booking_on_a_special_day_keeps_that_days_hours_when_the_week_changes(admin, week, booking_at):
    booking = booking_at(days_ahead=5, hour=18, hours=3)
    day = timezone.localtime(booking.start).date()
    SpecialDay.objects.create(date=day, opens_at=9, closes_at=23)

    services.opening_hours_save(week=dict.fromkeys(range(7), (9, 20)), by=admin)

    assert set(OpeningHours.objects.values_list("closes_at", flat=True)) == {20}


def test_opening_later_or_longer_hours_strand_nobody(admin, week, booking_at):
    booking_at(days_ahead=2, hour=10)
    services.opening_hours_save(week=dict.fromkeys(range(7), (8, 24)), by=admin)
    assert set(OpeningHours.objects.values_list("opens_at", "closes_at")) == {(8, 24)}


def test_closing_a_date_with_bookings_is_refused_naming_them(admin, week, booking_at, staff_client):
    morning, afternoon = booking_at(days_ahead=4, hour=10), booking_at(days_ahead=4, hour=15)
    day = timezone.localtime(morning.start).date()

    response = staff_client(admin).post("/setup/hours/special-days/new/", {"date": day.isoformat(),
                                                                          "day_kind": "closed"})

    page = response.content.decode()
    assert response.status_code == 409
    assert morning.reference in page and afternoon.reference in page and "before closing the day" in page
    assert not SpecialDay.objects.exists()


def test_a_short_day_is_refused_only_for_the_bookings_outside_it(admin, week, booking_at):
    morning, evening = booking_at(days_ahead=4, hour=10), booking_at(days_ahead=4, hour=17, hours=3)
    day = timezone.localtime(morning.start).date()

    with pytest.raises(ValidationError) as refused:
        services.special_day_save(special_day=SpecialDay(date=day, opens_at=9, closes_at=16), by=admin)
    text = error_text(refused.value)
    assert evening.reference in text and morning.reference not in text and "17:00–20:00" in text

    services.special_day_save(special_day=SpecialDay(date=day, opens_at=9, closes_at=20), by=admin)
    assert SpecialDay.objects.get(date=day).closes_at == 20


def test_removing_a_long_special_day_under_a_late_booking_is_refused(admin, week, booking_at, staff_client):
    late = booking_at(days_ahead=6, hour=21, hours=2)
    special = SpecialDay.objects.create(date=timezone.localtime(late.start).date(), opens_at=9, closes_at=24)

    response = staff_client(admin).post(f"/setup/hours/special-days/{special.pk}/delete/", follow=True)

    assert late.reference in response.content.decode()
    assert SpecialDay.objects.filter(pk=special.pk).exists()


def test_moving_a_special_day_checks_the_date_it_leaves(admin, week, booking_at):
    late = booking_at(days_ahead=6, hour=21, hours=2)
    old_day = timezone.localtime(late.start).date()
    special = SpecialDay.objects.create(date=old_day, opens_at=9, closes_at=24)
    special.date = old_day + timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        services.special_day_save(special_day=special, by=admin)
    assert late.reference in error_text(refused.value)
    assert SpecialDay.objects.get(pk=special.pk).date == old_day


def test_taking_a_hall_with_bookings_ahead_out_of_service_is_refused_naming_them(admin, space, booking_at,
                                                                                 staff_client):
    bookings = [booking_at(days_ahead=days) for days in range(1, 8)]
    response = staff_client(admin).post(f"/setup/halls/{space.pk}/", {
        "name": space.name, "slug": space.slug, "hourly_rate": "2500", "colour": "#4f7cac", "capacity": "10",
        "cleanup_minutes": "0"})
    page = response.content.decode()
    assert response.status_code == 409
    assert "White Hall has 7 active bookings ahead" in page
    assert all(booking.reference in page for booking in bookings[:5]) and bookings[6].reference not in page
    assert "and 2 more" in page
    space.refresh_from_db()
    assert space.is_active


def test_a_hall_whose_bookings_are_all_past_or_cancelled_goes_out_of_service(admin, space, booking_at):
    booking_at(days_ahead=-3, state=BookingState.COMPLETED)
    booking_at(days_ahead=3, state=BookingState.CANCELLED)
    space.is_active = False
    services.space_save(space=space, by=admin)
    space.refresh_from_db()
    assert not space.is_active


def test_lowering_the_stock_below_what_is_booked_at_one_time_is_refused_naming_the_bookings(
        admin, studio, booking_at, staff_client):
    softbox = EquipmentFactory(name="Softbox", stock=4)
    first = booking_at(days_ahead=2, hour=10, hours=3)
    second = booking_at(days_ahead=2, hour=12, hours=2, space=studio["loft"])
    elsewhere = booking_at(days_ahead=9, hour=10)
    for booking, quantity in ((first, 2), (second, 1), (elsewhere, 2)):
        BookingEquipment.objects.create(booking=booking, equipment=softbox, quantity=quantity, price=Decimal("500"))

    response = staff_client(admin).post(f"/setup/equipment/{softbox.pk}/", {
        "name": "Softbox", "price": "500", "pricing": "per_hour", "stock": "2", "is_active": "on"})

    page = response.content.decode()
    assert response.status_code == 409
    assert "3 units are booked at one time" in page and "12:00" in page
    assert first.reference in page and second.reference in page and elsewhere.reference not in page
    softbox.refresh_from_db()
    assert softbox.stock == 4

    softbox.stock = 3
    services.equipment_save(equipment=softbox, by=admin)
    softbox.refresh_from_db()
    assert softbox.stock == 3


def test_a_usage_limit_below_the_uses_so_far_is_refused(admin, staff_client):
    promo = PromoCodeFactory(code="FRIENDS", usage_limit=10)
    PromoCode.objects.filter(pk=promo.pk).update(times_used=4)
    response = staff_client(admin).post(f"/setup/promo-codes/{promo.pk}/", {
        "code": "FRIENDS", "kind": "percent", "value": "10", "usage_limit": "3", "is_active": "on"})
    assert response.status_code == 409
    assert "The code has been used 4 times already" in response.content.decode()
    promo.refresh_from_db()
    assert (promo.usage_limit, promo.times_used) == (10, 4)


def test_saving_a_code_keeps_the_uses_counted_meanwhile(admin):
    promo = PromoCodeFactory(code="FRIENDS", usage_limit=10)
    PromoCode.objects.filter(pk=promo.pk).update(times_used=4)  # guests redeemed it after the page was opened
    promo.value = Decimal("20")
    services.promo_code_save(promo=promo, by=admin)
    promo.refresh_from_db()
    assert (promo.value, promo.times_used) == (Decimal("20"), 4)


def test_only_admins_and_owners_may_change_the_set_up(manager, space, week):
    with pytest.raises(PermissionDenied):
        services.space_save(space=space, by=manager)
    with pytest.raises(PermissionDenied):
        services.opening_hours_save(week={0: (9, 21)}, by=None)


def test_the_busiest_moment_counts_loans_already_out(admin, space, booking_at):
    tripod = EquipmentFactory(name="Tripod", stock=2)
    now = timezone.now()
    started = booking_at(days_ahead=0, hour=0, hours=1)
    started.start, started.end = now - timedelta(hours=1), now + timedelta(hours=1)
    started.occupied_until = started.end
    started.state = BookingState.IN_PROGRESS
    started.save()
    BookingEquipment.objects.create(booking=started, equipment=tripod, quantity=2, price=Decimal("0"))
    peak, at, holding = services.busiest_moment(tripod, now)
    assert (peak, at, holding) == (2, now, [started])
    assert studio_time(1) > at


def test_a_booking_that_waited_for_its_hall_while_the_hours_changed_is_checked_against_the_new_hours(space, admin):
    """The booking services read the hours again once they hold the hall: the set-up service changes them under
    the same locks, so hours remembered from earlier in the request (here: before the change) do not count."""
    from bookings.hours import end_of_the_request, opening_hours, remember_for_the_request
    from bookings.services import booking_create, booking_update

    day = studio_time(2).date()
    remember_for_the_request()
    try:
        assert opening_hours(day) == (9, 22)  # read early in the request (the form's start list does)
        OpeningHours.objects.filter(weekday=day.weekday()).update(closes_at=12)  # committed by the set-up meanwhile
        guest = {"client_name": "Irina Petrova", "client_phone": "+7 916 123-45-67", "by": None}
        with pytest.raises(ValidationError):
            booking_create(space=space, start=studio_time(2, 14), end=studio_time(2, 16), **guest)
        morning = booking_create(space=space, start=studio_time(2, 9), end=studio_time(2, 10), **guest)
        with pytest.raises(ValidationError):
            booking_update(booking=morning, version=morning.version, by=admin, start=studio_time(2, 15),
                           end=studio_time(2, 16))
    finally:
        end_of_the_request()
    assert [booking.start for booking in space.bookings.all()] == [studio_time(2, 9)]
