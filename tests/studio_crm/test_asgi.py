"""Under ASGI a request goes into its thread once: the middleware and the view run there together, and an
asynchronous stream still goes out from the event loop as it is made.

The application is asked directly (no server), in transactions of its own: the request's thread has its own
database connection, which sees only what is committed.
"""

import zlib

import pytest
from asgiref import sync
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.conf import settings

from studio_crm.asgi import django_asgi_app
from tests.bulk import bulk_bookings
from tests.signing_in import signed_in_session

pytestmark = pytest.mark.django_db(transaction=True)


def ask(path: str, *, query: str = "", headers: dict[str, str] | None = None) -> tuple[int, dict, list[bytes]]:
    """(status, headers, the body's chunks as sent) of a GET of ``path`` through the ASGI application."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
             "headers": [(b"host", b"testserver"), *((k.encode(), v.encode()) for k, v in (headers or {}).items())],
             "client": ("127.0.0.1", 50000), "server": ("testserver", 80)}

    async def exchange():
        communicator = ApplicationCommunicator(django_asgi_app, scope)
        await communicator.send_input({"type": "http.request", "body": b""})
        start, chunks = await communicator.receive_output(10), []
        while True:
            message = await communicator.receive_output(10)
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        await communicator.wait(10)
        return start["status"], {k.decode().lower(): v.decode() for k, v in start["headers"]}, chunks

    return async_to_sync(exchange)()


@pytest.fixture
def crossings(monkeypatch):
    """How many times requests crossed from the event loop into a thread, or back."""
    counted = {"crossings": 0}
    into_thread, back_to_loop = sync.SyncToAsync.__call__, sync.AsyncToSync.__call__

    async def counted_into_thread(self, *args, **kwargs):
        counted["crossings"] += 1
        return await into_thread(self, *args, **kwargs)

    def counted_back_to_loop(self, *args, **kwargs):
        counted["crossings"] += 1
        return back_to_loop(self, *args, **kwargs)

    monkeypatch.setattr(sync.SyncToAsync, "__call__", counted_into_thread)
    monkeypatch.setattr(sync.AsyncToSync, "__call__", counted_back_to_loop)
    return counted


@pytest.mark.parametrize("path", ["/healthz", "/bookings/", "/book/"])
def test_a_request_crosses_into_its_thread_once(path, crossings):
    ask(path)  # the first request of a process sets things up
    crossings["crossings"] = 0

    status, _headers, _body = ask(path)

    assert status in (200, 302)
    # This test's own call into the event loop; then the request signal, the middleware and view in one call,
    # the response's close (Django's own handler: nine).
    assert crossings["crossings"] - 1 <= 3, crossings


def test_a_csv_export_streams_from_the_event_loop_as_one_gzip_stream(owner, space):
    bulk_bookings(space, 1500)
    cookie = f"{settings.SESSION_COOKIE_NAME}={signed_in_session(owner)}"

    status, headers, chunks = ask("/bookings/export.csv", headers={"cookie": cookie, "accept-encoding": "gzip"})

    assert status == 200 and headers["content-encoding"] == "gzip" and "content-length" not in headers
    assert len([chunk for chunk in chunks if chunk]) > 2  # sent piece by piece, not built whole first
    stream = zlib.decompressobj(wbits=31)
    rows = stream.decompress(b"".join(chunks)).decode("utf-8-sig").splitlines()
    assert stream.eof and len(rows) == 1 + 1500
