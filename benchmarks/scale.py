"""`make bench-scale`: the studio's pages and API at a chain's scale, beside the demo studio, in one run.

Builds two PostgreSQL databases on the server DATABASE_URL names: the demo studio (``seed_demo``) and the same
studio with a chain's history added by SQL (50 halls, 1,000,000 bookings over about nine years, 100,000 clients).
Serves each with a real ASGI server (uvicorn, one process or ``--workers N``, production settings: DEBUG off,
static files collected, the keys the databases were built with, Redis at REDIS_URL or database 14 of the local
one), and measures every page and API call with concurrent clients, each figure beside ``/healthz`` of the same
server in the same run. Staff pages are asked for with the owner's session; ``/healthz`` and the guest API without
one, as a probe and a guest ask. The scale database is kept between runs (it takes a while to build);
``--rebuild`` builds it again.
"""

import argparse
import concurrent.futures
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HALLS = 50
BOOKINGS = 1_000_000
CLIENTS = 100_000
DAYS_BACK = 3300  # about nine years of history, and a month ahead
DAYS_AHEAD = 30
CONCURRENCY = 8
REQUESTS = 48
ALONE = 12  # requests per line with one client at a time
STUDIO_ZONE = ZoneInfo("Europe/Moscow")
BENCH_REDIS = "redis://127.0.0.1:6379/14"


def studio_today():
    return datetime.now(STUDIO_ZONE).date()


def database_url(name: str) -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def admin_connection():
    return psycopg.connect(database_url("postgres"), autocommit=True)


def manage(name: str, *args: str, capture: bool = False) -> str:
    env = {**os.environ, "DATABASE_URL": database_url(name), "DEBUG": "true"}
    done = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, text=True,
                          stdout=subprocess.PIPE if capture else subprocess.DEVNULL)
    return done.stdout if capture else ""


def built(name: str) -> bool:
    """The database exists and holds the whole history (a build stopped half-way is built again)."""
    with admin_connection() as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            return False
    with psycopg.connect(database_url(name)) as connection:
        found = connection.execute("SELECT count(*) FROM bookings_booking WHERE reference LIKE 'REF-S%%'").fetchone()
    return found[0] >= BOOKINGS


def create(name: str) -> None:
    with admin_connection() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    manage(name, "migrate", "--noinput")
    manage(name, "seed_demo")


# --- The chain's history, built with SQL -------------------------------------------------------------

CLIENTS_CODE = """
from bookings.models import Client
from bookings.pii import blind_index
from bookings.search import email_index, phone_tail_index, search_key
rows = [Client(name=f"Client {n:06d} Petrova", search_name=search_key(f"Client {n:06d} Petrova"),
               phone=f"+7903{n:07d}", phone_index=blind_index(f"+7903{n:07d}"),
               phone_tail_index=phone_tail_index(f"+7903{n:07d}"), email=f"client{n}@example.com",
               email_index=email_index(f"client{n}@example.com")) for n in range(CLIENTS)]
Client.objects.bulk_create(rows, batch_size=5000)
"""

