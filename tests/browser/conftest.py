"""Browser tests: Playwright drives Debian's Chromium against Django's live server.

Playwright cannot download a browser here; it uses /usr/bin/chromium. Without Chromium the browser
tests are skipped locally, but CI installs it (.ci/run), so there they always run.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from tests.live import asgi_server
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
# axe-core as npm installs it (package.json): the browser tests check every page with the installed engine.
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
# What a person cannot get past: a page with one of these fails its test.
AXE_BLOCKING = ("serious", "critical")
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


@pytest.fixture(params=["en", "ru"], autouse=True)
def ui_language(request, settings):
    """Every browser test runs in English and in Russian: the browser asks for the language, the employees'
    accounts are in it, and the test's own ``gettext`` finds the texts the page shows in it."""
    settings.STUDIO_LANGUAGE = settings.LANGUAGE_CODE = request.param
    with translation.override(request.param):
        yield request.param


@pytest.fixture
def new_page(browser, live_server, ui_language):
    """Open a fresh page: ``new_page(viewport=PHONE, user=owner)``. A user is signed in by session cookie,
    with their account in the test's language (``ui_language``)."""
    contexts = []

    def open_page(*, viewport=DESKTOP, user=None):
        context = browser.new_context(viewport=viewport, base_url=live_server.url, locale=ui_language)
        context.set_default_timeout(10_000)
        if user is not None:
            user.language = ui_language
            user.save(update_fields=["language"])
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


def axe_check(page, *, exclude=()) -> list[str]:
    """The serious and critical accessibility violations axe-core finds on ``page`` as it is now, one line
    each (rule, impact, the elements and what is wrong with the first). Elements matching the CSS
    selectors in ``exclude`` are left out.

    The engine is evaluated in the page rather than added as a <script>: the page's CSP runs no inline
    script, and the check must not need a weaker policy than the studio's users get."""
    if not AXE.exists():
        pytest.fail("axe-core is missing: `npm ci` installs it (make install)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;void 0")
    results = page.evaluate(
        """async (exclude) => {
            const context = exclude.length ? { include: [document], exclude: exclude.map((s) => [s]) } : document;
            const found = await axe.run(context, { resultTypes: ["violations"] });
            return found.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map((n) => ({ target: n.target.join(" "), summary: n.failureSummary })),
            }));
        }""",
        list(exclude),
    )
    return [
        f"{page.url} [{v['impact']}] {v['id']}: {v['help']} — {', '.join(n['target'] for n in v['nodes'][:5])}"
        f"{' …' if len(v['nodes']) > 5 else ''} ({v['nodes'][0]['summary']})"
        for v in results if v["impact"] in AXE_BLOCKING
    ]


# --- The board, served by a real ASGI server with its live updates -----------------------------------------


@pytest.fixture
def board_server(transactional_db):
    # One server per test: a flush between tests renumbers content types the server has cached.
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    with asgi_server(static=True) as url:
        yield url


def in_language(user, language):
    """``user``'s account in ``language``: the server process reads the language from the account."""
    user.language = language
    user.save(update_fields=["language"])


@pytest.fixture
def open_board(browser, board_server, ui_language):
    contexts = []

    def open_page(user, *, viewport=DESKTOP):
        in_language(user, ui_language)
        context = browser.new_context(viewport=viewport, base_url=board_server, locale=ui_language)
        context.set_default_timeout(10_000)
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": signed_in_session(user), "url": board_server}])
        contexts.append(context)
        page = context.new_page()
        page.goto("/kanban/")
        page.wait_for_selector('[data-live-status][data-state="live"]')
        return page

    yield open_page
    for context in contexts:
        context.close()
