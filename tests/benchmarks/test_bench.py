"""Smoke test of benchmarks/bench.py: a tiny run prints every figure (speed is not checked)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SMALL = ["--quick", "--json", "--articles", "40", "--revisions", "2000", "--extract-pages", "20"]


@pytest.mark.skipif(shutil.which("wget") is None, reason="the crawl benchmark runs wget")
def test_quick_run_reports_every_figure(root: Path) -> None:
    pytest.importorskip("trafilatura", reason="trafilatura (a dev extra) is not installed")
    result = subprocess.run(
        [sys.executable, str(root / "benchmarks" / "bench.py"), *SMALL],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=root,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(result.stdout)

    crawl = figures["crawl"]
    assert set(crawl["contenders"]) == {"bare", "regarkiv", "wget"}
    for name, contender in crawl["contenders"].items():
        for key in ("pages", "pages_per_s", "wall_s", "cpu_s", "peak_rss_mb", "warc_bytes"):
            assert key in contender, (name, key)
        # Fairness, not speed: every contender fetched exactly the crawl's pages.
        assert contender["requests"] == crawl["expected_requests"], name
        assert contender["peak_rss_mb"] > 0
        # The whole process tree holds at least its largest process.
        assert contender["peak_tree_rss_mb"] >= contender["peak_rss_mb"]
    regarkiv = crawl["contenders"]["regarkiv"]
    assert regarkiv["peak_tree_rss_mb"] > regarkiv["peak_rss_mb"]  # crawl, writer, indexer
    assert crawl["contenders"]["regarkiv"]["warc_bytes"] > 0
    assert crawl["contenders"]["wget"]["warc_bytes"] > 0
    assert {"regarkiv_vs_bare", "regarkiv_vs_wget"} <= set(crawl)

    extraction = figures["extraction"]
    for key in ("ours_pages_per_s", "trafilatura_pages_per_s", "speedup", "exact_share"):
        assert key in extraction
    assert extraction["pages"] == 20
    assert {"articles_per_s", "articles", "seconds"} <= set(figures["reindex"])
    assert figures["reindex"]["articles"] == 40
    for kind in ("rare_word", "common_word", "phrase"):
        assert {"p50_ms", "p95_ms"} <= set(figures["search"][kind])

    assert set(figures["wacz"]["sizes"]) == {"8", "32"}

    names = {target["name"] for target in figures["targets"]}
    assert len(names) >= 8
    assert all(isinstance(target["pass"], bool) for target in figures["targets"])
    assert isinstance(figures["all_pass"], bool)
