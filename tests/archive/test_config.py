"""CrawlConfig: values that cannot mean anything are refused with a sentence, not guessed at."""

from __future__ import annotations

import re

import pytest

from archive.config import CrawlConfig, CrawlConfigError
from archive.policy import Recrawl

REPLICA = "http://127.0.0.1:9"


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"delay": -1}, "delay must be 0 or more seconds"),
        ({"delay": float("nan")}, "delay must be 0 or more seconds"),
        ({"delay": float("inf")}, "delay must be 0 or more seconds"),
        ({"recent_days": -5}, "recent days must not be negative"),
        ({"warc_max_size": 0}, "WARC max size must be positive"),
        ({"concurrency": 0}, "concurrency must be at least 1"),
        ({"max_articles": 0}, "max articles must be at least 1, not 0 (leave it out"),
        ({"max_articles": -1}, "max articles must be at least 1, not -1"),
        ({"max_listing_pages": 0}, "max listing pages must be at least 1, not 0"),
        ({"max_listing_pages": "-3"}, "max listing pages must be at least 1, not -3"),
    ],
)
def test_nonsense_values_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(CrawlConfigError, match="^" + re.escape(message)):
        CrawlConfig(base_url=REPLICA, **changes)  # type: ignore[arg-type]


def test_no_bound_and_the_smallest_bounds_are_accepted() -> None:
    unbounded = CrawlConfig(base_url=REPLICA)
    assert unbounded.max_articles is None and unbounded.max_listing_pages is None
    smallest = CrawlConfig(
        base_url=REPLICA, max_articles=1, max_listing_pages=1, delay=0, recent_days=0
    )
    assert (smallest.max_articles, smallest.max_listing_pages) == (1, 1)


def test_changed_travels_through_settings_and_a_resumed_job() -> None:
    config = CrawlConfig.from_settings(
        {"REGARKIV_RECRAWL": "changed", "REGARKIV_BASE_URL": REPLICA}
    )
    assert config.recrawl is Recrawl.CHANGED
    assert CrawlConfig(base_url=REPLICA).resumed(config.job_settings()).recrawl is Recrawl.CHANGED
    with pytest.raises(CrawlConfigError, match=r"choose from new, recent, all, changed"):
        CrawlConfig(base_url=REPLICA, recrawl="sometimes")
