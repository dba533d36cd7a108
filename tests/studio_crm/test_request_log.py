"""The logs a production log collector reads: one JSON line per request and per job, with the request id, the
employee, timings and status, and never a phone or an email."""

import io
import json
import logging
import os
import subprocess
import sys

import pytest
from django.conf import settings

from studio_crm.jobs import jobs_wait_idle
from studio_crm.log_filters import HidePhones
from studio_crm.request_log import JsonLines, RequestContext
from tests.factories import BookingFactory, ClientFactory


@pytest.fixture
def json_lines():
    """The JSON lines the studio's loggers write while the test runs, as the production handler writes them."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonLines())
    for log_filter in (HidePhones(), RequestContext()):
        handler.addFilter(log_filter)
    logger = logging.getLogger("studio")
    logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    logger.removeHandler(handler)


def requests_logged(lines) -> list[dict]:
    return [line for line in lines if line["logger"] == "studio.request"]


class TestRequestEvents:
    def test_one_event_per_request_with_its_id_employee_and_timings(self, staff_client, owner, json_lines):
        response = staff_client(owner).get("/bookings/?q=Petrova", HTTP_X_REQUEST_ID="lb-7f3a.42")
        assert response["X-Request-ID"] == "lb-7f3a.42"
        (event,) = requests_logged(json_lines())
        assert event["request_id"] == "lb-7f3a.42"
        assert (event["method"], event["path"], event["status"]) == ("GET", "/bookings/", 200)
        assert event["employee_id"] == owner.pk
        assert event["duration_ms"] > 0 and event["db_queries"] > 0 and event["db_ms"] >= 0

    def test_an_implausible_incoming_id_is_replaced(self, client, json_lines):
        response = client.get("/healthz", HTTP_X_REQUEST_ID='x" injected=1 ' + "a" * 200)
        fresh = response["X-Request-ID"]
        assert len(fresh) == 32 and fresh.isalnum()
        (event,) = requests_logged(json_lines())
        assert event["request_id"] == fresh and event["employee_id"] is None

    def test_no_phone_or_email_reaches_the_log(self, client, space, json_lines):
        guest = ClientFactory(phone="+79161234567", email="irina@example.com")
        booking = BookingFactory(space=space, client=guest)
        client.get(f"/api/v1/bookings/{booking.reference}?phone=%2B79161234567&email=irina@example.com")
        client.post("/login/", {"username": "irina@example.com", "password": "wrong-password-1"})
        lines = json_lines()
        assert {line["path"] for line in requests_logged(lines)} == {f"/api/v1/bookings/{booking.reference}", "/login/"}
        failure = next(line for line in lines if "sign-in failed" in line["message"])
        assert failure["request_id"] == requests_logged(lines)[-1]["request_id"]
        text = json.dumps(lines)
        assert "9161234567" not in text and "irina@" not in text and "example.com" not in text

    def test_a_streamed_answer_is_logged_once_it_is_sent(self, staff_client, owner, space, json_lines):
        BookingFactory(space=space)
        response = staff_client(owner).get("/bookings/export.csv")
        assert requests_logged(json_lines()) == []
        b"".join(response.streaming_content)
        (event,) = requests_logged(json_lines())
        assert event["streamed"] is True and event["status"] == 200 and event["db_queries"] > 0


@pytest.mark.django_db(transaction=True)
def test_a_job_is_logged_under_the_id_of_the_request_that_asked_for_it(staff_client, owner, space, settings,
                                                                       tmp_path, json_lines):
    settings.EXPORTS_ROOT = tmp_path
    settings.RQ_ENABLED = False  # the job runs in a thread of this process, as on the embedded defaults
    BookingFactory(space=space)
    staff_client(owner).post("/bookings/exports/new/", {"query": ""}, HTTP_X_REQUEST_ID="ask-export-1")
    assert jobs_wait_idle()
    (job,) = [line for line in json_lines() if line["logger"] == "studio.jobs"]
    assert job["job"] == "bookings.exports.booking_export_write" and job["outcome"] == "done"
    assert job["request_id"] == "ask-export-1" and job["duration_ms"] > 0


def log_from_a_process(log_format: str | None) -> str:
    """What a management command's warning looks like on stderr with LOG_FORMAT=``log_format``."""
    env = {**os.environ, "DEBUG": "true"}
    env.pop("LOG_FORMAT", None)
    if log_format:
        env["LOG_FORMAT"] = log_format
    code = "import logging; logging.getLogger('studio.test').warning('guest %s wrote from %s', '+7 916 123-45-67', 'irina@example.com')"
    done = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=settings.BASE_DIR, env=env,
                          capture_output=True, text=True, timeout=60, check=True)
    return done.stderr.strip().splitlines()[-1]


class TestFormats:
    def test_json_lines_in_production(self):
        line = json.loads(log_from_a_process("json"))
        assert (line["level"], line["logger"]) == ("WARNING", "studio.test")
        assert line["message"] == "guest [hidden] wrote from [hidden]"

    def test_plain_lines_on_a_laptop(self):
        line = log_from_a_process(None)
        assert line.endswith("WARNING studio.test guest [hidden] wrote from [hidden]")


@pytest.mark.parametrize(("access_log", "written"), [(None, True), ("false", False)])
def test_the_servers_access_lines_can_be_left_out(access_log, written):
    """ACCESS_LOG=false drops the access lines (the studio's own request line says the same, with its timing)."""
    env = {**os.environ, "DEBUG": "true"}
    env.pop("ACCESS_LOG", None)
    if access_log:
        env["ACCESS_LOG"] = access_log
    code = ("import logging; logging.getLogger('uvicorn.access').info('127.0.0.1 GET /bookings/ 200');"
            "logging.getLogger('studio.test').warning('still here')")
    done = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=settings.BASE_DIR, env=env,
                          capture_output=True, text=True, timeout=60, check=True)
    assert ("GET /bookings/ 200" in done.stderr) is written and "still here" in done.stderr
