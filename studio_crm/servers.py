"""What the ASGI servers the studio runs under need to be told.

Daphne is built on Twisted, whose HTTP request parses multipart and url-encoded bodies itself before the
application sees them (daphne never uses the result: it hands the raw body to Django). A body that does not
parse is answered there with a bare 400, so the API's documented 415 or 400 in its JSON shape never comes.
Turning that parsing off lets Django answer every body, as it does under uvicorn, and saves the memory.
"""

from contextlib import suppress


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
