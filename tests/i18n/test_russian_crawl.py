"""Every page a Russian reader can reach, read in Russian: no English leaks through.

The demo studio is seeded, then a Russian owner follows every link from the dashboard (and a Russian guest every
link from the booking page), as far as the links go; each HTML page must answer and show no English word beyond
names, data and the words both languages share (tests/languages.py). A page added later is crawled as soon as
anything links to it.
"""

import io
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from bookings.models import Client as StudioClient
from bookings.models import Equipment, PromoCode, Space
from employees.models import Employee
from tests.languages import RUSSIAN_BROWSER, english_leaks, in_russian
from tests.signing_in import signed_in_client

pytestmark = pytest.mark.django_db

# Not pages: signing out, downloads, feeds, the machine answers, the socket fallbacks.
SKIPPED_PREFIXES = ("/logout", "/static/", "/media/", "/metrics", "/healthz", "/readyz", "/jsi18n", "/i18n/",
                    "/admin/logout", "/admin/jsi18n", "/calendar/feed", "/api/v1/bookings", "/api/v1/spaces",
                    "/api/v1/availability")
MAX_PAGES = 400


def _links(html: str, base: str) -> list[str]:
    from html.parser import HTMLParser

    found = []

    class Links(HTMLParser):
        def handle_starttag(self, tag, attrs):
            href = dict(attrs).get("href")
            if tag == "a" and href and not href.startswith(("#", "mailto:", "tel:", "javascript:")):
                found.append(urljoin(base, href))

    Links().feed(html)
    return found


def _crawl(client: Client, starts: list[str], data_names: list[str], headers=None) -> dict[str, list[str]]:
    """Each reachable page once (one query-string variant per path and parameter set): its English leaks."""
    leaks, seen, queue, shapes = {}, set(), list(starts), set()
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        parts = urlsplit(url)
        if parts.netloc not in ("", "testserver") or parts.path.startswith(SKIPPED_PREFIXES):
            continue
        shape = (parts.path, tuple(sorted(key.split("=")[0] for key in parts.query.split("&") if key)))
        if url in seen or shape in shapes:
            continue
        seen.add(url)
        shapes.add(shape)
        response = client.get(url, **(headers or {}))
        assert response.status_code in (200, 302, 403), f"{url} answered {response.status_code}"
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        assert '<html lang="ru"' in html, url
        found = english_leaks(html, allowed=data_names)
        if found:
            leaks[url] = found
        queue += [link for link in _links(html, url) if link not in seen]
    return leaks


def _assert_russian(leaks: dict[str, list[str]]) -> None:
    if leaks:
        pytest.fail("English on Russian pages:\n" + "\n".join(f"{url}: {' '.join(words)}" for url, words in leaks.items()))


@pytest.fixture
def demo_studio(settings):
    settings.STUDIO_LANGUAGE = settings.LANGUAGE_CODE = "ru"
    with translation.override("ru"):
        call_command("seed_demo", stdout=io.StringIO())
    names = [*Space.objects.values_list("name", flat=True), *Space.objects.values_list("slug", flat=True), *Equipment.objects.values_list("name", flat=True),
             *StudioClient.objects.values_list("name", flat=True), *Employee.objects.values_list("full_name", flat=True),
             *Employee.objects.values_list("username", flat=True), *PromoCode.objects.values_list("code", flat=True)]
    return names


def test_every_staff_page_reads_in_russian(demo_studio):
    owner = in_russian(Employee.objects.get(username="owner"))
    _assert_russian(_crawl(signed_in_client(owner), ["/dashboard/", "/admin/"], demo_studio))


def test_every_guest_page_reads_in_russian(demo_studio):
    examples = ["white"]  # the API docs' example slug
    _assert_russian(_crawl(Client(), ["/book/", "/book/privacy/", "/book/lookup/", "/api/v1/docs"], demo_studio + examples,
                           headers=RUSSIAN_BROWSER))
