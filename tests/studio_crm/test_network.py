import pytest
from django.test import RequestFactory

from studio_crm.network import client_ip


def request(remote="10.0.0.2", forwarded=None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


def test_without_proxies_the_forwarded_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request(forwarded="1.2.3.4")) == "10.0.0.2"


def test_behind_one_proxy_the_address_it_saw_is_used_and_spoofed_entries_are_not(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request(forwarded="6.6.6.6, 203.0.113.9")) == "203.0.113.9"


def test_a_short_header_falls_back_to_the_socket_address(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request(forwarded="203.0.113.9")) == "10.0.0.2"


@pytest.mark.parametrize("entry", ["not-an-ip", "1.2.3.4:5678", "[::1]", "999.1.1.1"])
def test_an_entry_that_is_not_an_address_is_not_believed(settings, entry):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request(forwarded=f"203.0.113.9, {entry}")) == "10.0.0.2"


@pytest.mark.django_db
@pytest.mark.usefixtures("fresh_limits")
@pytest.mark.parametrize("entry", ["not-an-ip", "1.2.3.4:5678"])
def test_a_failed_sign_in_and_a_guest_booking_behind_a_confused_proxy_are_not_500(client, settings, space, entry):
    settings.TRUSTED_PROXY_COUNT = 1
    failed = client.post("/login/", {"username": "owner", "password": "wrong"}, HTTP_X_FORWARDED_FOR=entry)
    assert failed.status_code in (400, 429)
    booked = client.post("/api/v1/bookings", {}, content_type="application/json", HTTP_X_FORWARDED_FOR=entry)
    assert booked.status_code == 400
