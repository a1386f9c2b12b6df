"""Browser tests: Playwright for Python drives Debian's Chromium against pytest-django's live server.

No browser is downloaded: Playwright starts /usr/bin/chromium (the `chromium` Debian package,
which .ci/run installs). Where it is missing the tests are skipped with a notice in the summary,
unless ACCORD_REQUIRE_BROWSER=1 makes that a failure.

The data is the demo workspace, loaded through `accord.demo.load_demo()` (the project's own
actions), so the pages show what a new user sees after `make run`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Request,
    Response,
    sync_playwright,
)

from accord.demo import load_demo
from accord.lib.env import envbool
from tests.browser.support import (
    AXE_SCRIPT,
    CHROMIUM,
    CHROMIUM_ARGS,
    DEMO_PASSWORD,
    VIEWPORT,
    PageProblems,
)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the browser tests of a test process."""
    if not CHROMIUM.exists():
        if envbool("ACCORD_REQUIRE_BROWSER", False):
            pytest.fail(f"ACCORD_REQUIRE_BROWSER=1 but {CHROMIUM} is not installed", pytrace=False)
        pytest.skip(f"browser tests skipped: {CHROMIUM} not installed (Debian package chromium)")
    # Playwright's sync API keeps an asyncio loop running in this thread, which Django's guard
    # takes for async code calling the ORM. No Django code runs inside that loop, so the guard
    # is lifted for exactly as long as the browser lives.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        playwright = sync_playwright().start()
        try:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            yield chromium
            chromium.close()
        finally:
            playwright.stop()


@pytest.fixture
def problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def page(browser: Browser, live_server: Any, problems: PageProblems) -> Iterator[Page]:
    """A fresh browser context (no cookies) on the live server, recording page problems."""
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT)
    context.set_default_timeout(15_000)
    tab = context.new_page()

    def on_response(response: Response) -> None:
        # A page answering 404 on purpose is checked by its test; a missing asset is a bug.
        # (Chromium asks for /favicon.ico by itself when a page names no icon.)
        if response.url.endswith("/favicon.ico"):
            return
        if response.status >= 500 or (
            response.status >= 400 and response.request.resource_type != "document"
        ):
            problems.errors.append(f"HTTP {response.status} for {response.url}")

    def on_request_failed(request: Request) -> None:
        # A load cut short because the page moved on (ERR_ABORTED: the icon of a page the test
        # has already left, say) is not a failure; an error answer is caught by on_response.
        if request.url.endswith("/favicon.ico") or request.failure == "net::ERR_ABORTED":
            return
        problems.errors.append(f"request failed: {request.url} ({request.failure})")

    def on_console(message: ConsoleMessage) -> None:
        # Failed loads are reported once, with their address, by on_response.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.errors.append(f"console error on {tab.url}: {message.text}")

    tab.on("console", on_console)
    tab.on("pageerror", lambda error: problems.errors.append(f"script error: {error}"))
    tab.on("response", on_response)
    tab.on("requestfailed", on_request_failed)
    yield tab
    context.close()


@pytest.fixture
def demo(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The demo workspace, with a known password for every demo user."""
    monkeypatch.setenv("ACCORD_DEMO_PASSWORD", DEMO_PASSWORD)
    return load_demo()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_SCRIPT.exists():
        pytest.fail(f"{AXE_SCRIPT} is missing: run `npm ci` (make test does)", pytrace=False)
    return AXE_SCRIPT.read_text(encoding="utf-8")
