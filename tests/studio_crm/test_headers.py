"""Every page runs only the scripts the studio ships (a Content-Security-Policy with a nonce, no inline
handlers, no eval), uses no browser feature it does not need (Permissions-Policy), and what a signed-in
employee or a guest's booking shows is never kept by a cache."""

import json
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import include, path
from django.utils import timezone

from calendar_app.services import feed_regenerate
from studio_crm.urls import handler403, handler404, handler500  # noqa: F401  (this module is the URL conf below)
from tests.factories import BookingFactory, ClientFactory, studio_time
from tests.signing_in import confirmed_device

PASSWORD = "correct-horse-battery"
GUEST_PHONE = "+79161234567"


def broken_page(request):
    raise RuntimeError("a bug in a page")


urlpatterns = [
    path("broken/", broken_page),
    path("", include("studio_crm.urls")),
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__), pytest.mark.usefixtures("fresh_limits")]

STAFF_PAGES = [
    "/dashboard/",
    "/bookings/",
    "/bookings/?q=Irina&state=pending",
    "/bookings/new/",
    "/bookings/{booking}/",
    "/bookings/{booking}/edit/",
    "/clients/",
    "/clients/{client}/",
    "/calendar/?view=day&date={day}",
    "/calendar/?view=week&date={day}",
    "/calendar/?view=month&date={day}",
    "/calendar/bookings/{booking}/",
    "/kanban/",
    "/employees/",
    "/employees/new/",
    "/employees/{manager}/",
    "/account/",
    "/account/mfa/",
    "/account/sessions/",
    "/api/v1/docs",
    "/no-such-page/",
]
# Django's own pages: they run files only, so their policy needs no nonce.
ADMIN_PAGES = ["/admin/", "/admin/bookings/booking/", "/admin/bookings/booking/{booking}/change/"]
PUBLIC_PAGES = [
    "/book/",
    "/book/?space=white&date={day}",
    "/book/privacy/",
    "/book/lookup/",
    "/api/v1/docs",
    "/login/",
    "/no-such-page/",
]
GUEST_BOOKING_PAGES = ["/book/done/{reference}/", "/book/lookup/{reference}/"]
UNSAFE_SCRIPT_SOURCES = ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "'strict-dynamic'", "*", "data:")


class PageMarkup(HTMLParser):
    """What of a page the browser could run: its <script> elements and any attribute that runs code."""

    def __init__(self, html: str):
        super().__init__()
        self.scripts: list[dict] = []
        self.styles = 0
        self.runs_code: list[str] = []
        self.htmx_config: dict | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            self.scripts.append(attributes)
        if tag == "style":
            self.styles += 1
        if tag == "meta" and attributes.get("name") == "htmx-config":
            self.htmx_config = json.loads(attributes["content"])
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith(("on", "hx-on", "data-hx-on")) or value.startswith(("javascript:", "js:")):
                self.runs_code.append(f"<{tag} {name}={value!r}>")


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {name: sources for name, *sources in (part.split() for part in policy.split(";") if part.strip())}


def script_nonce(response) -> str | None:
    """The nonce the CSP gives this response's scripts, if any; fails when the policy allows inline code."""
    policy = directives(response)
    sources = policy["script-src"]
    assert "'self'" in sources
    assert not set(UNSAFE_SCRIPT_SOURCES) & set(sources), sources
    assert "script-src-elem" not in policy and "script-src-attr" not in policy
    nonces = [source for source in sources if source.startswith("'nonce-")]
    assert len(nonces) <= 1, sources
    return nonces[0].removeprefix("'nonce-").removesuffix("'") if nonces else None


def is_same_origin(url: str) -> bool:
    return url.startswith("/") and not url.startswith("//")