HISTORY_SQL = """
INSERT INTO bookings_space (name, slug, description, photo, hourly_rate, colour, capacity, cleanup_minutes, is_active)
SELECT 'Chain Hall ' || n, 'chain-hall-' || n, '', '', 2000 + (n %% 5) * 500, '#4f7cac', 10, 0, true
FROM generate_series(1, %(halls)s) AS n;

CREATE TEMP TABLE chain_halls AS
SELECT id, row_number() OVER (ORDER BY id) - 1 AS position FROM bookings_space WHERE slug LIKE 'chain-hall-%%';
CREATE TEMP TABLE chain_clients AS
SELECT id, name, phone, phone_index, row_number() OVER (ORDER BY id) - 1 AS position
FROM bookings_client WHERE name LIKE 'Client %%';

-- Six two-hour bookings a day in every hall (9, 11, ..., 19 o'clock studio time): none overlaps.
INSERT INTO bookings_booking (
    reference, space_id, client_id, start, "end", occupied_until, state, client_name, client_phone,
    client_phone_index, client_email, client_email_index, special_requirements, base_price, equipment_price, discount, total_price,
    payment_status, source, notes, internal_notes, consent_policy_version, created_at, updated_at, version,
    language)
SELECT
    'REF-S' || lpad(n::text, 7, '0'), hall.id, guest.id, slot_start, slot_start + interval '2 hours',
    slot_start + interval '2 hours',
    CASE WHEN slot_start > now() THEN (CASE WHEN n %% 3 = 0 THEN 'pending' ELSE 'confirmed' END)
         WHEN n %% 17 = 0 THEN 'cancelled' WHEN n %% 29 = 0 THEN 'no_show' ELSE 'completed' END,
    guest.name, guest.phone, guest.phone_index, '', '', '', 4000, 0, 0, 4000,
    CASE WHEN slot_start > now() THEN 'pending' ELSE 'paid' END,
    (ARRAY['website', 'phone', 'walk_in'])[1 + n %% 3], '', '', '2026-01',
    slot_start - interval '3 days', slot_start - interval '3 days', 1, ''
FROM (
    SELECT n,
           (date_trunc('day', now() AT TIME ZONE 'Europe/Moscow') - make_interval(days => %(days_back)s)
            + make_interval(days => (n / (6 * %(halls)s))::int, hours => 9 + 2 * (n %% 6)))
           AT TIME ZONE 'Europe/Moscow' AS slot_start
    FROM generate_series(0, %(bookings)s - 1) AS n
) AS slots
JOIN chain_halls AS hall ON hall.position = (slots.n / 6) %% %(halls)s
JOIN chain_clients AS guest ON guest.position = slots.n %% %(clients)s;

INSERT INTO bookings_bookingtransition (booking_id, from_state, to_state, actor_kind, at, reason)
SELECT id, 'draft', 'pending', 'guest', created_at, '' FROM bookings_booking WHERE reference LIKE 'REF-S%%';

-- Every tenth booking took a piece of equipment.
INSERT INTO bookings_bookingequipment (booking_id, equipment_id, quantity, price)
SELECT b.id, (SELECT id FROM bookings_equipment ORDER BY id LIMIT 1), 1, 500
FROM bookings_booking AS b WHERE b.reference LIKE 'REF-S%%' AND b.id %% 10 = 0;

ANALYZE;
"""


def build_history(name: str) -> float:
    began = time.perf_counter()
    manage(name, "shell", "-c", f"CLIENTS = {CLIENTS}\n" + CLIENTS_CODE)
    with psycopg.connect(database_url(name), autocommit=True) as connection:
        for statement in HISTORY_SQL.split(";\n"):
            if statement.strip():
                connection.execute(statement, {"halls": HALLS, "bookings": BOOKINGS, "clients": CLIENTS,
                                               "days_back": DAYS_BACK})
    return time.perf_counter() - began


# --- Serving and measuring ---------------------------------------------------------------------------

