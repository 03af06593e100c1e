"""Smoke test of benchmarks/crawl_memory.py: a tiny crawl reports the sum of the processes'
peaks and each process's peak (the figures at 5,000 and 50,000 articles are in the README)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def test_a_tiny_crawl_reports_each_processs_peak(root: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(root / "benchmarks" / "crawl_memory.py"), "40", "--timeout", "120",
         "--again", "new"],
        capture_output=True, text=True, timeout=240, cwd=root,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(result.stdout)
    assert figures["articles"] == 40 and figures["pages"] >= 40
    peaks = figures["processes_mb"]
    assert len(peaks) >= 3  # the crawl, the WARC writer, the indexer
    assert figures["peak_rss_sum_mb"] >= max(peaks.values()) > 20
    assert {"crawl", "regarkiv-archiver", "regarkiv-indexer"} <= {_role(name) for name in peaks}
    # Again, into the same archive: nothing new, so a listing page or two and robots.txt.
    again = figures["again"]
    assert again["recrawl"] == "new" and 1 <= again["pages"] < 10
    assert again["peak_rss_sum_mb"] >= max(again["processes_mb"].values()) > 20


def _role(name: str) -> str:
    """ "1234 python regarkiv-indexer" -> "regarkiv-indexer"; "1234 python" -> "crawl"."""
    words = name.split()
    return words[2] if len(words) > 2 else "crawl"
