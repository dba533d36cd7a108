"""The bookings CSV: streamed while it is read, or, when it is very large, written to a file by a job.

Rows are read as tuples of the exported columns (``values_list``: no model instances, and only the phone
and email are decrypted, because they are exported), a chunk at a time through a server-side cursor, and
each chunk is sent as soon as it is written: memory stays at about one chunk however many years there are.
Under ASGI the response is an asynchronous iterator whose chunks are read and written in the request's own
thread (``sync_to_async``, thread-sensitive: the thread that holds its database connection), so the event
loop never waits for the database; a plain iterator would be gathered whole by Django before the first byte.

An export of more than EXPORT_INLINE_ROWS bookings is written by a job (studio_crm/jobs.py) to a file in
EXPORTS_ROOT, in a directory of the employee who asked for it; only they can download it (export_views.py),
and it is deleted EXPORT_KEEP_HOURS after it was asked for.

A file is in its reader's spreadsheet format (studio_crm.spreadsheets): headers, states and payment statuses
in their language, and in Russian a byte-order mark, ``;`` between cells and decimal commas, as Russian Excel
reads them. A prepared file is written in the language of the employee who asked for it, recorded with the job.
"""

import io
import logging
import re
import secrets
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.http import FileResponse, Http404, QueryDict, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import pgettext_lazy

from employees.access import log_denial
from employees.models import Employee
from studio_crm.jobs import job_run_soon
from studio_crm.languages import language_of
from studio_crm.spreadsheets import SheetFormat, sheet_format

from .access import visible_bookings, visible_spaces
from .forms import BookingFilterForm
from .models import BookingSource, BookingState, PaymentStatus

log = logging.getLogger("studio.exports")

# The header row, in the reader's language (English keeps the names scripts have read so far).
CSV_HEADER = [
    pgettext_lazy("CSV column", "reference"), pgettext_lazy("CSV column", "space"),
    pgettext_lazy("CSV column", "start"), pgettext_lazy("CSV column", "end"), pgettext_lazy("CSV column", "hours"),
    pgettext_lazy("CSV column", "state"), pgettext_lazy("CSV column", "client name"),
    pgettext_lazy("CSV column", "phone"), pgettext_lazy("CSV column", "email"), pgettext_lazy("CSV column", "total"),
    pgettext_lazy("CSV column", "payment"), pgettext_lazy("CSV column", "source"),
]
COLUMNS = ["reference", "space__name", "start", "end", "state", "client_name", "client_phone", "client_email",
           "total_price", "payment_status", "source"]
# Rows a chunk: one fetch from the cursor and one piece of the answer (about 140 KB; some 2 MB of memory).
CHUNK_ROWS = 1000
FILE_BLOCK_BYTES = 256 * 1024
# A job still writing after this long has died; its file is shown as failed.
JOB_TIMEOUT_SECONDS = 60 * 60
# An export's id: when it was asked for (UTC), then a random part nobody can guess.
EXPORT_ID = re.compile(r"^(\d{14})-[A-Za-z0-9_-]{22}$")


def export_bookings(*, employee: Employee, query: QueryDict):
    """The bookings ``employee`` may see, narrowed and sorted as the list is by ``query`` (its filters)."""
    form = BookingFilterForm(query, spaces=visible_spaces(employee))
    form.is_valid()  # invalid filters are ignored, as on the list
    return form.filtered(visible_bookings(employee)).order_by(*form.ordering())


def too_large_to_stream(bookings) -> bool:
    """More than EXPORT_INLINE_ROWS rows; counted no further than that, whatever the history."""
    limit = settings.EXPORT_INLINE_ROWS
    return bookings.order_by()[: limit + 1].count() > limit


def spreadsheet_safe(value) -> str:
    """Free text that a spreadsheet would run as a formula is prefixed with an apostrophe (every CSV export)."""
    text = str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _lines(sheet: SheetFormat, rows: Iterable[list]) -> str:
    buffer = io.StringIO()
    sheet.writer(buffer).writerows(rows)
    return buffer.getvalue()


