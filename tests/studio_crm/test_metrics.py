"""The business metrics Prometheus reads from /metrics, and that they move when the studio's work happens."""

import json
import re

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from prometheus_client.parser import text_string_to_metric_families

from bookings.models import BookingState
from bookings.services import booking_create, booking_guest_cancel, booking_transition
from notifications import delivery
from studio_crm.gauges import StudioCollector
from tests.factories import studio_time
from tests.live import board_socket
from tests.signing_in import session_cookie

pytestmark = pytest.mark.usefixtures("fresh_limits")

NAMES = ["studio_bookings_created", "studio_booking_conflicts", "studio_booking_transitions",
         "studio_guest_cancellations", "studio_notification_deliveries", "studio_sign_in_failures",
         "studio_sign_in_lockouts", "studio_websocket_connections", "studio_outbox_messages"]


def scrape(client) -> dict[tuple[str, tuple], float]:
    """Every sample on /metrics: (name, sorted labels) -> value."""
    response = client.get("/metrics")
    assert response.status_code == 200
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.content.decode()) for sample in family.samples}


def value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def moved(client, django_capture_on_commit_callbacks):
    """``moved(change, name, **labels)``: how far the sample ``name{labels}`` on /metrics moves while
    ``change()`` runs and commits (its on-commit events sent, as after a real commit)."""

    def measure(change, name: str, **labels) -> float:
        before = value(scrape(client), name, **labels)
        with django_capture_on_commit_callbacks(execute=True):
            change()
        return value(scrape(client), name, **labels) - before

    return measure


def guest_booking(client, hour=10):
    day = studio_time(2, hour)
    return client.post("/api/v1/bookings", json.dumps({
        "date": f"{day:%Y-%m-%d}", "startTime": f"{hour:02d}:00", "endTime": f"{hour + 2:02d}:00", "space": "white",
        "clientName": "Irina Petrova", "clientPhone": "+7 916 123-45-67", "clientEmail": "irina@example.com",
        "consent": True}), content_type="application/json")


def test_metrics_lists_the_studios_own_families(client, db):
    names = {family.name for family in text_string_to_metric_families(client.get("/metrics").content.decode())}
    assert set(NAMES) <= names


def test_the_dashboard_charts_only_metrics_the_studio_exposes(client, db):
    dashboard = json.loads((settings.BASE_DIR / "deploy" / "grafana" / "studio-crm.json").read_text())
    charted = {re.sub(r"_(total|bucket)$", "", name) for panel in dashboard["panels"]
               for target in panel.get("targets", ()) for name in re.findall(r"\b(?:studio|django)_\w+", target["expr"])}
    exposed = {family.name for family in text_string_to_metric_families(client.get("/metrics").content.decode())}
    # Families read only with Redis (the RQ queue) or on PostgreSQL (the pool) are named all the same.
    exposed |= {family.name for family in StudioCollector().describe()}
    assert charted and charted <= exposed


class TestBookings:
    def test_a_guest_booking_and_a_conflict(self, client, space, moved):
        created = moved(lambda: guest_booking(client), "studio_bookings_created_total", source="website",
                        state="pending")
        conflicts = moved(lambda: guest_booking(client, hour=11), "studio_booking_conflicts_total", kind="booked")
        assert (created, conflicts) == (1, 1)

    def test_a_transition_and_a_guest_cancellation(self, owner, space, moved):
        booking = booking_create(space=space, start=studio_time(3, 10), end=studio_time(3, 12), by=owner,
                                 client_name="Irina Petrova", client_phone="+7 916 123-45-67")
        confirmed = moved(lambda: booking_transition(booking=booking, to=BookingState.CONFIRMED, by=owner),
                          "studio_booking_transitions_total", from_state="pending", to_state="confirmed")
        cancelled = moved(lambda: booking_guest_cancel(booking=booking, reason="Plans changed"),
                          "studio_guest_cancellations_total")
        assert (confirmed, cancelled) == (1, 1)

    def test_staff_cancelling_is_no_guest_cancellation(self, owner, space, moved):
        booking = booking_create(space=space, start=studio_time(3, 10), end=studio_time(3, 12), by=owner,
                                 client_name="Irina Petrova", client_phone="+7 916 123-45-67")
        cancelled = moved(lambda: booking_transition(booking=booking, to=BookingState.CANCELLED, by=owner,
                                                     reason="Called"), "studio_guest_cancellations_total")
        assert cancelled == 0


class TestNotifications:
    def test_the_outbox_depth_and_a_delivery(self, client, space, moved):
        booking_create(space=space, start=studio_time(3, 10), end=studio_time(3, 12), by=None,
                       client_name="Irina Petrova", client_phone="+7 916 123-45-67", client_email="irina@example.com")
        assert value(scrape(client), "studio_outbox_messages", channel="email", status="queued") == 1
        sent = moved(delivery.deliver_due, "studio_notification_deliveries_total", channel="email", outcome="sent")
        assert sent == 1
        assert value(scrape(client), "studio_outbox_messages", channel="email", status="queued") == 0


class TestSignIn:
    def test_failures_and_a_lockout(self, client, manager, moved):
        def fail():
            client.post("/login/", {"username": "manager", "password": "not-the-password"}, REMOTE_ADDR="10.0.0.9")

        assert moved(fail, "studio_sign_in_failures_total") == 1
        # The failure that reaches the limit locks the account out from this address; each try after it is refused.
        locking = moved(lambda: [fail() for _ in range(settings.AXES_FAILURE_LIMIT - 1)],
                        "studio_sign_in_lockouts_total")
        assert (locking, moved(fail, "studio_sign_in_lockouts_total")) == (1, 1)


@pytest.mark.django_db(transaction=True)
def test_open_boards_are_counted_until_they_close(client, owner):
    def board_count() -> float:
        return value(scrape(client), "studio_websocket_connections", page="kanban")

    async def scenario():
        before = await sync_to_async(board_count)()
        socket = board_socket(await sync_to_async(session_cookie)(owner))
        connected, _ = await socket.connect()
        assert connected
        opened = await sync_to_async(board_count)()
        await socket.disconnect()
        return before, opened, await sync_to_async(board_count)()

    before, opened, closed = async_to_sync(scenario)()
    assert (opened - before, closed) == (1, before)


@pytest.mark.postgres
@pytest.mark.skipif(not settings.IS_POSTGRES, reason="the connection pool is PostgreSQL's")
def test_the_connection_pool_is_on_metrics(client, db):
    samples = scrape(client)
    assert value(samples, "studio_db_pool_connections", state="max") == settings.DATABASES["default"]["OPTIONS"][
        "pool"]["max_size"]
    assert ("studio_db_pool_timeouts_total", ()) in samples