SESSION_CODE = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from bookings.models import Booking, Client, Space
from employees.models import Employee
owner = Employee.objects.get(username="owner")
session = SessionStore()
session[SESSION_KEY] = str(owner.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = owner.get_session_auth_hash()
session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.filter(user=owner, confirmed=True).first().persistent_id
session.create()
# The guest bookings an earlier run made go, so this run's find their hours free (a second run minutes later
# would book the same days).
Booking.objects.filter(client_name__startswith="Bench Guest").delete()
Client.objects.filter(name__startswith="Bench Guest").delete()
busiest = Client.objects.exclude(phone_index="").order_by("-pk").first()  # not the anonymised card
import json
print(json.dumps({"session": session.session_key, "client": busiest.pk,
                  "hall": Space.objects.filter(is_active=True).order_by("pk").last().slug}))
"""


# Production's session cookie: only sent back over HTTPS, which the benchmark's plain HTTP stands in for.
SESSION_COOKIE = "__Host-sessionid"
# What a probe and a guest ask for: no staff session.
WITHOUT_SESSION = ("/healthz", "availability for a day (API)", "successful guest booking (API)")


def production_keys() -> dict[str, str]:
    """The secrets the databases were built with, for a server with DEBUG off (which takes them only from the
    environment): the environment's own, else those DEBUG generated once into var/."""
    names = ("SECRET_KEY", "PII_KEYS", "PII_INDEX_KEY")
    generated = ROOT / "var" / "local_secrets.json"
    stored = json.loads(generated.read_text()) if generated.exists() else {}
    return {name: os.environ.get(name) or stored[name] for name in names}


def collect_static() -> None:
    """Production serves the collected, hashed static files (WhiteNoise); the pages name them by their hash."""
    env = {**os.environ, "DEBUG": "false", **production_keys()}
    subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


@contextmanager
def served(name: str, port: int, workers: int):
    # Plain HTTP on the loopback: the redirect to HTTPS is the proxy's in production.
    env = {**os.environ, "DATABASE_URL": database_url(name), "DEBUG": "false", **production_keys(),
           "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "false",
           "STUDIO_LOG_LEVEL": "WARNING", "ACCESS_LOG": "false", "PYTHONUNBUFFERED": "1",
           "RATE_LIMIT_BOOKING_IP": "100000/h", "RATE_LIMIT_BOOKING_PHONE": "100000/h",
           "RATE_LIMIT_AVAILABILITY_IP": "100000/h", "RATE_LIMIT_QUOTE_IP": "100000/h"}
    # Production's cache, rate limits, channel layer and job queue live in Redis: REDIS_URL's, else a database of
    # the local Redis kept for the bench and emptied before each server (the guest bookings' notification jobs
    # wait there for a worker that never comes; an earlier run's should not outlive it).
    env["REDIS_URL"] = os.environ.get("REDIS_URL") or BENCH_REDIS
    if not os.environ.get("REDIS_URL"):
        redis.Redis.from_url(BENCH_REDIS).flushdb()
    process = subprocess.Popen(
        [PYTHON, "-m", "uvicorn", "studio_crm.asgi:application", "--host", "127.0.0.1", "--port", str(port),
         "--no-access-log", "--log-level", "warning", "--workers", str(workers)], cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
                break
            except OSError:
                time.sleep(0.3)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


def fetch(url: str, cookie: str, body: bytes | None = None) -> tuple[int, float, int]:
    headers = {"Cookie": cookie, "Accept-Encoding": "identity"} if cookie else {"Accept-Encoding": "identity"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST" if body is not None else "GET")
    began = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            size = len(response.read())
            status = response.status
    except urllib.error.HTTPError as error:
        size, status = len(error.read()), error.code
    return status, time.perf_counter() - began, size


def measure(urls: list[tuple[str, bytes | None]], cookie: str, concurrency: int = CONCURRENCY) -> dict:
    """Each URL once per request, ``concurrency`` at a time: p50, p95, throughput and the answers' statuses."""
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        began = time.perf_counter()
        results = list(pool.map(lambda item: fetch(item[0], cookie, item[1]), urls))
        wall = time.perf_counter() - began
    timings = sorted(seconds for _, seconds, _ in results)
    statuses: dict[int, int] = {}
    for status, _, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
    return {"p50": statistics.median(timings), "p95": timings[int(len(timings) * 0.95) - 1],
            "rate": len(results) / wall, "statuses": statuses, "bytes": statistics.median(s for _, _, s in results)}


def guest_booking_bodies(hall: str, count: int, offset_days: int) -> list[bytes]:
    """Guest bookings for free whole hours beyond the history (one per request)."""
    first = studio_today() + timedelta(days=DAYS_AHEAD + offset_days)
    bodies = []
    for n in range(count):
        day, hour = first + timedelta(days=n // 6), 9 + 2 * (n % 6)
        bodies.append(json.dumps({
            "date": day.isoformat(), "startTime": f"{hour:02d}:00", "endTime": f"{hour + 1:02d}:00", "space": hall,
            "clientName": f"Bench Guest {n}", "clientPhone": f"+7905{offset_days:03d}{n:04d}", "consent": True,
        }).encode())
    return bodies


def scenario(base: str, facts: dict, offset_days: int) -> dict[str, list[tuple[str, bytes | None]]]:
    today = studio_today()
    month_start = today.replace(day=1)
    hall = facts["hall"]
    pages = {
        "/healthz": "/healthz",
        "bookings list": "/bookings/",
        "bookings search by name": "/bookings/?q=Petrova",
        "clients list": "/clients/",
        "client card": f"/clients/{facts['client']}/",
        "dashboard": "/dashboard/",
        "calendar week, all halls": "/calendar/?view=week",
        "calendar week, one hall": f"/calendar/?view=week&space={hall}",
        "board (default range)": "/kanban/",
        "CSV of one month": f"/bookings/export.csv?date_from={month_start:%Y-%m-%d}&date_to={today:%Y-%m-%d}",
        "availability for a day (API)": f"/api/v1/availability?space={hall}&date={today + timedelta(days=1):%Y-%m-%d}",
    }
    plan = {label: [(base + path, None)] * REQUESTS for label, path in pages.items()}
    plan["successful guest booking (API)"] = [
        (base + "/api/v1/bookings", body) for body in guest_booking_bodies(hall, REQUESTS, offset_days)]
    return plan


def run_database(name: str, port: int, offset_days: int, workers: int) -> dict[str, dict]:
    facts = json.loads(manage(name, "shell", "-c", SESSION_CODE, capture=True).strip().splitlines()[-1])
    staff = f"{SESSION_COOKIE}={facts['session']}"

    def cookie(label: str) -> str:
        return "" if label in WITHOUT_SESSION else staff

    with served(name, port, workers) as base:
        plan = scenario(base, facts, offset_days)
        measure(plan["/healthz"][:8], "")  # warm up the process
        loaded = {label: measure(urls, cookie(label)) for label, urls in plan.items()}
        # One person at a time: what a page costs when the server is not queueing (guest bookings need fresh bodies).
        alone = {label: measure(urls[:ALONE], cookie(label), concurrency=1) for label, urls in plan.items()
                 if label != "successful guest booking (API)"}
        later = offset_days + REQUESTS // 6 + 1  # the days after those the loaded run booked
        alone["successful guest booking (API)"] = measure(
            [(base + "/api/v1/bookings", body) for body in guest_booking_bodies(facts["hall"], ALONE, later)],
            "", concurrency=1)
        return {label: {**figures, "alone": alone[label]["p50"]} for label, figures in loaded.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rebuild", action="store_true", help="build the 1,000,000-booking database again")
    parser.add_argument("--workers", type=int, default=1,
                        help="uvicorn processes (default 1: one machine's one process)")
    options = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("make bench-scale needs PostgreSQL: set DATABASE_URL=postgres://user@host:5432/any")
        return
    print(f"Building the demo database{' and the scale database' if options.rebuild else ''}…", flush=True)
    create("studio_bench_demo")
    if options.rebuild or not built("studio_bench_scale"):
        create("studio_bench_scale")
        seconds = build_history("studio_bench_scale")
        print(f"{BOOKINGS:,} bookings, {HALLS} halls, {CLIENTS:,} clients built with SQL in {seconds:.0f} s")
    else:  # kept from an earlier run: bring it to this checkout's schema
        manage("studio_bench_scale", "migrate", "--noinput")
    collect_static()
    offset = (int(time.time()) // 60) % 120  # guest bookings land on days no earlier run used
    demo = run_database("studio_bench_demo", 8101, offset, options.workers)
    scale = run_database("studio_bench_scale", 8102, offset, options.workers)
    processes = "one process" if options.workers == 1 else f"{options.workers} processes"
    print(f"\nuvicorn, {processes}, DEBUG off, PostgreSQL + Redis, {CONCURRENCY} concurrent clients, "
          f"{REQUESTS} requests per line; p50 (p95) in ms; × = p50 / the same server's /healthz p50; "
          "alone = p50 with one client at a time")
    print(f"{'what':<34} {'demo':>15} {'1M bookings':>15} {'1M / demo':>9} {'× healthz':>9} "
          f"{'alone demo':>10} {'alone 1M':>9}  answers at 1M")
    for label in demo:
        d, s = demo[label], scale[label]
        print(f"{label:<34} {d['p50'] * 1000:>6.0f} ({d['p95'] * 1000:>6.0f}) "
              f"{s['p50'] * 1000:>6.0f} ({s['p95'] * 1000:>6.0f}) {s['p50'] / d['p50']:>9.1f} "
              f"{s['p50'] / scale['/healthz']['p50']:>9.1f} {d['alone'] * 1000:>10.0f} {s['alone'] * 1000:>9.0f}  "
              f"{s['statuses']} {s['bytes'] / 1024:.0f} KB")


if __name__ == "__main__":
    main()
