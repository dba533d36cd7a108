"""Pages are sent compressed to browsers that accept gzip, and a CSV streamed under ASGI stays one gzip stream."""

import gzip
import zlib

from asgiref.sync import async_to_sync
from django.conf import settings
from django.test import AsyncClient

from tests.bulk import bulk_bookings
from tests.signing_in import signed_in_session

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


def test_a_signed_in_page_is_compressed_for_a_browser_that_accepts_it(staff_client, owner):
    client = staff_client(owner)
    plain = client.get("/bookings/")
    compressed = client.get("/bookings/", **GZIP)
    assert "Content-Encoding" not in plain and "Accept-Encoding" in plain["Vary"]
    assert compressed["Content-Encoding"] == "gzip" and "Accept-Encoding" in compressed["Vary"]
    assert len(compressed.content) < len(plain.content) / 3
    page = gzip.decompress(compressed.content).decode()
    assert page.startswith("<!doctype html>") and "<h1>Bookings</h1>" in page and page.endswith("</html>\n")


def test_an_answer_under_200_bytes_is_sent_as_it_is(client):
    response = client.get("/healthz", **GZIP)
    assert len(response.content) < 200 and "Content-Encoding" not in response


def test_a_csv_streamed_under_asgi_is_one_gzip_stream(owner, space):
    bulk_bookings(space, 2500)
    client = AsyncClient()
    client.cookies[settings.SESSION_COOKIE_NAME] = signed_in_session(owner)

    async def download(**headers):
        response = await client.get("/bookings/export.csv", headers=headers)
        return response, b"".join([chunk async for chunk in aiter(response)])

    _plain, csv = async_to_sync(download)()
    response, body = async_to_sync(download)(accept_encoding="gzip")
    assert response["Content-Encoding"] == "gzip" and not response.has_header("Content-Length")
    # Browsers read one gzip stream: what follows the first one (as Django sends a stream's chunks) is lost.
    stream = zlib.decompressobj(wbits=31)
    assert stream.decompress(body) == csv and stream.eof and stream.unused_data == b""
    assert len(body) < len(csv) / 3
