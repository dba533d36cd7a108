"""Under ASGI a request goes into its thread once: the middleware and the view run there together, and an
asynchronous stream still goes out from the event loop as it is made.

The application is asked directly (no server), in transactions of its own: the request's thread has its own
database connection, which sees only what is committed.
"""

import zlib

import pytest
from asgiref import sync
from django.conf import settings

from tests.asgi_requests import ask
from tests.bulk import bulk_bookings
from tests.signing_in import signed_in_session

pytestmark = pytest.mark.django_db(transaction=True)


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
