"""The employee's own session list: device, address, last seen; revoking signs a session out."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models.signals import pre_save
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from employees.models import Role, StaffSession
from tests.factories import EmployeeFactory

from .conftest import sign_in, sign_in_fully

PHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Version/17.4 Mobile/15E148 Safari/604.1"
DESKTOP_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"


def two_sessions(client, manager):
    phone = client.__class__(HTTP_USER_AGENT=PHONE_UA)
    sign_in_fully(phone, "manager", ip="10.0.0.7")
    desktop = client.__class__(HTTP_USER_AGENT=DESKTOP_UA)
    sign_in_fully(desktop, "manager", ip="10.0.0.8")
    return phone, desktop


def test_sessions_are_listed_with_device_address_and_this_session(client, manager):
    phone, desktop = two_sessions(client, manager)
    response = desktop.get("/account/sessions/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Safari on iPhone" in html and "Chrome on Windows" in html
    assert "10.0.0.7" in html and "10.0.0.8" in html
    assert html.count("This session") == 1
    current = response.context["current_key"]
    assert StaffSession.objects.get(session_key=current).user_agent == DESKTOP_UA


def test_sessions_past_their_lifetime_are_not_listed(client, manager, settings):
    phone, desktop = two_sessions(client, manager)
    StaffSession.objects.filter(ip="10.0.0.7").update(
        created_at=timezone.now() - timedelta(hours=settings.STAFF_SESSION_MAX_HOURS, minutes=1)
    )
    html = desktop.get("/account/sessions/").content.decode()
    assert "10.0.0.8" in html and "10.0.0.7" not in html


def test_revoked_session_is_signed_out_on_its_next_request(client, manager):
    phone, desktop = two_sessions(client, manager)
    phone_session = StaffSession.objects.get(ip="10.0.0.7")
    response = desktop.post(f"/account/sessions/{phone_session.pk}/revoke/")
    assert response.status_code == 302
    assert phone.get("/account/").status_code == 302
    assert desktop.get("/account/").status_code == 200
    assert not StaffSession.objects.filter(pk=phone_session.pk).exists()


def test_sign_out_everywhere_else(client, manager):
    phone, desktop = two_sessions(client, manager)
    third = client.__class__()
    sign_in_fully(third, "manager", ip="10.0.0.9")
    assert desktop.post("/account/sessions/others/revoke/").status_code == 302
    assert phone.get("/account/").status_code == 302
    assert third.get("/account/").status_code == 302
    assert desktop.get("/account/").status_code == 200
    assert StaffSession.objects.filter(employee=manager).count() == 1


def test_revoking_this_session_signs_out(client, manager):
    sign_in_fully(client, "manager")
    mine = StaffSession.objects.get(employee=manager)
    response = client.post(f"/account/sessions/{mine.pk}/revoke/")
    assert response["Location"] == "/login/"
    assert client.get("/account/").status_code == 302


def test_someone_elses_session_cannot_be_revoked(staff_client, manager, admin):
    client = staff_client(admin)
    other = client.__class__()
    sign_in_fully(other, "manager")
    their_session = StaffSession.objects.get(employee=manager)
    assert client.post(f"/account/sessions/{their_session.pk}/revoke/").status_code == 404
    assert other.get("/account/").status_code == 200


def test_sign_out_removes_the_session_from_the_list(client, manager):
    sign_in_fully(client, "manager")
    assert StaffSession.objects.filter(employee=manager).count() == 1
    client.post("/logout/")
    assert StaffSession.objects.filter(employee=manager).count() == 0


def test_deactivating_an_employee_ends_their_sessions(staff_client, owner, manager):
    client = staff_client(owner)
    phone, desktop = two_sessions(client, manager)
    response = client.post(f"/employees/{manager.pk}/deactivate/")
    assert response.status_code == 302
    assert phone.get("/account/").status_code == 302
    assert desktop.get("/account/").status_code == 302
    assert not StaffSession.objects.filter(employee=manager).exists()
    assert sign_in(client.__class__(), "manager").status_code == 400

    client.post(f"/employees/{manager.pk}/reactivate/")
    assert sign_in(client.__class__(), "manager").status_code == 302


def test_reset_two_step_deletes_devices_and_signs_out(staff_client, owner, manager, authenticator):
    authenticator(manager)
    phone = staff_client(manager)
    client = staff_client(owner)
    assert client.post(f"/employees/{manager.pk}/reset-mfa/").status_code == 302
    assert not TOTPDevice.objects.filter(user=manager).exists()
    assert phone.get("/account/").status_code == 302


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a second connection writing meanwhile")
@pytest.mark.django_db(transaction=True)
def test_two_first_requests_of_one_session_share_one_row(staff_client):
    manager = EmployeeFactory(username="manager", role=Role.MANAGER)
    client = staff_client(manager)
    StaffSession.objects.all().delete()
    key = client.session.session_key

    def the_other_request_records_it_first(sender, instance, **kwargs):
        if instance._state.adding and instance.session_key == key:
            pre_save.disconnect(the_other_request_records_it_first, sender=StaffSession)

            def record():
                try:
                    StaffSession.objects.bulk_create([StaffSession(employee=manager, session_key=key)])
                finally:
                    connection.close()

            other = threading.Thread(target=record)
            other.start()
            other.join()

    pre_save.connect(the_other_request_records_it_first, sender=StaffSession)
    try:
        assert client.get("/account/").status_code == 200
    finally:
        pre_save.disconnect(the_other_request_records_it_first, sender=StaffSession)
    assert StaffSession.objects.filter(session_key=key, employee=manager).count() == 1
