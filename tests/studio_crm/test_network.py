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
