"""Every set-up change is on the audit trail, with who made it."""

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from bookings.hours import OpeningHours, SpecialDay
from bookings.models import Equipment, PromoCode, Space, SpaceRate

pytestmark = pytest.mark.django_db


def entries(model, action=None):
    found = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(model))
    return found if action is None else found.filter(action=action)


def test_changes_made_on_the_set_up_pages_are_recorded_with_the_employee(admin, owner, space, week, staff_client):
    browser = staff_client(admin)
    browser.post(f"/setup/halls/{space.pk}/", {"name": "White Hall", "slug": space.slug, "hourly_rate": "2600",
                                               "colour": "#4f7cac", "capacity": "10", "cleanup_minutes": "15",
                                               "is_active": "on"})
    browser.post(f"/setup/halls/{space.pk}/rates/new/", {"rate-label": "Evening", "rate-weekday": "",
                                                        "rate-start_hour": "18", "rate-end_hour": "21",
                                                        "rate-hourly_rate": "3000"})
    browser.post("/setup/equipment/new/", {"name": "Fog machine", "price": "1500", "pricing": "flat", "stock": "1"})
    browser.post("/setup/promo-codes/new/", {"code": "WINTER", "kind": "fixed", "value": "500"})
    week_data = {f"{name}_{day}": value for day in range(7)
                 for name, value in (("open", "on"), ("opens", "10"), ("closes", "21"))}
    browser.post("/setup/hours/", week_data)
    day = timezone.localdate().replace(year=timezone.localdate().year + 1)
    browser.post("/setup/hours/special-days/new/", {"date": day.isoformat(), "day_kind": "closed"})

    update = entries(Space, LogEntry.Action.UPDATE).get()
    assert update.actor == admin and update.changes["hourly_rate"] == ["2500.00", "2600.00"]
    for model in (SpaceRate, Equipment, PromoCode, SpecialDay):
        assert entries(model, LogEntry.Action.CREATE).get().actor == admin, model
    hours_changed = entries(OpeningHours, LogEntry.Action.UPDATE)
    assert hours_changed.count() == 7 and {entry.actor for entry in hours_changed} == {admin}
    assert hours_changed.first().changes["opens_at"] == ["9", "10"]

    trail = staff_client(owner).get("/compliance/audit/?what=bookings.openinghours")
    rows = trail.context["rows"]
    assert len(rows) == 7 and {row["who"] for row in rows} == {"Anton Admin"}
    assert ("opens at", "9", "10") in rows[0]["changes"]
    choices = dict(trail.context["form"].fields["what"].choices)
    assert "bookings.specialday" in choices and "bookings.openinghours" in choices


def test_a_refused_change_writes_no_entry(admin, space, week, booking_at, staff_client):
    booking_at(days_ahead=2)
    before = LogEntry.objects.count()
    staff_client(admin).post(f"/setup/halls/{space.pk}/", {"name": "White Hall", "slug": space.slug,
                                                           "hourly_rate": "2600", "colour": "#4f7cac",
                                                           "capacity": "10", "cleanup_minutes": "0"})
    assert LogEntry.objects.count() == before


def test_deleting_a_special_day_is_recorded(admin, week, staff_client):
    day = SpecialDay.objects.create(date=timezone.localdate().replace(year=timezone.localdate().year + 1),
                                    is_closed=True)
    staff_client(admin).post(f"/setup/hours/special-days/{day.pk}/delete/")
    assert entries(SpecialDay, LogEntry.Action.DELETE).get().actor == admin
