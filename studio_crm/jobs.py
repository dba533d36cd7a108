"""Running a job in the background: on the RQ queue with Redis, in a thread of this process without it.

A job is named by the dotted path of a function taking keyword arguments (ids and plain values), so that
a worker process can import it. Whichever way it runs, ``perform`` runs it: one log event per job with its
name, outcome and duration, under the request id of the request that asked for it (studio_crm/request_log.py).
The outbox's own jobs go the same two ways through notifications/; bookings may not import notifications
(import-linter), so other apps' jobs come here.
"""

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import suppress

from django.conf import settings
from django.db import connections
from django.utils.module_loading import import_string

from . import request_log

log = logging.getLogger("studio.jobs")

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_pending: set[Future] = set()


def perform(path: str, kwargs: dict, request_id: str | None = None) -> None:
    """Run the job at ``path`` and log one event for it; a failure is logged and raised again (RQ records it)."""
    began = time.perf_counter()
    outcome = "failed"
    with request_log.request_id_set(request_id or request_log.new_request_id()):
        try:
            import_string(path)(**kwargs)
            outcome = "done"
        finally:
            duration_ms = round((time.perf_counter() - began) * 1000, 1)
            level = logging.INFO if outcome == "done" else logging.ERROR
            log.log(level, "job %s %s in %s ms", path, outcome, duration_ms, exc_info=outcome != "done",
                    extra={"event": {"job": path, "outcome": outcome, "duration_ms": duration_ms}})


def _perform_in_thread(path: str, kwargs: dict, request_id: str | None) -> None:
    try:
        # A failure is already logged by perform; the request that queued the job has long answered.
        with suppress(Exception):
            perform(path, kwargs, request_id)
    finally:
        # This thread's connections: returned to the pool (PostgreSQL) or closed, never left open.
        connections.close_all()


def job_run_soon(path: str, *, timeout_seconds: int = 3600, **kwargs) -> None:
    """Run the function at ``path`` with ``kwargs`` in the background, as soon as a worker is free."""
    request_id = request_log.current_request_id()
    if settings.RQ_ENABLED:
        import django_rq

        django_rq.get_queue("default").enqueue(perform, path, kwargs, request_id, job_timeout=timeout_seconds,
                                               result_ttl=0)
        return
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="studio-jobs")
        future = _executor.submit(_perform_in_thread, path, kwargs, request_id)
        _pending.add(future)
    future.add_done_callback(_pending.discard)


def jobs_wait_idle(timeout: float = 30.0) -> bool:
    """Wait for the jobs of this process handed to ``job_run_soon``; False if some still run after ``timeout``."""
    with _lock:
        pending = list(_pending)
    _done, running = wait(pending, timeout=timeout)
    return not running
