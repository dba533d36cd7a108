"""A request through the studio's ASGI application itself, as a server hands it over (no server)."""

from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator

from studio_crm.asgi import django_asgi_app


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
