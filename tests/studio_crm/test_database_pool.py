"""A burst of guests never takes the database down: each process holds a bounded pool of connections, and a
request that finds none free in time is told to retry (503 with Retry-After), never shown a 500."""

import json
import logging
import uuid
from collections import Counter
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from psycopg_pool import PoolTimeout

from tests.factories import SpaceFactory
from tests.live import asgi_server, burst, guest_burst, server_connections

POOL_MAX = 4


def _statuses(answers) -> Counter:
    return Counter(answer.status for answer in answers)


def _no_free_connection():
    """The next connection this thread asks the pool for does not come within the timeout."""
    connection.close()
    return mock.patch.object(connection, "get_new_connection",
                             side_effect=PoolTimeout("couldn't get a connection after 10.00 sec"))


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fresh_limits")
def test_a_guest_who_finds_no_free_connection_is_told_to_retry_in_the_apis_error_shape(client, space, caplog):
    tomorrow = timezone.localdate() + timedelta(days=1)
    with _no_free_connection():
        response = client.get(f"/api/v1/availability?space={space.slug}&date={tomorrow}")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"] == "application/json"
    error = json.loads(response.content)["error"]
    assert error["code"] == "unavailable" and "try again" in error["message"]
    problems = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert [(record.name, record.levelname) for record in problems] == [("studio.database", "WARNING")]
    assert "/api/v1/availability" in problems[0].getMessage()


@pytest.mark.django_db(transaction=True)
def test_a_page_that_finds_no_free_connection_says_so_instead_of_failing(client, space, caplog):
    with _no_free_connection():
        response = client.get("/book/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    html = response.content.decode()
    assert "Busy right now" in html and "try again in a few seconds" in html
    assert [record.levelname for record in caplog.records if record.levelno >= logging.WARNING] == ["WARNING"]


@pytest.mark.django_db(transaction=True)
def test_a_database_server_that_refuses_connections_is_a_503_and_an_error_in_the_log(client, space, caplog):
    from django.db import OperationalError

    connection.close()
    refused = OperationalError("connection failed: FATAL:  sorry, too many clients already")
    with mock.patch.object(connection, "get_new_connection", side_effect=refused):
        response = client.get("/book/")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    problems = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert [(record.name, record.levelname) for record in problems] == [("studio.database", "ERROR")]


@pytest.mark.django_db(transaction=True)
def test_liveness_does_not_wait_for_the_database(client):
    with _no_free_connection():
        response = client.get("/healthz")
    assert response.status_code == 200


def _pooled_server(name: str, *, pool_max: int, timeout: str):
    return asgi_server(server="uvicorn", env={
        "PGAPPNAME": name, "DATABASE_POOL_MIN": "1", "DATABASE_POOL_MAX": str(pool_max),
        "DATABASE_POOL_TIMEOUT": timeout,
    })


@pytest.mark.postgres
@pytest.mark.skipif(not settings.IS_POSTGRES, reason="the connection pool is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fresh_limits")
def test_a_burst_larger_than_the_pool_is_answered_and_holds_at_most_the_pool():
    space = SpaceFactory(slug="burst-hall")
    name = f"studio-test-{uuid.uuid4().hex[:12]}"
    with _pooled_server(name, pool_max=POOL_MAX, timeout="30") as url:
        answers, peak = burst(guest_burst(url, space=space.slug, day=timezone.localdate() + timedelta(days=1)),
                              count_connections=lambda: server_connections(name))
        held = server_connections(name)
    assert _statuses(answers) == {200: 80}
    assert 1 <= peak <= POOL_MAX
    assert 1 <= held <= POOL_MAX


@pytest.mark.postgres
@pytest.mark.skipif(not settings.IS_POSTGRES, reason="the connection pool is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fresh_limits")
def test_a_burst_the_pool_cannot_absorb_in_time_is_told_to_retry_never_500():
    space = SpaceFactory(slug="burst-hall")
    name = f"studio-test-{uuid.uuid4().hex[:12]}"
    with _pooled_server(name, pool_max=1, timeout="0.05") as url:
        answers, peak = burst(guest_burst(url, space=space.slug, day=timezone.localdate() + timedelta(days=1)),
                              count_connections=lambda: server_connections(name))
    statuses = _statuses(answers)
    assert set(statuses) == {200, 503} and statuses[503] > 0, statuses
    assert all(answer.retry_after == "5" for answer in answers if answer.status == 503)
    assert peak <= 1


@pytest.mark.django_db(transaction=True)
def test_a_websocket_that_finds_no_free_connection_is_told_to_try_again_later(owner, caplog):
    from asgiref.sync import async_to_sync
    from channels.testing import WebsocketCommunicator

    from studio_crm.asgi import application
    from tests.signing_in import session_cookie

    cookie = session_cookie(owner)

    async def connect():
        socket = WebsocketCommunicator(application, "/ws/kanban/", headers=[
            (b"cookie", cookie.encode()), (b"origin", b"http://localhost"), (b"host", b"localhost")])
        connected, code = await socket.connect()
        await socket.disconnect()
        return connected, code

    with _no_free_connection():  # in this thread: the one the consumers' database work runs in
        assert async_to_sync(connect)() == (False, 1013)
    assert any(record.name == "studio.database" and "websocket" in record.getMessage() for record in caplog.records)
