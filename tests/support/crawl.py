"""The options that make a crawl of the replica fast: the ``crawl`` fixture passes them, and
so do tests that start a crawl process themselves, to kill it."""

from __future__ import annotations

FAST = ["--delay", "0", "--concurrency", "8"]
