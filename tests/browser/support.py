"""Helpers the browser tests share: logging in, screenshots, and axe-core checks."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, ViewportSize

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
DOCS_SCREENSHOT = ROOT / "docs" / "dashboard.png"
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path("/usr/bin/chromium")
# Without the networking flags Chromium keeps calling home, which a closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT: ViewportSize = {"width": 1280, "height": 900}
DEMO_PASSWORD = "browser-demo-Password-1"
# The axe impacts that fail a test; "minor" and "moderate" ones are printed only.
BLOCKING_IMPACTS = frozenset({"serious", "critical"})


@dataclass
class PageProblems:
    """What went wrong in the browser while a test ran: script errors, CSP blocks, failed loads."""

    errors: list[str] = field(default_factory=list)

    def assert_none(self) -> None:
        assert not self.errors, "The browser reported problems:\n" + "\n".join(self.errors)


def log_in(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the login form, as a person would, and wait to leave the login page."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    # The pointer stays where the button was; move it away so no later page starts hovered.
    page.mouse.move(0, 0)


def save_screenshot(page: Page, name: str) -> Path:
    """A full-page PNG in test-artifacts/browser/, kept for people to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def docs_screenshot_requested() -> bool:
    """`make screenshot` asks the dashboard test to refresh the README's picture."""
    return os.environ.get("ACCORD_UPDATE_DOCS_SCREENSHOT") == "1"


def axe_violations(page: Page, axe_source: str) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now and return its violations.

    The page's Content-Security-Policy forbids inline scripts, so axe is not added as a <script>
    tag: its source is evaluated through the DevTools protocol, which the page's CSP does not
    govern. The CSP stays in force for everything the page itself does.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(f"() => {{ {axe_source}\n}}")
    result: dict[str, Any] = page.evaluate(
        "async () => await window.axe.run(document, {resultTypes: ['violations']})"
    )
    violations: list[dict[str, Any]] = result["violations"]
    return violations


def describe_violations(violations: list[dict[str, Any]]) -> str:
    """One paragraph per violation: impact, rule, help and the first offending elements."""
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl'].split('?')[0]})")
        for node in v["nodes"][:5]:
            lines.append(f"    {json.dumps(node['target'])}: {node['html'][:160]}")
        if len(v["nodes"]) > 5:
            lines.append(f"    … and {len(v['nodes']) - 5} more")
    return "\n".join(lines)
