"""The crawl's progress: the listings' totals, the expected articles, rate and ETA."""

from __future__ import annotations

import pytest

from archive.progress import Progress, RateMeter, duration, listing_total


@pytest.mark.parametrize(
    ("line", "total"),
    [
        ("Viser 1-20 av 6960 treff.", 6960),
        ("\n            Viser 1-20 av 6960 treff.\n        ", 6960),
        ("Showing 1021-1040 of 1773 results.", 1773),
        ("Your search returned 12 results.", 12),
        ("Viser 0 av 0 treff.", 0),
        ("Viser 1-20 av 12 345 treff.", 12345),
        ("Viser 1-20 av 12\u00a0345 treff.", 12345),
        ("Showing 1-20 of 12,345 results.", 12345),
        ("Søket ditt gav 0 treff.", None),  # no "av N": nothing to learn
        ("", None),
        ("Sorter: Dato Beste treff", None),
    ],
)
def test_listing_total_reads_the_count_line_in_every_language(line: str, total: int | None) -> None:
    assert listing_total(line) == total


def snapshot(**changes: object) -> Progress:
    values: dict[str, object] = dict(
        elapsed=10.0, listing_pages=5, articles=50, scheduled=100, examined=100,
        listed=1000, failures=0, bytes=2_000_000, rate=5.0,
    )  # fmt: skip
    values.update(changes)
    return Progress(**values)  # type: ignore[arg-type]


def test_a_first_crawl_expects_every_listed_article() -> None:
    progress = snapshot()
    assert progress.expected == 1000
    assert progress.eta == pytest.approx((1000 - 50) / 5.0)


def test_a_caught_up_crawl_expects_only_what_it_decided_to_fetch() -> None:
    # 10 of the first 200 listed were new: the other 800 are estimated at the same share.
    progress = snapshot(articles=8, scheduled=10, examined=200)
    assert progress.expected == 10 + 40


def test_the_article_limit_caps_the_expected_total() -> None:
    assert snapshot(limit=120).expected == 120
    assert snapshot(listed=None, limit=100, scheduled=100).expected == 100


def test_without_a_count_line_there_is_no_total_and_no_eta() -> None:
    progress = snapshot(listed=None)
    assert progress.expected is None and progress.eta is None
    assert "articles 50  " in progress.render()
    assert "ETA ?" in progress.render()


def test_the_expected_total_never_falls_below_what_is_done() -> None:
    # Unlisted articles re-fetched under --recrawl all come on top of the listings.
    assert snapshot(articles=1200, scheduled=1300, examined=1000).expected == 1300


def test_render_shows_total_share_rate_eta_and_colours_only_when_asked() -> None:
    progress = snapshot(failures=3)
    line = progress.render()
    assert line.startswith("articles 50 of ~1,000 (5%)  5.0/s  ETA 3m10s  listing pages 5")
    assert "failures 3" in line and "\x1b[" not in line
    coloured = progress.render(color=True)
    assert "\x1b[1marticles 50 of ~1,000 (5%)\x1b[0m" in coloured
    assert "\x1b[31mfailures 3\x1b[0m" in coloured


def test_the_rate_follows_the_last_half_minute() -> None:
    meter = RateMeter(started=0.0)
    assert meter.add(10.0, 100) == pytest.approx(10.0)
    for second in range(11, 70):
        rate = meter.add(float(second), 100 + (second - 10))  # slowed to 1 a second
    assert rate == pytest.approx(1.0, abs=0.05)


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0s"), (9.7, "9s"), (245, "4m05s"), (3720, "1h02m")]
)
def test_duration(seconds: float, text: str) -> None:
    assert duration(seconds) == text
