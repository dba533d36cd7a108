"""What /metrics reads when Prometheus scrapes rather than counts as it happens: the outbox's and the RQ
queue's depth, and the database pool's use. Registered once, by the module serving /metrics (health.py).

/metrics must answer while the database is overwhelmed (studio_crm/middleware.py), so the outbox is counted
only when the pool has a connection to give at once; otherwise that family is left out of the scrape.
"""

import logging

from django.conf import settings
from django.db import connection
from django.db.models import Count
from prometheus_client import REGISTRY
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from notifications.models import OPEN_STATUSES, Notification

log = logging.getLogger("studio.metrics")


def _pool():
    """The process's psycopg pool on PostgreSQL with the pool on, else None (reading it opens no connection)."""
    return getattr(connection, "pool", None)


def _pool_has_room(pool) -> bool:
    if pool is None:
        return True
    stats = pool.get_stats()
    return stats["pool_available"] > 0 or stats["pool_size"] < stats["pool_max"]


def outbox_open() -> list[tuple[str, str, int]]:
    """(channel, status, count) of the outbox rows still to send; one short query on the open rows' index."""
    was_open = connection.connection is not None
    try:
        return list(Notification.objects.filter(status__in=OPEN_STATUSES).order_by()
                    .values_list("channel", "status").annotate(count=Count("pk")))
    finally:
        if not was_open:
            # Outside a request (a worker's exporter thread) the connection goes back at once.
            connection.close()


def rq_jobs() -> dict[str, int]:
    import django_rq

    queue = django_rq.get_queue("default")
    return {"queued": queue.count, "started": queue.started_job_registry.count,
            "failed": queue.failed_job_registry.count}


class StudioCollector:
    """The queue's depth and the database pool's use, read at each scrape."""

    def describe(self):
        """The families' names for the registry, read without the database, Redis or the pool."""
        for name in ("studio_outbox_messages", "studio_queue_jobs", "studio_db_pool_connections",
                     "studio_db_pool_waiting"):
            yield GaugeMetricFamily(name, "")
        for name in ("studio_db_pool_requests", "studio_db_pool_timeouts"):
            yield CounterMetricFamily(name, "")

    def collect(self):
        yield from self._outbox()
        if settings.RQ_ENABLED:
            yield from self._queue()
        pool = _pool()
        if pool is not None:
            yield from self._pool_families(pool.get_stats())

    def _outbox(self):
        if not _pool_has_room(_pool()):
            return
        family = GaugeMetricFamily("studio_outbox_messages", "Outbox messages waiting to be sent, by channel and "
                                   "status (queued, sending, failed and due again).", labels=["channel", "status"])
        try:
            rows = outbox_open()
        except Exception as error:  # a scrape reports what it can; the database's own alerts say why
            log.warning("outbox depth not read: %s", type(error).__name__)
            return
        for channel, status, count in rows:
            family.add_metric([channel, status], count)
        yield family

    def _queue(self):
        family = GaugeMetricFamily("studio_queue_jobs", "Jobs on the RQ queue, by state.", labels=["queue", "state"])
        try:
            jobs = rq_jobs()
        except Exception as error:  # Redis down: /readyz says so; the scrape goes on without this family
            log.warning("queue depth not read: %s", type(error).__name__)
            return
        for state, count in jobs.items():
            family.add_metric(["default", state], count)
        yield family

    def _pool_families(self, stats: dict[str, int]):
        connections = GaugeMetricFamily("studio_db_pool_connections", "This process's database connections: open "
                                        "(size), idle in the pool (available) and the most it may open (max).",
                                        labels=["state"])
        for state in ("size", "available", "max"):
            connections.add_metric([state], stats.get(f"pool_{state}", 0))
        yield connections
        yield GaugeMetricFamily("studio_db_pool_waiting", "Requests waiting for a database connection now.",
                                value=stats.get("requests_waiting", 0))
        yield CounterMetricFamily("studio_db_pool_requests", "Connections handed out by the pool.",
                                  value=stats.get("requests_num", 0))
        yield CounterMetricFamily("studio_db_pool_timeouts", "Requests that found no connection in time (answered "
                                  "503).", value=stats.get("requests_errors", 0))


REGISTRY.register(StudioCollector())
