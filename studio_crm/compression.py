"""Responses compressed with gzip for clients that accept it: Django's GZipMiddleware, with streams under ASGI
sent as one gzip stream.

BREACH (guessing a secret in a compressed page from its size, with text the attacker puts in the same page)
is mitigated three ways: Django's GZipMiddleware (4.2 and later) adds "Heal The Breach" padding, up to 100
random bytes in the gzip header's file name, to every compressed answer; the CSRF token in a page is masked
afresh on every response, so it is never twice the same; and staff cookies are SameSite=Lax, so another site
cannot make a signed-in browser fetch a page in the background to measure it.

Django compresses each chunk of an asynchronous stream as a gzip file of its own. Chromium reads only the
first of several gzip files in one answer and drops the rest (a CSV export would end after its first rows),
so here a stream under ASGI goes out as a single gzip stream, flushed chunk by chunk so that it still starts
at once. Websockets never pass through here.
"""

import secrets
import zlib
from collections.abc import AsyncIterator

from django.middleware.gzip import GZipMiddleware


def gzip_header(max_random_bytes: int) -> bytes:
    """A gzip header (RFC 1952) whose file name is Django's padding: 0 to ``max_random_bytes`` - 1 bytes."""
    # ID1 ID2, deflate, FNAME set, no modification time, no extra flags, OS unknown; the name ends with NUL.
    return b"\x1f\x8b\x08\x08\x00\x00\x00\x00\x00\xff" + b"a" * secrets.randbelow(max_random_bytes) + b"\x00"


async def compressed_stream(chunks: AsyncIterator[bytes], *, max_random_bytes: int) -> AsyncIterator[bytes]:
    """``chunks`` as one gzip stream with a padded header; each chunk is sent compressed as soon as it comes."""
    deflate = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    crc, size = 0, 0
    yield gzip_header(max_random_bytes)
    async for chunk in chunks:
        crc, size = zlib.crc32(chunk, crc), size + len(chunk)
        data = deflate.compress(chunk) + deflate.flush(zlib.Z_SYNC_FLUSH)
        if data:
            yield data
    yield deflate.flush() + crc.to_bytes(4, "little") + (size & 0xFFFFFFFF).to_bytes(4, "little")


class CompressionMiddleware(GZipMiddleware):
    def process_response(self, request, response):
        stream = response.streaming_content if response.streaming and response.is_async else None
        encoded = response.has_header("Content-Encoding")
        response = super().process_response(request, response)
        if stream is not None and not encoded and response.get("Content-Encoding") == "gzip":
            response.streaming_content = compressed_stream(stream, max_random_bytes=self.max_random_bytes)
        return response
