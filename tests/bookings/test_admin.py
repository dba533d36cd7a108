from datetime import timedelta

import pytest

from bookings.models import BookingState, PaymentStatus
from tests.factories import BookingFactory, ClientFactory, EquipmentFactory, PromoCodeFactory

pytestmark = pytest.mark.django_db

# The audit trail is read on /compliance/audit/, not in the admin.
CHANGELISTS = ["bookings/booking", "bookings/space", "bookings/equipment", "bookings/promocode", "bookings/client",
               "bookings/bookingtransition", "bookings/calendarblock", "employees/employee"]


@pytest.fixture
def scene(space):
    EquipmentFactory()
    PromoCodeFactory()
    return BookingFactory(space=space, client_name="<b>Bold</b> Guest")


@pytest.mark.parametrize("changelist", CHANGELISTS)
def test_owner_sees_every_list_in_the_admin(staff_client, owner, scene, changelist):
    client = staff_client(owner)
    response = client.get(f"/admin/{changelist}/")
    assert response.status_code == 200


def test_booking_page_shows_history_and_escapes_names(staff_client, owner, scene):
    client = staff_client(owner)
    response = client.get(f"/admin/bookings/booking/{scene.pk}/change/")
    assert response.status_code == 200
    assert b"<b>Bold</b>" not in response.content
    assert b"&lt;b&gt;Bold&lt;/b&gt; Guest" in response.content


def test_admin_actions_go_through_the_state_machine(staff_client, owner, space):
    pending = BookingFactory(space=space, state=BookingState.PENDING)
    completed = BookingFactory(space=space, state=BookingState.COMPLETED, start=pending.start.replace(hour=15))
    client = staff_client(owner)
    response = client.post("/admin/bookings/booking/", {"action": "confirm_selected",
                                                        "_selected_action": [pending.pk, completed.pk]}, follow=True)
    pending.refresh_from_db()
    completed.refresh_from_db()
    assert pending.state == BookingState.CONFIRMED
    assert completed.state == BookingState.COMPLETED
    assert "completed booking cannot become confirmed" in response.content.decode()
    client.post("/admin/bookings/booking/", {"action": "mark_paid", "_selected_action": [pending.pk]})
    pending.refresh_from_db()
    assert pending.payment_status == PaymentStatus.PAID
    assert pending.transitions.last().actor == owner


def test_a_manager_cannot_open_the_admin(staff_client, manager):
    client = staff_client(manager)
    assert client.get("/admin/").status_code == 302


def test_the_admin_cannot_close_a_hall_over_active_bookings(staff_client, owner, space):
    from bookings.models import CalendarBlock
    from tests.factories import studio_time

    booking = BookingFactory(space=space, state=BookingState.CONFIRMED, start=studio_time(2, 10))
    client = staff_client(owner)
    form = {"space": space.pk, "kind": "maintenance", "note": "",
            "start_0": studio_time(2, 9).strftime("%Y-%m-%d"), "start_1": "09:00:00",
            "end_0": studio_time(2, 9).strftime("%Y-%m-%d"), "end_1": "13:00:00"}
    response = client.post("/admin/bookings/calendarblock/add/", form)
    assert response.status_code == 200
    assert booking.reference in response.content.decode()
    assert not CalendarBlock.objects.exists()
    form.update(start_1="15:00:00", end_1="18:00:00")
    response = client.post("/admin/bookings/calendarblock/add/", form)
    assert response.status_code == 302
    assert CalendarBlock.objects.get().created_by == owner


def test_the_admin_searches_bookings_as_the_back_office_does(staff_client, owner, space):
    irina = BookingFactory(space=space, client=ClientFactory(name="Irina Petrova", phone="+79165550137"))
    other = BookingFactory(space=space, client_name="Oleg Sidorov", start=irina.start + timedelta(days=1),
                           end=irina.end + timedelta(days=1))
    client = staff_client(owner)

    for term in ("petrova", "8 (916) 555-01-37", irina.reference.lower()):
        page = client.get("/admin/bookings/booking/", {"q": term}).content.decode()
        assert irina.reference in page and other.reference not in page, term