def assert_runs_only_shipped_scripts(response, *, nonce_required: bool = True) -> None:
    nonce = script_nonce(response)
    assert nonce or not nonce_required
    page = PageMarkup(response.content.decode())
    # json_script data is not run; every other script is a file of the site's or carries the nonce.
    for script in page.scripts:
        if script.get("type") == "application/json":
            continue
        assert is_same_origin(script.get("src", "")) or (nonce and script.get("nonce") == nonce), script
    assert page.runs_code == []
    assert page.styles == 0, "a <style> element is refused by the CSP; put the rules in a static file"
    if page.htmx_config is not None or any("htmx" in script.get("src", "") for script in page.scripts):
        assert page.htmx_config["allowEval"] is False
        assert page.htmx_config["includeIndicatorStyles"] is False


def assert_permissions_policy(response) -> None:
    policy = dict(item.strip().split("=", 1) for item in response["Permissions-Policy"].split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "browsing-topics"):
        assert policy[feature] == "()"
    assert "interest-cohort" not in policy


def assert_not_stored(response) -> None:
    assert response["Cache-Control"] == "private, no-store"


@pytest.fixture
def booking(space):
    guest = ClientFactory(phone=GUEST_PHONE, name="Irina Petrova")
    return BookingFactory(space=space, client=guest, reference="REF-20260315-QW3E",
                          start=studio_time(3, 10), end=studio_time(3, 12))


@pytest.fixture
def guest(client, booking):
    """A guest's browser that has proved its booking's reference and phone."""
    response = client.post("/book/lookup/", {"reference": booking.reference, "phone": GUEST_PHONE})
    assert response.status_code == 302
    return client


def staff_url(url: str, booking, manager) -> str:
    day = timezone.localdate(booking.start).isoformat()
    return url.format(booking=booking.pk, client=booking.client_id, manager=manager.pk, day=day)


