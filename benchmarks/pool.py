"""A burst of guests against a real server (uvicorn, a small connection pool): what they are answered, how many
server connections the process holds, and how /healthz answers in the same moment. Needs PostgreSQL."""

import statistics
import time
import uuid
from collections import Counter
from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from bookings.models import Space
from tests.live import asgi_server, burst, guest_burst, server_connections

POOL_MAX = 4
HEALTH_CHECKS = 5


def _counts(answers) -> str:
    counts = Counter(answer.status or "no answer" for answer in answers)
    return ", ".join(f"{count} × {status}" for status, count in sorted(counts.items(), key=str))


def run() -> list[tuple[str, str]]:
    if connection.vendor != "postgresql":
        return [("burst against a server with a connection pool", "needs PostgreSQL (set DATABASE_URL); skipped")]
    space = Space.objects.create(name="Burst Hall", slug="burst-hall", hourly_rate=Decimal("2000"))
    name = f"studio-bench-{uuid.uuid4().hex[:12]}"
    # The pool is measured, not the abuse limits: one address sends the whole burst.
    env = {"PGAPPNAME": name, "DATABASE_POOL_MIN": "1", "DATABASE_POOL_MAX": str(POOL_MAX),
           "DATABASE_POOL_TIMEOUT": "10", "RATE_LIMIT_AVAILABILITY_IP": "100000/h"}
    with asgi_server(server="uvicorn", env=env) as url:
        guests = guest_burst(url, space=space.slug, day=timezone.localdate() + timedelta(days=1))
        began = time.perf_counter()
        answers, peak = burst(guests + [f"{url}/healthz"] * HEALTH_CHECKS,
                              count_connections=lambda: server_connections(name))
        elapsed = time.perf_counter() - began
        held = server_connections(name)
    health = [answer for answer in answers if answer.url.endswith("/healthz")]
    served = [answer for answer in answers if not answer.url.endswith("/healthz")]
    lookups = sum("/api/v1/availability" in url for url in guests)
    return [
        (f"{len(guests)} guests at once ({lookups} availability, {len(guests) - lookups} /book/), pool of {POOL_MAX}",
         f"{elapsed:.1f} s; {_counts(served)}"),
        ("server connections: peak during the burst / held after",
         f"{peak} / {held} (pool max {POOL_MAX})"),
        ("/healthz during the burst",
         f"{_counts(health)}; median {statistics.median(a.seconds for a in health) * 1000:.0f} ms"),
    ]
