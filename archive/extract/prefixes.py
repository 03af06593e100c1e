"""Where the cut's scan (trim.py) can start on a page that begins as a page scanned before.

Between ``<body>`` and ``<main>`` an article page holds ~30 kB of header and megamenu, the
same bytes on every page of a language up to the breadcrumb; scanning them for markup was
half of finding the cut, and counting their quotes another quarter. A page whose region
starts with the bytes of a region scanned before resumes at the last checkpoint they share.

A checkpoint ``at`` lies in a stretch the scan searched without stopping (from the loop's
position ``text_start`` to the next markup it found), just after a ">". Whatever the search
examines at a "<" before ``at`` ends at that ">" at the latest (only a lookahead may read a
">"), so on equal bytes up to ``at`` the whole-page scan finds nothing before ``at`` either:
searching from ``at``, with ``text_start`` kept for the look-back that tells markup from
text in a tag, is the same scan. The quotes counted up to ``at`` are kept with it.
tests/extract/test_prefixes.py compares resumed scans with whole scans over changed pages.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

_SPACING = 1024  # bytes between checkpoints: a compare each, at most this much rescanned
_KEPT = 8  # regions kept a thread: the languages' templates, and a few sections' menus
_LOCAL = threading.local()


@dataclass(frozen=True)
class Checkpoint:
    """Offsets from the region's start; ``chunk`` is the region from the checkpoint before."""

    chunk: bytes
    at: int
    text_start: int
    quotes: tuple[int, int]  # '"' and "'" before ``at``


@dataclass(frozen=True)
class Resume:
    """Where to resume a scan (absolute offsets) and the quotes counted before ``search_from``."""

    text_start: int
    search_from: int
    quotes: tuple[int, int]


class KnownRegions:
    """The checkpoints of the last regions a thread scanned, most recently used first."""

    def __init__(self, kept: int = _KEPT) -> None:
        self.kept = kept
        self.regions: list[tuple[Checkpoint, ...]] = []

    def resume(self, page: bytes, start: int) -> Resume | None:
        """The furthest checkpoint a known region shares with ``page`` from ``start``
        (its bytes as they are: equal bytes are equal lowered, which the scan reads)."""
        best: Checkpoint | None = None
        best_region = 0
        for r, checkpoints in enumerate(self.regions):
            shared: Checkpoint | None = None
            for checkpoint in checkpoints:
                if not page.startswith(
                    checkpoint.chunk, start + checkpoint.at - len(checkpoint.chunk)
                ):
                    break
                shared = checkpoint
            if shared is not None and (best is None or shared.at > best.at):
                best, best_region = shared, r
        if best is None:
            return None
        if best_region:
            self.regions.insert(0, self.regions.pop(best_region))
        return Resume(start + best.text_start, start + best.at, best.quotes)

    def learn(self, page: bytes, start: int, stretches: list[tuple[int, int]]) -> None:
        """Keep the checkpoints of a region of ``page`` scanned whole: ``stretches`` are the
        (position, next markup) pairs the scan searched between, up to ``<main>``."""
        if not self.kept:
            return
        checkpoints: list[Checkpoint] = []
        last = start
        quotes = (0, 0)
        for text_start, markup in stretches:
            target = max(last, text_start) + _SPACING
            while target <= markup:
                at = max(page.rfind(b">", text_start, target) + 1, text_start)
                if at > last:
                    chunk = page[last:at]
                    quotes = (quotes[0] + chunk.count(b'"'), quotes[1] + chunk.count(b"'"))
                    checkpoints.append(Checkpoint(chunk, at - start, text_start - start, quotes))
                    last = at
                target += _SPACING
        if checkpoints:
            self.regions.insert(0, tuple(checkpoints))
            del self.regions[self.kept :]


def known_regions() -> KnownRegions:
    """This thread's known regions (a reindex worker's, the crawl's indexer's)."""
    regions: KnownRegions | None = getattr(_LOCAL, "regions", None)
    if regions is None:
        regions = _LOCAL.regions = KnownRegions()
    return regions