class TestContentSecurityPolicy:
    @pytest.mark.parametrize("url", STAFF_PAGES)
    def test_staff_pages_run_only_shipped_scripts(self, staff_client, owner, manager, booking, url):
        response = staff_client(owner).get(staff_url(url, booking, manager))
        assert response.status_code in (200, 404)
        assert_runs_only_shipped_scripts(response)

    @pytest.mark.parametrize("url", ADMIN_PAGES)
    def test_the_admin_runs_only_its_files(self, staff_client, owner, manager, booking, url):
        response = staff_client(owner).get(staff_url(url, booking, manager))
        assert response.status_code == 200
        assert_runs_only_shipped_scripts(response, nonce_required=False)

    @pytest.mark.parametrize("url", PUBLIC_PAGES)
    def test_public_pages_run_only_shipped_scripts(self, client, studio, url):
        response = client.get(url.format(day=studio_time(2).date().isoformat()))
        assert response.status_code in (200, 404)
        assert_runs_only_shipped_scripts(response)

    @pytest.mark.parametrize("url", GUEST_BOOKING_PAGES)
    def test_the_guests_booking_pages_run_only_shipped_scripts(self, guest, booking, url):
        response = guest.get(url.format(reference=booking.reference))
        assert response.status_code == 200
        assert_runs_only_shipped_scripts(response)

    def test_the_sign_in_code_step(self, client, owner):
        confirmed_device(owner)
        assert client.post("/login/", {"username": "owner", "password": PASSWORD})["Location"] == "/login/code/"
        assert_runs_only_shipped_scripts(client.get("/login/code/"))

    def test_the_authenticator_set_up_and_the_backup_codes(self, staff_client, owner):
        client = staff_client(owner)
        client.post("/account/mfa/replace/", {"replace-password": PASSWORD})
        set_up = client.get("/account/mfa/")
        assert "<svg" in set_up.content.decode()  # the QR code is inline SVG: no image source needed
        assert_runs_only_shipped_scripts(set_up)
        client.post("/account/mfa/backup-codes/", {"backup-password": PASSWORD})
        codes = client.get("/account/mfa/")
        assert "data-print" in codes.content.decode()
        assert_runs_only_shipped_scripts(codes)

    @pytest.mark.parametrize("signed_in", [True, False])
    def test_the_error_pages(self, staff_client, owner, signed_in):
        client = staff_client(owner) if signed_in else Client()
        client.raise_request_exception = False
        response = client.get("/broken/")
        assert response.status_code == 500
        assert_runs_only_shipped_scripts(response)

    def test_the_forbidden_page(self, staff_client, manager):
        response = staff_client(manager).get("/employees/")
        assert response.status_code == 403
        assert_runs_only_shipped_scripts(response)

    def test_each_response_has_its_own_nonce(self, client):
        assert script_nonce(client.get("/book/")) != script_nonce(client.get("/book/"))

    def test_the_rest_of_the_policy(self, client):
        policy = directives(client.get("/book/"))
        assert policy["default-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]
        assert policy["img-src"] == ["'self'", "data:"]
        assert policy["style-src-elem"] == ["'self'"]
        # The live pages' websocket to this host, also for browsers where 'self' does not cover ws://.
        assert policy["connect-src"] == ["'self'", "ws://testserver"]

    def test_behind_https_the_websocket_is_wss(self, client):
        policy = directives(client.get("/book/", secure=True))
        assert policy["connect-src"] == ["'self'", "wss://testserver"]


class TestPermissionsPolicy:
    @pytest.mark.parametrize("url", ["/book/", "/login/", "/api/v1/availability?space=white&date={day}",
                                     "/no-such-page/"])
    def test_on_public_pages_and_the_api(self, client, studio, url):
        assert_permissions_policy(client.get(url.format(day=studio_time(2).date().isoformat())))

    @pytest.mark.parametrize("url", STAFF_PAGES)
    def test_on_staff_pages(self, staff_client, owner, manager, booking, url):
        assert_permissions_policy(staff_client(owner).get(staff_url(url, booking, manager)))


class TestCacheControl:
    @pytest.mark.parametrize("url", [*STAFF_PAGES, *ADMIN_PAGES, "/bookings/export.csv"])
    def test_nothing_a_signed_in_employee_sees_is_stored(self, staff_client, owner, manager, booking, url):
        assert_not_stored(staff_client(owner).get(staff_url(url, booking, manager)))

    def test_the_export_is_not_stored(self, staff_client, owner, booking):
        response = staff_client(owner).get("/bookings/export.csv")
        assert response.status_code == 200 and "Irina Petrova" in b"".join(response.streaming_content).decode()
        assert_not_stored(response)

    @pytest.mark.parametrize("url", GUEST_BOOKING_PAGES)
    def test_the_guests_booking_pages_are_not_stored(self, guest, booking, url):
        response = guest.get(url.format(reference=booking.reference))
        assert response.status_code == 200 and "Irina Petrova" in response.content.decode()
        assert_not_stored(response)

    def test_the_guests_booking_in_the_api_is_not_stored(self, client, booking):
        response = client.get(f"/api/v1/bookings/{booking.reference}", {"phone": GUEST_PHONE})
        assert response.status_code == 200 and response.json()["clientName"] == "Irina Petrova"
        assert_not_stored(response)

    def test_a_refused_guest_cancellation_is_not_stored(self, guest, booking):
        response = guest.post(f"/book/lookup/{booking.reference}/cancel/", {"reason": ""})
        assert response.status_code == 400
        assert_not_stored(response)

    @pytest.mark.parametrize("url", ["/book/", "/book/privacy/", "/book/lookup/", "/login/"])
    def test_public_pages_may_be_kept_by_the_browser(self, client, studio, url):
        assert "no-store" not in client.get(url).get("Cache-Control", "")

    def test_the_ical_feed_keeps_its_short_private_cache_for_calendar_apps(self, owner, booking):
        feed = feed_regenerate(employee=owner)
        response = Client().get(f"/calendar/ical/{feed.token}.ics")
        assert response.status_code == 200 and "BEGIN:VCALENDAR" in response.content.decode()
        assert response["Cache-Control"] == "private, max-age=300"
