"""Extraction speed against trafilatura.extract on the same pages (opt-in benchmark).

Run: REGARKIV_BENCH=1 pytest tests/extract/test_against_trafilatura.py -s
Timing depends on the machine, so plain test runs skip this module.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from archive.extract.article import extract_article

pytestmark = pytest.mark.skipif(
    not os.environ.get("REGARKIV_BENCH"), reason="benchmark: set REGARKIV_BENCH=1"
)

TARGET_SPEEDUP = 6.0


def per_call_ms(function: Callable[[], object], seconds: float = 1.0) -> float:
    """Best of five rounds of about ``seconds``/5 each, in milliseconds per call."""
    function()
    start, calls = time.perf_counter(), 0
    while time.perf_counter() - start < seconds / 10:
        function()
        calls += 1
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(calls):
            function()
        best = min(best, (time.perf_counter() - start) / calls)
    return best * 1000


def synthetic_page(fixtures_dir: Path, size: int = 60_000) -> str:
    """The nb news fixture with its body repeated up to ``size`` bytes."""
    page = (fixtures_dir / "news-nb.html").read_text(encoding="utf-8")
    start = page.index('<div class="article-body">') + len('<div class="article-body">')
    end = page.index("<script>$('.article-body")
    body = page[start:end]
    repeat = max(1, (size - len(page)) // len(body) + 1)
    return page[:start] + body * repeat + page[end:]


def pages(real_pages_dir: Path, fixtures_dir: Path) -> list[tuple[str, str, str]]:
    found = []
    for path in sorted(real_pages_dir.glob("hearing-id*.html")):
        url = f"https://www.regjeringen.no/no/dokumenter/x/{path.stem.removeprefix('hearing-')}/"
        found.append((path.name, path.read_text(encoding="utf-8"), url))
    url = "https://www.regjeringen.no/no/aktuelt/ny-avtale-om-havvind/id3170001/"
    found.append(("synthetic-60k", synthetic_page(fixtures_dir), url))
    return found


def test_faster_than_trafilatura(real_pages_dir: Path, fixtures_dir: Path) -> None:
    trafilatura = pytest.importorskip("trafilatura", reason="trafilatura is not installed")
    total_ours = total_theirs = 0.0
    print()
    for name, html, url in pages(real_pages_dir, fixtures_dir):
        ours = per_call_ms(lambda html=html, url=url: extract_article(html, url))
        theirs = per_call_ms(lambda html=html: trafilatura.extract(html))
        total_ours, total_theirs = total_ours + ours, total_theirs + theirs
        print(
            f"{name:24} {len(html) / 1000:5.0f} kB  extract_article {ours:6.2f} ms "
            f"({1000 / ours:5.0f} pages/s)  trafilatura {theirs:6.2f} ms "
            f"({1000 / theirs:4.0f} pages/s)  x{theirs / ours:.1f}"
        )
    print(f"overall speed-up x{total_theirs / total_ours:.1f}")
    assert total_theirs / total_ours >= TARGET_SPEEDUP
