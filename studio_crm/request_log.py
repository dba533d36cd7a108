"""One log event per request: its id, the employee, the status, the path, how long it took and the queries it ran.

The id comes from the proxy's ``X-Request-ID`` when it is a plausible one (letters, digits and ``.-_:``, at
most 128), so a request can be followed from the proxy's log to the studio's; otherwise a fresh one is made.
It goes back in the response's ``X-Request-ID`` header, and every log record made while the request (or a
job it queued, studio_crm/jobs.py) runs carries it. The path is logged without its query string, and every
record passes the log filters of studio_crm/log_filters.py, so no phone or email reaches the logs.

``LOG_FORMAT=json`` (the default in production) writes each record as one JSON object per line, for a log
collector; ``plain`` (the default with DEBUG) writes lines a person reads on a laptop.
"""

import json
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from datetime import UTC, datetime

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.functional import empty

from .log_filters import without_personal_data

log = logging.getLogger("studio.request")

REQUEST_ID_HEADER = "X-Request-ID"
PLAUSIBLE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

_request_id: ContextVar[str | None] = ContextVar("studio_request_id", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    return _request_id.get()


@contextmanager
def request_id_set(value: str):
    """Records logged inside carry ``value`` as their request id."""
    token = _request_id.set(value)
    try:
        yield value
    finally:
        _request_id.reset(token)


def request_id_of(request) -> str:
    """The proxy's id of this request if it is a plausible one, else a new one."""
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    return offered if PLAUSIBLE_REQUEST_ID.match(offered) else new_request_id()


class QueryTimer:
    """Counts the queries run through one connection and the time they took (``connection.execute_wrapper``)."""

    def __init__(self):
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.count += 1
            self.seconds += time.perf_counter() - began


def employee_id(request) -> int | None:
    """The signed-in employee's id, if the request already knows who it is (never a query just to log it)."""
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.pk if user.is_authenticated else None


class RequestLogMiddleware:
    """First in MIDDLEWARE: it times everything the others do, and every answer carries the request id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        began = time.perf_counter()
        timer = QueryTimer()
        # The connection of this request's thread, timed until the answer is sent: a stream reads on.
        database = connections[DEFAULT_DB_ALIAS]
        database.execute_wrappers.append(timer)

        def finished(response) -> None:
            with suppress(ValueError):
                database.execute_wrappers.remove(timer)
            log_request(request, response, began, timer)

        with request_id_set(request_id_of(request)) as request_id:
            request.request_id = request_id
            try:
                response = self.get_response(request)
            except BaseException:
                database.execute_wrappers.remove(timer)
                raise
            response[REQUEST_ID_HEADER] = request_id
            if response.streaming:
                # A stream's event is logged once it is sent, with the time the whole answer took.
                wrap = _logged_async if response.is_async else _logged
                response.streaming_content = wrap(response.streaming_content, lambda: finished(response))
            else:
                finished(response)
        return response


def _logged(stream: Iterator[bytes], done) -> Iterator[bytes]:
    try:
        yield from stream
    finally:
        done()


async def _logged_async(stream: AsyncIterator[bytes], done) -> AsyncIterator[bytes]:
    try:
        async for chunk in stream:
            yield chunk
    finally:
        done()


def log_request(request, response, began: float, timer: QueryTimer) -> None:
    duration_ms = round((time.perf_counter() - began) * 1000, 1)
    event = {
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "duration_ms": duration_ms,
        "employee_id": employee_id(request),
        "db_queries": timer.count,
        "db_ms": round(timer.seconds * 1000, 1),
    }
    if response.streaming:
        event["streamed"] = True
    # INFO whatever the status: a failure has its own warning or error (django.request, studio.database).
    with request_id_set(request.request_id):
        log.info("%s %s %s %s ms", request.method, request.path, response.status_code, duration_ms,
                 extra={"event": event})


class RequestContext(logging.Filter):
    """Puts the current request id on every record (``record.request_id``; None outside a request or job)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


class JsonLines(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request id, the event's fields, any error."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            **getattr(record, "event", {}),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        # The message was already filtered; the event and a traceback may quote data too.
        return without_personal_data(json.dumps(entry, ensure_ascii=False, default=str))


class PlainLines(logging.Formatter):
    """A line a person reads, with the request id at its end when there is one (a traceback is cleaned too)."""

    def format(self, record: logging.LogRecord) -> str:
        line = without_personal_data(super().format(record))
        request_id = getattr(record, "request_id", None)
        return f"{line} [{request_id}]" if request_id else line
