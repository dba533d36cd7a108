"""Background work inside the server process, for the embedded defaults (no Redis, no workers).

``run_soon`` hands a job to one of two threads of this process, so a request that committed a booking
answers at once while its notifications go out behind it. ``start_scheduler`` is the small scheduler of a
studio on one machine: connected to the first request a server handles (notifications/apps.py), it starts
one thread per server process that runs the sweeper every minute, and reminders and expiry every
JOBS_EVERY_MINUTES. Tests and management commands handle no requests through a server and never start it
(JOBS_IN_SERVER_PROCESS is off under pytest). With Redis, rqworker and rqcron do this work instead
(``make worker``). Several server processes on one machine each run a scheduler; that is safe, because every
job is idempotent (the outbox's dedupe keys, the sweeper's claim), only wasteful.
"""

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait

from django.conf import settings
from django.db import connections

log = logging.getLogger("studio.notifications")

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_pending: set[Future] = set()
_scheduler: threading.Thread | None = None
SWEEP_EVERY_SECONDS = 60


def _run(job, *args) -> None:
    try:
        job(*args)
    except Exception:  # a background job's failure is logged; the request that queued it has long answered
        log.exception("background job %s failed", getattr(job, "__name__", job))
    finally:
        # This thread's connections: returned to the pool (PostgreSQL) or closed, never left open.
        connections.close_all()


def run_soon(job, *args) -> None:
    """Run ``job(*args)`` in a background thread of this process."""
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="studio-notifications")
        future = _executor.submit(_run, job, *args)
        _pending.add(future)
    future.add_done_callback(_pending.discard)


def wait_idle(timeout: float = 10.0) -> bool:
    """Wait for the jobs handed to ``run_soon`` so far; False if some are still running after ``timeout``."""
    with _lock:
        pending = list(_pending)
    _done, running = wait(pending, timeout=timeout)
    return not running


def run_scheduled(tick: int) -> None:
    """What the scheduler runs at minute ``tick``: the sweeper every minute, reminders and expiry every
    JOBS_EVERY_MINUTES."""
    from . import jobs

    if tick % max(settings.JOBS_EVERY_MINUTES, 1) == 0:
        _run(jobs.reminders_and_expiry)
    if tick % (24 * 60) == 15:  # compliance's retention: a quarter of an hour after the server starts, then daily
        from compliance import jobs as compliance_jobs

        _run(compliance_jobs.anonymize_expired)
    _run(jobs.deliver_due)


def _scheduler_loop() -> None:
    tick = 0
    while True:
        # The first run waits a minute: a server that only starts (or a test server living seconds) runs nothing.
        time.sleep(SWEEP_EVERY_SECONDS)
        tick += 1
        run_scheduled(tick)


def start_scheduler(**kwargs) -> None:
    """Start this process's scheduler thread, once (a ``request_started`` receiver)."""
    global _scheduler
    with _lock:
        if _scheduler is not None:
            return
        _scheduler = threading.Thread(target=_scheduler_loop, name="studio-scheduler", daemon=True)
        _scheduler.start()
    log.info("in-process scheduler started: sweeper every minute, reminders and expiry every %s min",
             settings.JOBS_EVERY_MINUTES)
