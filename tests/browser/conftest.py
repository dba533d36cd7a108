"""Browser tests: Playwright drives Debian's Chromium against Django's live server.

Playwright cannot download a browser here; it uses /usr/bin/chromium. Without Chromium the browser
tests are skipped locally, but CI installs it (.ci/run), so there they always run.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings

from tests.signing_in import signed_in_session

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(settings.BASE_DIR) / "screenshots"
# What Chromium prints when the page's Content-Security-Policy or Permissions-Policy refuses something.
REFUSALS = ("Content Security Policy", "Content-Security-Policy", "Refused to", "Permissions-Policy")


class PolicyWatch:
    """Collects the console messages in which Chromium refused something a page tried under its policies."""

    def __init__(self):
        self.refusals: list[str] = []

    def listen(self, context) -> None:
        context.on("console", self._on_console)

    def _on_console(self, message) -> None:
        if any(word in message.text for word in REFUSALS):
            self.refusals.append(f"{message.page.url if message.page else '?'}: {message.text}")


class WatchedBrowser:
    """The browser, every context of which reports policy refusals to ``watch``."""

    def __init__(self, browser, watch: PolicyWatch):
        self._browser = browser
        self._watch = watch

    def new_context(self, **options):
        context = self._browser.new_context(**options)
        self._watch.listen(context)
        return context

    def __getattr__(self, name):
        return getattr(self._browser, name)


POLICY_WATCH = PolicyWatch()


def pytest_collection_modifyitems(config, items):
    """Mark the browser tests and run them last: Playwright's sync API leaves an event loop on the main
    thread for the rest of the session, which async tests (websocket consumers) cannot share."""
    browser_tests = [item for item in items if "tests/browser/" in str(item.fspath)]
    for item in browser_tests:
        item.add_marker(pytest.mark.browser)
    items[:] = [item for item in items if item not in browser_tests] + browser_tests


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("CI must install Chromium (/usr/bin/chromium) for the browser tests.")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield WatchedBrowser(browser, POLICY_WATCH)
        browser.close()


@pytest.fixture(autouse=True)
def no_policy_refusals():
    """Fails a browser test in which any page broke its CSP or Permissions-Policy (a refused inline
    script or style, eval, a connection elsewhere): the page would be broken for its users."""
    POLICY_WATCH.refusals.clear()
    yield
    refusals, POLICY_WATCH.refusals[:] = list(POLICY_WATCH.refusals), []
    assert refusals == [], "\n".join(refusals)


@pytest.fixture
def new_page(browser, live_server):
    """Open a fresh page: ``new_page(viewport=PHONE, user=owner)``. A user is signed in by session cookie."""
    contexts = []

    def open_page(*, viewport=DESKTOP, user=None):
        context = browser.new_context(viewport=viewport, base_url=live_server.url)
        context.set_default_timeout(10_000)
        if user is not None:
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": signed_in_session(user),
                                  "url": live_server.url}])
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


def screenshot(page, name: str) -> None:
    """Save a full-page screenshot under screenshots/ (git-ignored) for a person to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
