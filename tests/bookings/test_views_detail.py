"""/bookings/ID/ and its actions: state changes, payment and internal notes."""

from datetime import timedelta

import pytest
import time_machine

from bookings.models import Booking, BookingState, BookingTransition, PaymentStatus
from bookings.services import booking_create, booking_transition, booking_update
from tests.factories import BookingFactory, EquipmentFactory, studio_time

pytestmark = pytest.mark.django_db


@pytest.fixture
def booking(space, admin):
    softbox = EquipmentFactory(name="Softbox")
    return booking_create(space=space, start=studio_time(2, 10), end=studio_time(2, 12), client_name="Irina Petrova",
                          client_phone="+7 916 123-45-67", client_email="irina@example.com",
                          equipment={softbox: 1}, special_requirements="<b>White backdrop</b>", by=admin)


class TestCard:
    def test_everything_about_the_booking(self, staff_client, admin, booking):
        client = staff_client(admin)
        html = client.get(f"/bookings/{booking.pk}/").content.decode()
        assert booking.reference in html
        assert "+7 916 123-45-67" in html and "irina@example.com" in html
        assert "Softbox × 1" in html and "₽6,000" in html  # 2 h × 2500 + 2 h × 500
        assert "&lt;b&gt;White backdrop&lt;/b&gt;" in html  # guest text is escaped
        assert "Draft → Pending" in html

    def test_the_allowed_transitions_are_offered(self, staff_client, admin, booking):
        client = staff_client(admin)
        response = client.get(f"/bookings/{booking.pk}/")
        assert response.context["transitions"] == [BookingState.CONFIRMED, BookingState.CANCELLED]
        html = response.content.decode()
        assert ">Confirm</button>" in html and "Cancel booking…" in html and "Mark no-show" not in html

    def test_history_merges_state_changes_and_field_changes_with_personal_data_masked(
            self, staff_client, admin, booking):
        client = staff_client(admin)
        booking = booking_transition(booking=booking, to=BookingState.CONFIRMED, by=admin)
        client.post(f"/bookings/{booking.pk}/edit/", {
            "space": "white", "date": studio_time(2, 0).date().isoformat(), "start_time": 14, "hours": 2,
            "client_name": "Irina Petrova", "client_phone": "+7 916 765-43-21", "client_email": "irina@example.com",
            "special_requirements": "", "notes": "", "internal_notes": "", "source": "phone", "version": booking.version,
        })
        history = client.get(f"/bookings/{booking.pk}/").context["history"]
        kinds = [event["kind"] for event in history]
        assert kinds.count("state") == 2 and "change" in kinds
        assert [event["at"] for event in history] == sorted(event["at"] for event in history)
        changed = dict(next(e for e in history if e["kind"] == "change" and e["changes"])["changes"])
        assert "4321" not in str(changed) and "7654" not in str(changed)
        phone_change = next(values for field, values in changed.items() if "phone" in field.lower())
        assert phone_change[1] == "[hidden]"

    def test_a_manager_gets_404_for_another_spaces_booking(self, staff_client, manager, studio, caplog):
        other = BookingFactory(space=studio["loft"])
        client = staff_client(manager)
        response = client.get(f"/bookings/{other.pk}/")
        assert response.status_code == 404
        assert other.reference not in response.content.decode()
        assert any("denied" in record.message for record in caplog.records)

    def test_a_manager_sees_their_own_spaces_booking(self, staff_client, manager, booking):
        client = staff_client(manager)
        assert client.get(f"/bookings/{booking.pk}/").status_code == 200

    def test_unknown_booking_is_404(self, staff_client, admin):
        client = staff_client(admin)
        assert client.get("/bookings/999999/").status_code == 404


