"""How far a crawl has come: articles fetched of those expected, the rate and an ETA.

The listings say how many articles they hold ("Viser 1-20 av 6960 treff.", site.md §8),
but not how many of them this crawl will fetch: an up-to-date archive under `--recrawl
new` fetches a handful. So the expected total is estimated from what the crawl has seen:
the share of examined listing items it decided to fetch, applied to the items not yet
examined. It is exact for a first crawl and for `--recrawl all`, and shrinks towards
what is fetched as a `new` crawl finds it is caught up.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass

# nb/nn "Viser 1-20 av 6960 treff.", en "Showing 1021-1040 of 1773 results." and, when
# everything fits on one page, "Your search returned 12 results." (site.md §8). Digits
# may be grouped with spaces, no-break spaces, dots or commas.
_TOTAL = re.compile(
    r"(?:\bav|\bof|\breturned)\s+(\d[\d\s\u00a0.,]*?)\s*(?:treff|results?)\b", re.IGNORECASE
)
RATE_WINDOW = 30.0  # seconds of history behind the rate: recent enough to follow a slow-down


def listing_total(text: str) -> int | None:
    """The number of items a listing's count line says it holds, or None."""
    match = _TOTAL.search(" ".join(text.split()))
    if match is None:
        return None
    digits = re.sub(r"\D", "", match.group(1))
    return int(digits) if digits else None


class RateMeter:
    """Articles per second over the last RATE_WINDOW seconds."""

    def __init__(self, started: float) -> None:
        self._samples: deque[tuple[float, int]] = deque([(started, 0)])

    def add(self, now: float, done: int) -> float:
        """Records ``done`` at ``now``; returns the rate over the window (0 until known)."""
        self._samples.append((now, done))
        while len(self._samples) > 2 and now - self._samples[1][0] >= RATE_WINDOW:
            self._samples.popleft()
        first_time, first_done = self._samples[0]
        span = now - first_time
        return (done - first_done) / span if span > 0 else 0.0


@dataclass(frozen=True)
class Progress:
    """One look at a running crawl."""

    elapsed: float
    listing_pages: int
    articles: int  # fetched in this run (gone ones included)
    scheduled: int  # article requests made so far
    examined: int  # listing items looked at
    listed: int | None  # what the count lines of the walked listings say, if known
    failures: int
    bytes: int
    limit: int | None = None  # --max-articles
    rate: float = 0.0  # articles per second, recently

    @property
    def expected(self) -> int | None:
        """How many articles this crawl will have fetched when it ends (an estimate)."""
        if self.listed is None:
            return self.limit if self.limit is not None and self.scheduled >= self.limit else None
        share = self.scheduled / self.examined if self.examined else 1.0
        unseen = max(self.listed - self.examined, 0)
        total = self.scheduled + round(unseen * min(share, 1.0))
        if self.limit is not None:
            total = min(total, self.limit)
        return max(total, self.articles)

    @property
    def eta(self) -> float | None:
        """Seconds left at the current rate, or None while either is unknown."""
        expected = self.expected
        if expected is None or self.rate <= 0:
            return None
        return max(expected - self.articles, 0) / self.rate

    def render(self, color: bool = False) -> str:
        expected = self.expected
        articles = f"articles {self.articles:,}"
        if expected is not None:
            articles += f" of ~{expected:,}"
            if expected:
                articles += f" ({100 * self.articles / expected:.0f}%)"
        eta = self.eta
        failures = f"failures {self.failures:,}"
        if color and self.failures:
            failures = f"\x1b[31m{failures}\x1b[0m"  # red: something to look at
        parts = [
            _bold(articles, color),
            f"{self.rate:.1f}/s",
            f"ETA {duration(eta)}" if eta is not None else "ETA ?",
            f"listing pages {self.listing_pages:,}",
            failures,
            f"{self.bytes / 1e6:.1f} MB",
            f"elapsed {duration(self.elapsed)}",
        ]
        return "  ".join(parts)


def _bold(text: str, color: bool) -> str:
    return f"\x1b[1m{text}\x1b[0m" if color else text


def duration(seconds: float) -> str:
    """1h02m, 4m05s, 9s."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"
