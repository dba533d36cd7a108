"""The audit trail: staff changes, sign-ins, failed sign-ins and refusals, filtered, paged and exported."""

import pytest
from auditlog.models import LogEntry

from bookings.services import booking_update
from compliance import audit
from compliance.models import SecurityEvent, SecurityKind

pytestmark = pytest.mark.django_db


def test_changes_sign_ins_failures_and_refusals_are_on_the_trail(client, guest_booking, owner, admin, manager,
                                                                  staff_client):
    booking = guest_booking()
    booking_update(booking=booking, version=booking.version, by=admin,
                   notes="Guest says call +7 916 555-01-37 or write to irina@example.com")
    client.post("/login/", {"username": "admin", "password": "wrong-password-1"}, REMOTE_ADDR="198.51.100.20")
    client.post("/login/", {"username": "+79165550137", "password": "wrong-password-1"})
    staff_client(manager).get("/employees/")

    page = staff_client(owner).get("/compliance/audit/").content.decode()

    assert booking.reference in page and "Anton Admin" in page
    assert "Failed sign-in" in page and "198.51.100.20" in page and "Unknown username" in page
    assert "Refused access" in page and "Maria Manager" in page and "Signed in" in page
    for hidden in ("9165550137", "916 555-01-37", "irina@example.com"):
        assert hidden not in page
    stored = " ".join(str(entry.changes) for entry in LogEntry.objects.all())
    stored += " ".join(event.username for event in SecurityEvent.objects.all())
    assert "555-01-37" not in stored and "irina@" not in stored and "79165550137" not in stored


def test_filters_by_who_what_object_and_day(guest_booking, owner, admin, staff_client):
    first, second = guest_booking(), guest_booking(name="Pavel", phone="+7 903 777-22-11", days=5)
    staff_client(admin).post(f"/bookings/{first.pk}/notes/", {"internal_notes": "Moved the set",
                                                              "version": first.version})
    browser = staff_client(owner)

    def rows(query):
        return browser.get(f"/compliance/audit/?{query}").context["rows"]

    history = rows(f"what=bookings.booking&object={first.pk}")
    assert {row["record"] for row in history} == {first.reference} and len(history) == 2  # created, changed
    by_admin = rows(f"who={admin.pk}")
    assert [change for row in by_admin for change in row["changes"] if change[2] == "Moved the set"]
    assert {row["who"] for row in by_admin} == {"Anton Admin"}
    sign_ins = rows("what=security:sign_in")
    assert {row["event"] for row in sign_ins} == {"Signed in"} and sign_ins[0]["who"] == "Olga Owner"
    assert rows("date_from=2001-01-01&date_to=2001-01-02") == []
    assert second.reference in {row["record"] for row in rows("")}


def test_the_booking_card_links_its_own_history_for_owners(guest_booking, owner, admin, staff_client):
    booking = guest_booking()
    link = f"/compliance/audit/?what=bookings.booking&amp;object={booking.pk}"
    assert link in staff_client(owner).get(f"/bookings/{booking.pk}/").content.decode()
    assert link not in staff_client(admin).get(f"/bookings/{booking.pk}/").content.decode()


def test_pages_go_back_in_time_with_a_fixed_number_of_queries(owner, staff_client, django_assert_max_num_queries,
                                                              monkeypatch):
    monkeypatch.setattr(audit, "PAGE_SIZE", 5)
    for number in range(12):
        SecurityEvent.objects.create(kind=SecurityKind.SIGN_IN_FAILED, what=f"event {number:02d}")
    browser = staff_client(owner)
    browser.get("/compliance/audit/")
    with django_assert_max_num_queries(16):
        first = browser.get("/compliance/audit/?what=security:failed")
    older = first.context["older"]
    second = browser.get("/compliance/audit/", {"what": "security:failed", "before": older}).content.decode()
    assert "event 11" in first.content.decode() and "event 06" not in first.content.decode()
    assert "event 06" in second and "event 11" not in second


def test_the_csv_export_streams_every_row_without_contact_details(guest_booking, admin, owner, staff_client):
    booking = guest_booking()
    booking_update(booking=booking, version=booking.version, by=admin, notes="=HYPERLINK(\"x\") call 89165550137")
    response = staff_client(owner).get("/compliance/audit/export.csv")
    body = b"".join(response.streaming_content).decode()
    assert response["Content-Type"].startswith("text/csv") and booking.reference in body
    assert "9165550137" not in body and "irina@" not in body
