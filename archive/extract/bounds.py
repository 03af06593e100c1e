"""The bounds every document extractor keeps, and how it stops with an outcome."""

from __future__ import annotations

import time

MAX_BYTES = 100_000_000  # a document larger than this is not parsed at all
MAX_PAGES = 2_000  # PDF pages read
TIME_BUDGET_S = 20.0  # per document, checked between PDF pages and zip members
MAX_TEXT_CHARS = 2_000_000  # text kept per document (a 1,000-page report is ~2 M)
MAX_MEMBERS = 5_000  # entries of a zip-based document
MAX_MEMBER_BYTES = 50_000_000  # uncompressed size of one XML part read
MAX_TOTAL_BYTES = 200_000_000  # uncompressed size of the parts read, together
MAX_RATIO = 100  # uncompressed / compressed, for parts over RATIO_FLOOR
RATIO_FLOOR = 1_000_000


class DocumentError(Exception):
    """Extraction stops with an outcome: ``status`` and a one-line ``reason``."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def check_time(deadline: float, done: str) -> None:
    if time.monotonic() > deadline:
        raise DocumentError("too-large", f"time budget spent after {done}")
