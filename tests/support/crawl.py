"""The options that make a crawl of the replica fast: the ``crawl`` fixture passes them, and
so do tests that start a crawl process themselves, to kill it (``crawl_killed_when``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

FAST = ["--delay", "0", "--concurrency", "8"]


class CrawlEndedFirst(AssertionError):
    """The crawl finished before the moment it was to be killed at."""


def crawl_killed_when(
    data_dir: Path,
    base_url: str,
    ready: Callable[[], bool],
    timeout: float = 60,
    poll: float = 0.005,
) -> None:
    """Start `regarkiv crawl`, kill -9 it once ``ready()`` holds (or ``timeout`` passed)."""
    command = [
        sys.executable, "-m", "regarkiv", "crawl", "--data-dir", str(data_dir),
        "--base-url", base_url, *FAST, "--json",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not ready():
            if process.poll() is not None:
                raise CrawlEndedFirst("the crawl ended before it could be killed")
            time.sleep(poll)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=30)
