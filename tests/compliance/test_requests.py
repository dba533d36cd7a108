"""The register of data-subject requests: guests ask from their booking's page, owners export and erase."""

import io
import json
import zipfile
from datetime import date, datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from compliance.keys import person_keys
from compliance.models import DataRequest, RequestKind, RequestStatus, working_days_after
from notifications import delivery

pytestmark = pytest.mark.django_db

PHONE, EMAIL = "+7 916 555-01-37", "irina@example.com"


@pytest.mark.parametrize(("received", "deadline"), [
    (date(2026, 12, 7), date(2026, 12, 21)),   # Monday -> the Monday two weeks on
    (date(2026, 12, 4), date(2026, 12, 18)),   # Friday -> the Friday two weeks on
    (date(2026, 12, 5), date(2026, 12, 18)),   # Saturday: counting starts on Monday
    (date(2026, 12, 6), date(2026, 12, 18)),   # Sunday too
])
def test_the_deadline_is_ten_working_days_after_receipt_skipping_weekends(received, deadline):
    assert working_days_after(received, 10) == deadline
    at = datetime(received.year, received.month, received.day, 23, 30, tzinfo=timezone.get_current_timezone())
    assert DataRequest.deadline_for(at) == deadline


def looked_up(client, booking, phone=PHONE):
    assert client.post("/book/lookup/", {"reference": booking.reference, "phone": phone}).status_code == 302


def test_a_guest_asks_for_their_data_from_their_booking_page(client, guest_booking):
    booking = guest_booking()
    looked_up(client, booking)
    page = client.get(f"/book/lookup/{booking.reference}/").content.decode()
    assert "Send me my data" in page and "Delete my data" in page

    response = client.post(f"/book/lookup/{booking.reference}/my-data/copy/", follow=True)
    again = client.post(f"/book/lookup/{booking.reference}/my-data/copy/", follow=True)

    assert "We have your request for a copy" in response.content.decode()
    assert "already with the studio" in again.content.decode()
    request = DataRequest.objects.get()
    assert (request.kind, request.source, request.status, request.booking, request.notify) == (
        RequestKind.EXPORT, "guest", RequestStatus.OPEN, booking, True)
    # The register keeps no readable phone or email.
    stored = json.dumps(list(DataRequest.objects.values()), default=str)
    assert "9165550137" not in stored and "irina" not in stored.lower()
    assert request.phone_index == person_keys(phone=PHONE)[0]


def test_only_the_guest_who_proved_the_booking_may_ask(client, guest_booking):
    booking = guest_booking()
    assert client.post(f"/book/lookup/{booking.reference}/my-data/erase/").status_code == 404
    assert not DataRequest.objects.exists()


def test_guest_requests_are_rate_limited(client, guest_booking, settings):
    settings.PUBLIC_RATE_LIMITS = {**settings.PUBLIC_RATE_LIMITS, "data_request_ip": "2/h"}
    booking = guest_booking()
    looked_up(client, booking)
    for _ in range(2):
        client.post(f"/book/lookup/{booking.reference}/my-data/copy/")
    response = client.post(f"/book/lookup/{booking.reference}/my-data/erase/")
    assert response.status_code == 429 and response["Retry-After"]
    assert DataRequest.objects.count() == 1


def zip_of(response) -> dict:
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    return {name: archive.read(name).decode("utf-8-sig") for name in archive.namelist()}


def test_an_owner_answers_with_a_zip_of_exactly_that_persons_data_and_the_guest_is_told(
        client, guest_booking, owner, staff_client):
    irina = guest_booking()
    guest_booking(days=4)
    pavel = guest_booking(name="Pavel Other", phone="+7 903 777-22-11", email="pavel@example.com", days=5)
    looked_up(client, irina)
    client.post(f"/book/lookup/{irina.reference}/my-data/copy/")
    request = DataRequest.objects.get()
    mail.outbox.clear()

    detail = staff_client(owner).get(f"/compliance/requests/{request.pk}/")
    assert detail.status_code == 200 and "9165550137" not in detail.content.decode()
    response = staff_client(owner).post(f"/compliance/requests/{request.pk}/export/")

    assert response["Content-Type"] == "application/zip"
    files = zip_of(response)
    assert set(files) == {"data.json", "bookings.csv", "client_cards.csv", "consents.csv", "booking_history.csv",
                          "messages.csv", "audit_trail.csv"}
    data = json.loads(files["data.json"])
    assert len(data["bookings"]) == 2 and {b["phone"] for b in data["bookings"]} == {"+79165550137"}
    assert data["consents"][0]["address"] == "203.0.113.7" and data["client_cards"][0]["email"] == EMAIL
    everything = "\n".join(files.values())
    for other in (pavel.reference, "Pavel", "7037772211", "pavel@"):
        assert other not in everything
    request.refresh_from_db()
    assert request.status == RequestStatus.DONE and request.completed_by == owner
    assert request.counts["bookings"] == 2

    delivery.deliver_due()
    told = [message for message in mail.outbox if message.subject == "A copy of your personal data is ready"]
    assert [message.to for message in told] == [[EMAIL]]
    assert not told[0].attachments and "call or visit the studio" in told[0].body


def test_an_owner_finds_a_person_by_email_and_nothing_of_them_shows_in_the_address(guest_booking, owner,
                                                                                   staff_client):
    booking = guest_booking()
    response = staff_client(owner).post("/compliance/person/", {"email": "IRINA@example.com"})
    page = response.content.decode()
    assert response.status_code == 200 and booking.reference in page
    assert "irina@example.com" not in page.lower() and "9165550137" not in page
    keys = person_keys(email=EMAIL)
    assert keys[1] in page  # carried on as the keyed hash only


def test_the_export_command_writes_the_zip(guest_booking, owner, tmp_path):
    guest_booking()
    out = tmp_path / "irina.zip"
    call_command("export_client_data", "--phone", "89165550137", "--by", owner.username, "--output", str(out),
                 stdout=io.StringIO())
    assert json.loads(zipfile.ZipFile(out).read("data.json"))["bookings"][0]["email"] == EMAIL
    assert DataRequest.objects.get().source == "shell"


def test_overdue_requests_stand_out(guest_booking, owner, staff_client, client):
    booking = guest_booking()
    looked_up(client, booking)
    client.post(f"/book/lookup/{booking.reference}/my-data/erase/")
    DataRequest.objects.update(deadline=date(2026, 1, 5))
    page = staff_client(owner).get("/compliance/requests/?status=overdue").content.decode()
    assert "is-overdue" in page and "overdue" in page
    home = staff_client(owner).get("/compliance/").content.decode()
    assert "overdue since" in home


def test_a_request_closed_without_action_tells_the_guest(client, guest_booking, owner, staff_client):
    booking = guest_booking()
    looked_up(client, booking)
    client.post(f"/book/lookup/{booking.reference}/my-data/erase/")
    request = DataRequest.objects.get()
    mail.outbox.clear()
    response = staff_client(owner).post(f"/compliance/requests/{request.pk}/refuse/", {"reason": "Not the guest"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.reason) == (RequestStatus.REFUSED, "Not the guest")
    delivery.deliver_due()
    assert "About your request on your personal data" in [m.subject for m in mail.outbox if m.to == [EMAIL]]