class TestTransitions:
    def test_confirm(self, staff_client, admin, booking):
        client = staff_client(admin)
        response = client.post(f"/bookings/{booking.pk}/transition/", {"to": "confirmed", "version": booking.version},
                               follow=True)
        assert f"{booking.reference} is now confirmed" in response.content.decode()
        booking.refresh_from_db()
        assert booking.state == BookingState.CONFIRMED

    def test_cancel_needs_a_reason_and_records_it(self, staff_client, admin, booking):
        client = staff_client(admin)
        response = client.post(f"/bookings/{booking.pk}/transition/", {"to": "cancelled"}, follow=True)
        assert "Give a reason" in response.content.decode()
        booking.refresh_from_db()
        assert booking.state == BookingState.PENDING
        client.post(f"/bookings/{booking.pk}/transition/", {"to": "cancelled", "reason": "Client ill"})
        assert BookingTransition.objects.get(to_state="cancelled").reason == "Client ill"

    def test_an_invalid_transition_is_refused_with_a_message(self, staff_client, admin, booking):
        client = staff_client(admin)
        response = client.post(f"/bookings/{booking.pk}/transition/", {"to": "completed"}, follow=True)
        assert "cannot become completed" in response.content.decode()
        booking.refresh_from_db()
        assert booking.state == BookingState.PENDING

    def test_no_show_only_from_the_start_time(self, staff_client, admin, booking):
        booking = booking_transition(booking=booking, to=BookingState.CONFIRMED, by=admin)
        client = staff_client(admin)
        html = client.post(f"/bookings/{booking.pk}/transition/", {"to": "no_show", "reason": "Did not come"},
                           follow=True).content.decode()
        assert "only be set from the start time" in html
        with time_machine.travel(booking.start + timedelta(minutes=30)):
            client = staff_client(admin)
            client.post(f"/bookings/{booking.pk}/transition/", {"to": "no_show", "reason": "Did not come"})
        booking.refresh_from_db()
        assert booking.state == BookingState.NO_SHOW

    def test_a_stale_click_is_refused(self, staff_client, admin, booking):
        loaded = booking.version
        booking_update(booking=booking, version=loaded, by=admin, notes="meanwhile")
        client = staff_client(admin)
        html = client.post(f"/bookings/{booking.pk}/transition/", {"to": "confirmed", "version": loaded},
                           follow=True).content.decode()
        assert "changed by someone else" in html
        assert Booking.objects.get().state == BookingState.PENDING

    def test_back_to_the_dashboard_when_confirmed_there(self, staff_client, admin, booking):
        client = staff_client(admin)
        response = client.post(f"/bookings/{booking.pk}/transition/", {"to": "confirmed", "next": "/dashboard/"})
        assert response["Location"] == "/dashboard/"

    def test_an_outside_next_is_not_followed(self, staff_client, admin, booking):
        client = staff_client(admin)
        response = client.post(f"/bookings/{booking.pk}/transition/",
                               {"to": "confirmed", "next": "https://evil.example/"})
        assert response["Location"] == f"/bookings/{booking.pk}/"

    def test_a_manager_cannot_change_another_spaces_booking(self, staff_client, manager, studio):
        other = BookingFactory(space=studio["loft"])
        client = staff_client(manager)
        assert client.post(f"/bookings/{other.pk}/transition/", {"to": "confirmed"}).status_code == 404
        assert client.post(f"/bookings/{other.pk}/payment/", {"payment_status": "paid"}).status_code == 404
        assert client.post(f"/bookings/{other.pk}/notes/", {"internal_notes": "x", "version": 1}).status_code == 404
        other.refresh_from_db()
        assert (other.state, other.payment_status, other.internal_notes) == ("pending", "pending", "")

    def test_get_is_not_allowed(self, staff_client, admin, booking):
        client = staff_client(admin)
        assert client.get(f"/bookings/{booking.pk}/transition/").status_code == 405

    def test_anonymous_cannot_change_anything(self, client, booking):
        assert client.post(f"/bookings/{booking.pk}/transition/", {"to": "confirmed"}).status_code == 302
        assert Booking.objects.get().state == BookingState.PENDING


class TestPaymentAndNotes:
    def test_payment_status(self, staff_client, manager, booking):
        client = staff_client(manager)
        response = client.post(f"/bookings/{booking.pk}/payment/",
                               {"payment_status": "deposit_paid", "version": booking.version}, follow=True)
        assert "deposit paid" in response.content.decode()
        assert Booking.objects.get().payment_status == PaymentStatus.DEPOSIT_PAID

    def test_an_unknown_payment_status_is_refused(self, staff_client, admin, booking):
        client = staff_client(admin)
        client.post(f"/bookings/{booking.pk}/payment/", {"payment_status": "stolen"})
        assert Booking.objects.get().payment_status == PaymentStatus.PENDING

    def test_internal_notes(self, staff_client, admin, booking):
        client = staff_client(admin)
        response = client.post(f"/bookings/{booking.pk}/notes/",
                               {"internal_notes": "Invoice the agency", "version": booking.version}, follow=True)
        assert "Internal notes saved" in response.content.decode()
        assert Booking.objects.get().internal_notes == "Invoice the agency"
