"""The bookings CSV at a chain's scale, through a real ASGI server: time to the first byte, the whole time, and
how far the server process grows (its peak resident memory, VmHWM), for the last 30 days and for the whole
history; and the same history prepared as a file by a job and downloaded.

    DATABASE_URL=postgres://user@host:5432/any python -m benchmarks.exports [--database studio_bench_scale]

Each figure comes from a fresh uvicorn process (the settings of `make bench-scale`), so one export's peak is not
another's. The database is read, never changed, but for the sessions it signs in with.
"""

import argparse
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import urlencode

from benchmarks.scale import PYTHON, ROOT, SESSION_CODE, database_url, manage, studio_today

PORT = 8103


@contextmanager
def server(name: str, **env):
    """A uvicorn process serving database ``name``; yields its process id."""
    env = {**os.environ, "DATABASE_URL": database_url(name), "DEBUG": "true", "ALLOWED_HOSTS": "127.0.0.1",
           "STUDIO_LOG_LEVEL": "WARNING", **env}
    env.pop("REDIS_URL", None)  # the job runs in the server process, as on the embedded defaults
    process = subprocess.Popen([PYTHON, "-m", "uvicorn", "studio_crm.asgi:application", "--host", "127.0.0.1",
                                "--port", str(PORT), "--no-access-log", "--log-level", "warning"], cwd=ROOT, env=env)
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=2).read()
                break
            except OSError:
                time.sleep(0.3)
        yield process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def peak_mb(pid: int) -> int:
    return int(re.search(r"VmHWM:\s+(\d+)", open(f"/proc/{pid}/status").read())[1]) // 1024


def fetch(path: str, cookie: str, *, method="GET", body: str | None = None) -> tuple:
    """(answer, body, seconds to the first byte, seconds in all)."""
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=900)
    headers = {"Cookie": cookie, "Accept-Encoding": "identity"}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    began = time.perf_counter()
    connection.request(method, path, body=body, headers=headers)
    answer = connection.getresponse()
    first = answer.read(1)
    first_byte = time.perf_counter() - began
    data = first + answer.read()
    return answer, data, first_byte, time.perf_counter() - began


def streamed(name: str, cookie: str, label: str, path: str) -> None:
    # Whatever the size, streamed: the figure of the stream itself, not of the redirect to a job.
    with server(name, EXPORT_INLINE_ROWS="100000000") as pid:
        fetch("/bookings/?page=1", cookie)  # warm: imports, templates, the pool
        before = peak_mb(pid)
        answer, data, first_byte, total = fetch(path, cookie)
        print(f"{label:<32} {answer.status} {len(data) / 1e6:>7.1f} MB  first byte {first_byte * 1000:>7.0f} ms  "
              f"all {total:>6.1f} s  server {before} -> {peak_mb(pid)} MB")


def as_a_job(name: str, cookie: str) -> None:
    with tempfile.TemporaryDirectory() as files, server(name, EXPORTS_ROOT=files) as pid:
        fetch("/bookings/?page=1", cookie)
        before = peak_mb(pid)
        answer, _, _, seconds = fetch("/bookings/export.csv", cookie)
        page = fetch(answer.getheader("Location"), cookie)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page[1])[1].decode()
        csrf = re.search(r"csrftoken=([^;]+)", page[0].getheader("Set-Cookie") or "")[1]
        cookie = f"{cookie}; csrftoken={csrf}"
        began = time.perf_counter()
        fetch("/bookings/exports/new/", cookie, method="POST", body=urlencode({"csrfmiddlewaretoken": token}))
        while not (link := re.search(rb'href="(/bookings/exports/[^"]+\.csv)"', fetch("/bookings/exports/", cookie)[1])):
            time.sleep(1)
        ready = time.perf_counter() - began
        answer, data, first_byte, total = fetch(link[1].decode(), cookie)
        print(f"{'whole history, as a job':<32} {answer.status} {len(data) / 1e6:>7.1f} MB  redirect {seconds * 1000:.0f} ms, "
              f"file ready after {ready:.1f} s, download: first byte {first_byte * 1000:.0f} ms, all {total:.1f} s  "
              f"server {before} -> {peak_mb(pid)} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="studio_bench_scale")
    options = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("needs PostgreSQL: set DATABASE_URL=postgres://user@host:5432/any")
    facts = json.loads(manage(options.database, "shell", "-c", SESSION_CODE, capture=True).strip().splitlines()[-1])
    cookie = f"sessionid={facts['session']}"
    today = studio_today()
    streamed(options.database, cookie, "last 30 days, streamed",
             f"/bookings/export.csv?date_from={today - timedelta(days=30):%Y-%m-%d}&date_to={today:%Y-%m-%d}")
    streamed(options.database, cookie, "whole history, streamed", "/bookings/export.csv")
    as_a_job(options.database, cookie)


if __name__ == "__main__":
    main()
