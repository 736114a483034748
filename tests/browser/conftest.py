"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Every test module here starts with

    pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

(`browser` also needs PostgreSQL: the live server thread cannot share the test's in-memory
SQLite database). The fixtures:

- `page`: a desktop page (1280x800, locale id-ID) whose relative URLs go to the live server;
- `open_page(phone=True)` / `open_page(javascript=False)`: another page in a fresh context;
- `log_in(page, user)`: the page's context carries a session of `user`;
- `browser_errors`: console errors, uncaught exceptions and CSP violations of the test's pages.
  Any of them fails the test; `browser_errors.ignore("text")` opts out of the expected ones.

The checks `axe_check`, `assert_nothing_overflows` and `screenshot` are in tests/browser/checks.py.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client

from tests.conftest import CHROMIUM

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
# Playwright's default is 30 s; a page of the live server answers in well under one.
TIMEOUT_MS = 10_000


@dataclass
class BrowserErrors:
    """What the browser reported as wrong while a test ran."""

    messages: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def ignore(self, text: str) -> None:
        """The test expects errors containing `text`: they do not fail it."""
        self.ignored.append(text)

    def unexpected(self) -> list[str]:
        return [m for m in self.messages if not any(text in m for text in self.ignored)]

    def console_message(self, message) -> None:
        # Chromium reports a CSP violation as a console error, JavaScript on or off. It asks
        # for /favicon.ico by itself: that answer is no page's error.
        url = message.location["url"] or message.page.url
        if message.type == "error" and not url.endswith("/favicon.ico"):
            self.messages.append(f"console error at {url}: {message.text}")

    def uncaught_exception(self, error) -> None:
        self.messages.append(f"uncaught exception at {error.page.url}: {error.error.message}")


browser_errors_key = pytest.StashKey[BrowserErrors]()


@pytest.fixture(scope="package")
def playwright():
    """Playwright, once for all the browser tests.

    Package-scoped rather than session-scoped: its sync API keeps an asyncio event loop
    running in the test thread for as long as it is started, and that loop must be gone
    before the rest of the suite runs (tests/browser sorts first).
    """
    from playwright.sync_api import sync_playwright

    # While that loop runs, Django's async-safety check takes every ORM call in this thread
    # (factories, the test database's setup and flush) for a call from async code and raises
    # SynchronousOnlyOperation. No Django code runs inside the loop, which only talks to the
    # browser, so the check is switched off exactly while Playwright is started.
    # And with a loop running, `connections` looks its database connections up in another
    # store: new ones, without the test database's serialized rows, so every serialized
    # rollback after the first would restore nothing. The thread keeps the connections it had.
    wrappers = {alias: connections[alias] for alias in connections}
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        manager = sync_playwright().start()
        for alias, wrapper in wrappers.items():
            connections[alias] = wrapper
        yield manager
        manager.stop()


@pytest.fixture(scope="package")
def browser(playwright):
    # Playwright's own browser download does not work here: Debian's Chromium instead.
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def browser_errors(request) -> BrowserErrors:
    errors = BrowserErrors()
    request.node.stash[browser_errors_key] = errors
    return errors


@pytest.fixture
def open_page(browser, live_server, browser_errors) -> Iterator[Callable]:
    """A page in a new browser context: `open_page(phone=True)`, `open_page(javascript=False)`."""
    contexts = []

    def open_(*, phone: bool = False, javascript: bool = True):
        context = browser.new_context(
            **(PHONE if phone else DESKTOP),
            locale="id-ID",
            java_script_enabled=javascript,
            base_url=live_server.url,
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.on("console", browser_errors.console_message)
        context.on("weberror", browser_errors.uncaught_exception)
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page):
    """A desktop page (1280x800, locale id-ID); `page.goto("/")` opens the live server's market."""
    return open_page()


@pytest.fixture
def log_in(live_server):
    """`log_in(page, user)`: the page's context is logged in as `user`, without the log-in form."""

    def log_in_(page, user) -> None:
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        page.context.add_cookies(
            [
                {"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url},
            ]
        )

    return log_in_


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fail a browser test whose pages reported errors; show them beside any other failure."""
    try:
        result = yield
    except BaseException:
        errors = item.stash.get(browser_errors_key, None)
        if errors and errors.messages:
            item.add_report_section("call", "browser errors", "\n".join(errors.messages))
        raise
    errors = item.stash.get(browser_errors_key, None)
    if errors and errors.unexpected():
        pytest.fail(
            "the browser reported errors:\n" + "\n".join(errors.unexpected()), pytrace=False
        )
    return result
