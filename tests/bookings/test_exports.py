"""/bookings/export.csv as an ASGI server sends it: streamed while it is read, in bounded memory; and an export
too large to stream, prepared as a file that only the employee who asked for it can download."""

import csv
import io
import os
import tracemalloc
from datetime import timedelta

import pytest
import time_machine
from asgiref.sync import async_to_sync
from django.conf import settings
from django.test import AsyncClient
from django.utils import timezone

from bookings import exports, pii
from studio_crm.jobs import jobs_wait_idle
from tests.bulk import bulk_bookings
from tests.factories import BookingFactory
from tests.signing_in import signed_in_session


def asgi_client(employee) -> AsyncClient:
    """A client of the ASGI handler, as uvicorn or daphne run the studio, signed in as ``employee`` (made
    outside the event loop: the test's database connection belongs to its own thread)."""
    client = AsyncClient()
    client.cookies[settings.SESSION_COOKIE_NAME] = signed_in_session(employee)
    return client


def table(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


class TestStreamingUnderAsgi:
    def test_the_first_rows_arrive_before_the_rest_are_read(self, owner, space, monkeypatch):
        bulk_bookings(space, 2 * exports.CHUNK_ROWS + 500)
        decrypted = []
        monkeypatch.setattr(pii, "decrypt", lambda token, real=pii.decrypt: decrypted.append(1) or real(token))

        client = asgi_client(owner)

        async def scenario():
            response = await client.get("/bookings/export.csv")
            assert response.streaming and response["Content-Type"].startswith("text/csv")
            received = []
            # As the ASGI handler sends a response: through its asynchronous iterator.
            async for chunk in aiter(response):
                received.append((chunk, len(decrypted)))
            return received

        received = async_to_sync(scenario)()
        header, first_rows = received[0][0], received[1]
        assert table(header.decode())[0][:3] == ["reference", "space", "start"]
        # The first rows went out when one chunk of the bookings had been read, not the whole history.
        assert len(table(first_rows[0].decode())) == exports.CHUNK_ROWS
        assert first_rows[1] <= exports.CHUNK_ROWS < len(decrypted)
        assert sum(len(table(chunk.decode())) for chunk, _ in received) == 1 + 2 * exports.CHUNK_ROWS + 500

    def test_memory_stays_bounded_whatever_the_rows(self, owner, space):
        bulk_bookings(space, 50_000, clients=500)

        client = asgi_client(owner)

        async def scenario():
            response = await client.get("/bookings/export.csv")
            size = 0
            async for chunk in aiter(response):
                size += len(chunk)
            return size

        tracemalloc.start()
        try:
            size = async_to_sync(scenario)()
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert size > 5_000_000  # the file is larger than what the export holds at once
        assert peak < 3_000_000

    def test_a_manager_streams_only_their_spaces(self, manager, studio):
        mine = BookingFactory(space=studio["white"])
        BookingFactory(space=studio["loft"])

        client = asgi_client(manager)

        async def scenario():
            response = await client.get("/bookings/export.csv")
            return b"".join([chunk async for chunk in aiter(response)]).decode()

        assert [row[0] for row in table(async_to_sync(scenario)())[1:]] == [mine.reference]


@pytest.fixture
def exports_root(settings, tmp_path):
    """Export files in a directory of the test's own; more than three bookings make a large export, prepared
    by a thread of this process as on the embedded defaults."""
    settings.EXPORTS_ROOT = tmp_path / "exports"
    settings.EXPORT_INLINE_ROWS = 3
    settings.RQ_ENABLED = False
    return settings.EXPORTS_ROOT


def ask_for_file(client, query: str = "") -> str:
    """Follow the export link past the limit, ask for the file, wait for the job: the download's URL."""
    answer = client.get(f"/bookings/export.csv?{query}")
    assert answer.status_code == 302 and answer["Location"].startswith("/bookings/exports/?query=")
    page = client.get(answer["Location"])
    assert "Prepare the file" in page.content.decode()
    asked = client.post("/bookings/exports/new/", {"query": page.context["asked_query"]})
    assert asked.status_code == 302
    assert jobs_wait_idle()
    (export,) = client.get("/bookings/exports/").context["files"]
    assert export.status == "ready"
    return f"/bookings/exports/{export.id}.csv"


@pytest.mark.django_db(transaction=True)
class TestLargeExports:
    def test_a_large_export_is_prepared_as_a_file_and_downloaded_when_ready(self, staff_client, owner, studio,
                                                                              exports_root):
        loft = [BookingFactory(space=studio["loft"], start=timezone.now() + timedelta(days=day)) for day in range(1, 6)]
        BookingFactory(space=studio["white"])
        client = staff_client(owner)
        url = ask_for_file(client, "space=loft")
        page = client.get("/bookings/exports/").content.decode()
        assert url in page and "Ready" in page
        download = client.get(url)
        assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
        rows = table(b"".join(download.streaming_content).decode("utf-8"))
        assert rows[0][:2] == ["reference", "space"]
        assert [row[0] for row in rows[1:]] == [booking.reference for booking in reversed(loft)]

    def test_a_small_export_still_downloads_at_once(self, staff_client, owner, space, exports_root):
        BookingFactory(space=space)
        answer = staff_client(owner).get("/bookings/export.csv")
        assert answer.status_code == 200 and answer.streaming

    def test_the_file_is_refused_to_other_employees(self, staff_client, owner, admin, space, exports_root):
        for day in range(1, 6):
            BookingFactory(space=space, start=timezone.now() + timedelta(days=day))
        url = ask_for_file(staff_client(owner))
        other = staff_client(admin)
        assert other.get(url).status_code == 404
        assert other.get("/bookings/exports/").context["files"] == []
        assert staff_client(owner).get(url).status_code == 200

    def test_the_file_is_deleted_once_it_expires(self, staff_client, owner, space, exports_root):
        for day in range(1, 6):
            BookingFactory(space=space, start=timezone.now() + timedelta(days=day))
        client = staff_client(owner)
        url = ask_for_file(client)
        with time_machine.travel(timezone.now() + timedelta(hours=settings.EXPORT_KEEP_HOURS, minutes=1)):
            assert exports.exports_expire() == 1
            client = staff_client(owner)
            assert client.get(url).status_code == 404
            assert client.get("/bookings/exports/").context["files"] == []
        assert not any(exports_root.rglob("*.csv"))


@pytest.mark.redis
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL)")
def test_with_redis_the_file_is_written_by_a_worker(staff_client, owner, space, exports_root, settings,
                                                    django_capture_on_commit_callbacks):
    import django_rq
    from rq import SimpleWorker

    settings.RQ_ENABLED = True
    queue = django_rq.get_queue("default")
    queue.empty()
    for day in range(1, 6):
        BookingFactory(space=space, start=timezone.now() + timedelta(days=day))
    client = staff_client(owner)
    with django_capture_on_commit_callbacks(execute=True):  # django-rq enqueues once the request commits
        client.post("/bookings/exports/new/", {"query": ""})
    assert queue.count == 1
    page = client.get("/bookings/exports/")
    (waiting,) = page.context["files"]
    # While it is being prepared, the list asks the server again by itself.
    assert waiting.status == "preparing" and 'hx-trigger="every 5s"' in page.content.decode()
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    page = client.get("/bookings/exports/", headers={"HX-Request": "true"})
    (export,) = page.context["files"]
    assert export.status == "ready" and "hx-trigger" not in page.content.decode()
    assert page.content.decode().lstrip().startswith('<section id="files"')
    assert len(table(b"".join(client.get(f"/bookings/exports/{export.id}.csv").streaming_content).decode())) == 6
