import pytest

pytestmark = pytest.mark.django_db


def test_liveness_answers_without_touching_anything(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readiness_checks_database_cache_channel_layer_and_queue(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "channel_layer": "ok", "queue": "ok"}


def test_readiness_reports_a_broken_cache_as_unavailable(client, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr("studio_crm.health.cache.set", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "error: ConnectionError"


def test_metrics_need_a_token_or_an_allowed_address(client, settings):
    settings.METRICS_TOKEN = "s3cret"
    settings.METRICS_ALLOWED_IPS = []
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret")
    assert response.status_code == 200
    assert b"django_http_requests" in response.content
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1"]
    assert client.get("/metrics").status_code == 200


def test_behind_a_proxy_metrics_judge_the_client_address_not_the_proxys(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1", "10.0.0.7"]
    settings.TRUSTED_PROXY_COUNT = 1
    # The proxy runs on the same machine: every request reaches Django from 127.0.0.1.
    from_outside = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert from_outside.status_code == 403
    spoofed = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.0.0.7, 203.0.113.5")
    assert spoofed.status_code == 403
    from_prometheus = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.0.0.7")
    assert from_prometheus.status_code == 200


def test_the_root_sends_guests_to_booking_and_staff_to_their_dashboard(client, staff_client, owner):
    assert client.get("/")["Location"] == "/book/"
    assert staff_client(owner).get("/")["Location"] == "/dashboard/"
