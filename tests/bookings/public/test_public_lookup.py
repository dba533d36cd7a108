"""A guest looks a booking up with reference + phone, and may cancel it within the policy."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.errors import TransitionRefused
from bookings.models import Booking, BookingState, BookingTransition
from bookings.public import views as public_views
from bookings.services import booking_guest_cancel
from studio_crm.formatting import money
from tests.factories import BookingFactory, ClientFactory, studio_time

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_limits")]

NEUTRAL = "We could not find a booking with that reference and phone number."


@pytest.fixture
def booking(space):
    guest = ClientFactory(phone="+79161234567")
    return BookingFactory(space=space, client=guest, reference="REF-20260315-QW3E", client_name="<i>Irina</i>",
                          start=studio_time(5, 10), end=studio_time(5, 12))


def look_up(client, reference, phone):
    return client.post("/book/lookup/", {"reference": reference, "phone": phone})


class TestLookUp:
    def test_reference_and_phone_in_any_format_find_the_booking(self, client, booking):
        response = look_up(client, " ref-20260315-qw3e ", "8 (916) 123-45-67")
        assert response.status_code == 302 and response["Location"] == f"/book/lookup/{booking.reference}/"
        page = client.get(response["Location"]).content.decode()
        assert "Pending" in page and "White Hall" in page and money(5000) in page
        assert "&lt;i&gt;Irina&lt;/i&gt;" in page and "Cancel booking" in page

    @pytest.mark.parametrize("reference, phone", [
        ("REF-20260315-QW3E", "+7 916 000-00-00"),  # wrong phone
        ("REF-20260315-ZZZZ", "+7 916 123-45-67"),  # wrong reference
        ("REF-20260315-QW3E", "not a phone"),  # not a phone at all
        ("<script>", "+7 916 123-45-67"),
    ])
    def test_any_wrong_half_gets_the_same_neutral_answer(self, client, booking, reference, phone):
        response = look_up(client, reference, phone)
        page = response.content.decode()
        assert response.status_code == 404 and NEUTRAL in page
        assert "White Hall" not in page and booking.reference not in page.replace(reference, "")

    def test_without_proof_the_booking_page_is_not_shown(self, client, booking):
        assert client.get(f"/book/lookup/{booking.reference}/").status_code == 404

    def test_too_many_look_ups_get_429(self, client, booking, settings):
        settings.PUBLIC_RATE_LIMITS = {**settings.PUBLIC_RATE_LIMITS, "lookup_ip": "3/h"}
        for _ in range(3):
            look_up(client, "REF-20260315-ZZZZ", "+7 916 123-45-67")
        response = look_up(client, booking.reference, "+7 916 123-45-67")
        assert response.status_code == 429 and int(response["Retry-After"]) > 0

    def test_look_ups_of_one_phone_are_limited_from_any_address(self, client, booking, settings):
        settings.PUBLIC_RATE_LIMITS = {**settings.PUBLIC_RATE_LIMITS, "lookup_phone": "2/h"}
        for address in ("10.0.0.1", "10.0.0.2"):
            client.post("/book/lookup/", {"reference": "REF-20260315-ZZZZ", "phone": "+79161234567"}, REMOTE_ADDR=address)
        response = client.post("/book/lookup/", {"reference": booking.reference, "phone": "+79161234567"},
                               REMOTE_ADDR="10.0.0.3")
        assert response.status_code == 429


class TestCancel:
    def proven(self, client, booking):
        look_up(client, booking.reference, "+79161234567")

    def test_the_guest_cancels_with_a_reason(self, client, booking):
        self.proven(client, booking)
        response = client.post(f"/book/lookup/{booking.reference}/cancel/", {"reason": "Model is ill"}, follow=True)
        booking.refresh_from_db()
        assert booking.state == BookingState.CANCELLED
        transition = BookingTransition.objects.get(booking=booking, to_state=BookingState.CANCELLED)
        assert transition.actor is None and transition.actor_kind == "guest" and transition.reason == "Model is ill"
        assert "is cancelled" in response.content.decode()

    def test_a_reason_is_required(self, client, booking):
        self.proven(client, booking)
        response = client.post(f"/book/lookup/{booking.reference}/cancel/", {"reason": ""})
        booking.refresh_from_db()
        assert response.status_code == 400 and booking.state == BookingState.PENDING
        assert "why you are cancelling" in response.content.decode()

    def test_inside_the_notice_period_the_guest_must_call(self, client, space, settings):
        guest = ClientFactory(phone="+79161234567")
        soon = BookingFactory(space=space, client=guest, reference="REF-20260315-SOON",
                              start=studio_time(1, 9), end=studio_time(1, 10))
        settings.GUEST_CANCELLATION_HOURS = 24 * 3
        self.proven(client, soon)
        page = client.get(f"/book/lookup/{soon.reference}/").content.decode()
        assert "Cancel booking" not in page and "please call the studio" in page
        response = client.post(f"/book/lookup/{soon.reference}/cancel/", {"reason": "Late"}, follow=True)
        soon.refresh_from_db()
        assert soon.state == BookingState.PENDING and "can no longer be cancelled online" in response.content.decode()

    def test_a_booking_moved_into_the_notice_period_meanwhile_is_not_cancelled(self, client, booking, monkeypatch):
        """The page loaded the booking a moment before staff moved it to tomorrow morning: the late move wins."""
        self.proven(client, booking)
        load = public_views.get_booking_for_guest
        soon = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)

        def load_then_staff_move_it(request, reference):
            loaded = load(request, reference)
            Booking.objects.filter(pk=loaded.pk).update(start=soon, end=soon + timedelta(hours=2))
            return loaded

        monkeypatch.setattr(public_views, "get_booking_for_guest", load_then_staff_move_it)
        response = client.post(f"/book/lookup/{booking.reference}/cancel/", {"reason": "Model is ill"}, follow=True)
        booking.refresh_from_db()
        assert booking.state == BookingState.PENDING and "can no longer be cancelled online" in response.content.decode()
        assert not BookingTransition.objects.filter(booking=booking, to_state=BookingState.CANCELLED).exists()

    def test_the_guest_cancel_service_checks_the_notice_on_the_current_row(self, booking):
        stale = Booking.objects.get(pk=booking.pk)
        soon = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
        Booking.objects.filter(pk=booking.pk).update(start=soon, end=soon + timedelta(hours=2))
        with pytest.raises(TransitionRefused, match="can no longer be cancelled online"):
            booking_guest_cancel(booking=stale, reason="Model is ill")
        booking.refresh_from_db()
        assert booking.state == BookingState.PENDING

    def test_cancel_without_proof_is_404(self, client, booking):
        response = client.post(f"/book/lookup/{booking.reference}/cancel/", {"reason": "x"})
        booking.refresh_from_db()
        assert response.status_code == 404 and booking.state == BookingState.PENDING