def csv_chunks(bookings, *, chunk_rows: int = CHUNK_ROWS) -> Iterator[str]:
    """The CSV of ``bookings``: the header, then ``chunk_rows`` rows a piece, in the language active now and its
    spreadsheet format (a streamed answer is read on after the view has returned: the words are chosen here)."""
    sheet = sheet_format()
    states, payments, sources = (
        {value: str(label) for value, label in choices.choices} for choices in (BookingState, PaymentStatus,
                                                                                 BookingSource))
    header = sheet.bom + _lines(sheet, [[str(name) for name in CSV_HEADER]])

    def chunks() -> Iterator[str]:
        yield header
        rows = bookings.values_list(*COLUMNS).iterator(chunk_size=chunk_rows)
        while chunk := list(islice(rows, chunk_rows)):
            yield _lines(sheet, (
                [reference, space, timezone.localtime(start).isoformat(), timezone.localtime(end).isoformat(),
                 int((end - start).total_seconds() // 3600), states[state], spreadsheet_safe(name), phone,
                 spreadsheet_safe(email), sheet.number(total), payments[payment], sources[source]]
                for reference, space, start, end, state, name, phone, email, total, payment, source in chunk
            ))

    return chunks()


async def in_request_thread(chunks: Iterator) -> AsyncIterator:
    """``chunks`` for an ASGI response: each one made in the request's thread, the event loop free meanwhile."""
    step = sync_to_async(next, thread_sensitive=True)
    try:
        while (chunk := await step(chunks, None)) is not None:
            yield chunk
    finally:
        await sync_to_async(chunks.close, thread_sensitive=True)()  # the cursor is closed in its own thread


def csv_response(request, bookings) -> StreamingHttpResponse:
    chunks = csv_chunks(bookings)
    content = in_request_thread(chunks) if isinstance(request, ASGIRequest) else chunks
    response = StreamingHttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="bookings-{timezone.localdate():%Y-%m-%d}.csv"'
    return response


# --- Large exports: a file written by a job ---------------------------------------------------------


@dataclass(frozen=True)
class ExportFile:
    """One employee's export file: ``status`` is preparing, ready or failed."""

    id: str
    path: Path
    status: str
    asked_at: datetime
    size: int

    @property
    def expires_at(self) -> datetime:
        return self.asked_at + timedelta(hours=settings.EXPORT_KEEP_HOURS)

    @property
    def download_name(self) -> str:
        return f"bookings-{timezone.localtime(self.asked_at):%Y-%m-%d-%H%M}.csv"


SUFFIXES = {".part": "preparing", ".csv": "ready", ".failed": "failed"}


def _directory(employee_id: int) -> Path:
    return Path(settings.EXPORTS_ROOT) / str(employee_id)


def _export_file(path: Path) -> ExportFile | None:
    status, named = SUFFIXES.get(path.suffix), EXPORT_ID.match(path.stem)
    if status is None or named is None:
        return None
    asked_at = datetime.strptime(named[1], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    if status == "preparing" and timezone.now() - asked_at > timedelta(seconds=JOB_TIMEOUT_SECONDS):
        status = "failed"
    return ExportFile(id=path.stem, path=path, status=status, asked_at=asked_at, size=path.stat().st_size)


def exports_expire() -> int:
    """Delete every employee's export files past EXPORT_KEEP_HOURS; how many went."""
    now, deleted = timezone.now(), 0
    for path in Path(settings.EXPORTS_ROOT).glob("*/*"):
        export = _export_file(path)
        if export is not None and export.expires_at <= now:
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted


def exports_discard() -> int:
    """Delete every prepared export file, expired or not (an erasure: the files may hold that person's
    phone); staff prepare them again on demand. How many went."""
    deleted = 0
    for path in Path(settings.EXPORTS_ROOT).glob("*/*"):
        path.unlink(missing_ok=True)
        deleted += 1
    return deleted


def exports_of(employee: Employee) -> list[ExportFile]:
    """The employee's export files not yet expired, newest first."""
    now = timezone.now()
    found = (_export_file(path) for path in _directory(employee.pk).glob("*"))
    return sorted((export for export in found if export is not None and export.expires_at > now),
                  key=lambda export: export.asked_at, reverse=True)


def booking_export_start(*, query: QueryDict, by: Employee) -> str:
    """Ask for a file of the bookings ``by`` may see, filtered by ``query``; a job writes it. The export's id.

    Expired files (anyone's) are deleted here and when a job ends."""
    exports_expire()
    export_id = f"{timezone.now():%Y%m%d%H%M%S}-{secrets.token_urlsafe(16)}"
    directory = _directory(by.pk)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    part = directory / f"{export_id}.part"
    part.touch(mode=0o600)
    job_run_soon("bookings.exports.booking_export_write", employee_id=by.pk, query=query.urlencode(),
                 export_id=export_id, language=language_of(by))
    return export_id


def booking_export_write(*, employee_id: int, query: str, export_id: str, language: str) -> None:
    """The job: write the file asked for as ``export_id`` in ``language`` (the asker's, recorded when they asked),
    then mark it ready (or failed); clear expired files."""
    part = _directory(employee_id) / f"{export_id}.part"
    try:
        employee = Employee.objects.get(pk=employee_id)
        with translation.override(language), part.open("w", encoding="utf-8", newline="") as file:
            for chunk in csv_chunks(export_bookings(employee=employee, query=QueryDict(query))):
                file.write(chunk)
    except BaseException:
        part.rename(part.with_suffix(".failed"))
        raise
    part.rename(part.with_suffix(".csv"))
    exports_expire()


def export_file_for(request, export_id: str) -> ExportFile:
    """The signed-in employee's ready export ``export_id``; 404 for anything else, and a logged denial when
    it is another employee's."""
    if not EXPORT_ID.match(export_id):
        raise Http404("No such export.")
    path = _directory(request.user.pk) / f"{export_id}.csv"
    export = _export_file(path) if path.exists() else None
    if export is None or export.expires_at <= timezone.now():
        if any(Path(settings.EXPORTS_ROOT).glob(f"*/{export_id}.csv")):
            log_denial(request, f"export file {export_id}")
        raise Http404("No such export.")
    return export


async def _file_blocks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as file:
        while block := await sync_to_async(file.read, thread_sensitive=False)(FILE_BLOCK_BYTES):
            yield block


def file_response(request, export: ExportFile) -> StreamingHttpResponse:
    """The file as an attachment, read a block at a time (under ASGI too, where a FileResponse is read whole)."""
    if not isinstance(request, ASGIRequest):
        return FileResponse(export.path.open("rb"), as_attachment=True, filename=export.download_name,
                            content_type="text/csv; charset=utf-8")
    response = StreamingHttpResponse(_file_blocks(export.path), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export.download_name}"'
    response["Content-Length"] = str(export.size)
    return response
