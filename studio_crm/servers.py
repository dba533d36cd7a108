"""What the ASGI servers the studio runs under need to be told.

Daphne writes its access log straight to a stream, past Python's logging and so past the filter that keeps
phones and emails out of every other log line: its entries go through the same cleaning here.

Daphne is built on Twisted, whose HTTP request parses multipart and url-encoded bodies itself before the
application sees them (daphne never uses the result: it hands the raw body to Django). A body that does not
parse is answered there with a bare 400, so the API's documented 415 or 400 in its JSON shape never comes.
Turning that parsing off lets Django answer every body, as it does under uvicorn, and saves the memory.

Django's ASGI handler runs each middleware in the mode it can, and crosses between the event loop and the
request's thread wherever two neighbours differ: nine crossings a request here (the view, the view hooks of
CSRF and Prometheus, Prometheus' async halves, back and forth around the synchronous middleware). Every page
is synchronous and most middleware reads the database, so ``RequestInOneThread`` hands the whole middleware
stack and the view to the request's thread in one call, as under WSGI: three crossings remain (the request
signal, the call, the response's close).
"""

import logging
from contextlib import suppress

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.db import OperationalError
from psycopg_pool import PoolTimeout

from .log_filters import without_personal_data

log = logging.getLogger("studio.database")


def leave_request_bodies_to_django() -> None:
    with suppress(ImportError):
        from daphne.http_protocol import WebRequest

        if getattr(WebRequest, "leaves_bodies_to_django", False):
            return
        twisted_init = WebRequest.__init__

        def __init__(self, *args, **kwargs):
            kwargs.setdefault("parsePOSTFormSubmission", False)
            twisted_init(self, *args, **kwargs)

        WebRequest.__init__ = __init__
        WebRequest.leaves_bodies_to_django = True


def clean_daphne_access_log() -> None:
    with suppress(ImportError):
        from daphne.access import AccessLogGenerator

        if getattr(AccessLogGenerator, "hides_personal_data", False):
            return
        write_entry = AccessLogGenerator.write_entry

        def clean_write_entry(self, host, date, request, *args, **kwargs):
            write_entry(self, host, date, without_personal_data(request), *args, **kwargs)

        AccessLogGenerator.write_entry = clean_write_entry
        AccessLogGenerator.hides_personal_data = True


class TryAgainWhenTheDatabaseIsBusy:
    """Around the websocket routes: a handshake that finds no database connection (the pool is exhausted, the
    server full) is refused with close code 1013, "try again later", instead of a server error. The page's
    live client reconnects with back-off."""

    TRY_AGAIN_LATER = 1013

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        try:
            return await self.app(scope, receive, send)
        except (OperationalError, PoolTimeout) as error:
            log.warning("websocket %s refused: no database connection (%s)", scope.get("path"), error)
            await send({"type": "websocket.close", "code": self.TRY_AGAIN_LATER})


class RequestInOneThread(ASGIHandler):
    """Django's ASGI handler with the middleware and the view run synchronously, in one call on the request's
    own thread (Django's thread-sensitive executor, where every database access of the request happens). The
    answer still streams from the event loop: an asynchronous stream (the CSV export) is iterated there."""

    def load_middleware(self, is_async=False):
        super().load_middleware(is_async=False)

    async def get_response_async(self, request):
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)

