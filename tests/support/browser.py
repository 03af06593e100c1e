"""A real browser for the replay and web-interface tests: Debian's Chromium, driven by
Playwright for Python.

Playwright's own browser download cannot be reached from these machines, so the tests
launch the system's ``chromium`` through ``executable_path``. ``.ci/run`` installs it
where it is missing and sets ``REGARKIV_TEST_BROWSER=required``, which turns the skip
a developer without Chromium gets into a failure: CI never passes without the browser.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Response

# The flags the machine's probe found necessary: as root Chromium needs --no-sandbox,
# and with background networking on it tries Google's hosts, which this closed
# network refuses (and which would count as requests leaving the replay server).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    """The system's Chromium binary, or None where it is not installed."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    return found if found else None


def unavailable_reason() -> str | None:
    """Why a browser test cannot run here, or None when it can."""
    try:
        import playwright.sync_api  # noqa: F401  (only to learn whether it is installed)
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[dev]')"
    if chromium_path() is None:
        return "Chromium is not installed (apt-get install chromium; .ci/run does it)"
    return None


def required() -> bool:
    """True in CI, where a missing browser must fail the run rather than skip."""
    return os.environ.get("REGARKIV_TEST_BROWSER", "") == "required"


@contextmanager
def launched() -> Iterator[Browser]:
    """A headless Chromium for the length of the block."""
    # Imported here so that the suite collects where Playwright is absent (the
    # browser tests then skip with unavailable_reason()).
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    assert path is not None, unavailable_reason()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Traffic:
    """Every request a page made, so that a test can prove none left the allowed hosts."""

    allowed: set[str]
    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)

    def watch(self, page: Page) -> None:
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("requestfailed", lambda request: self.failed.append(request.url))
        page.on("response", self._answered)

    def _answered(self, response: Response) -> None:
        self.statuses[response.url] = response.status

    def leaked(self) -> list[str]:
        """Requests to any host:port other than the allowed ones (data: and blob: are local)."""
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme in ("http", "https", "ws", "wss")
            and urlsplit(url).netloc not in self.allowed
        ]

    def not_found(self) -> list[str]:
        return sorted(url for url, status in self.statuses.items() if status == 404)


def screenshot_dir(root: Path) -> Path:
    """Where the tests keep their screenshots as artifacts (ignored by git)."""
    path = root / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path
