"""Smoke test of benchmarks/bench.py: a tiny run reports every figure (speed is not checked)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.report import render, targets
from benchmarks.search_bench import KINDS

SMALL = [
    "--quick", "--json", "--articles", "30", "--revisions", "600", "--extract-pages", "10",
    "--cold-runs", "2",
]  # fmt: skip


@pytest.fixture(scope="module")
def figures(root: Path) -> dict:
    if shutil.which("wget") is None:
        pytest.skip("the crawl benchmark runs wget")
    pytest.importorskip("trafilatura", reason="trafilatura (a dev extra) is not installed")
    result = subprocess.run(
        [sys.executable, str(root / "benchmarks" / "bench.py"), *SMALL],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=root,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    found: dict = json.loads(result.stdout)
    return found


def test_the_crawl_is_paired_rounds_against_both_servers(figures: dict) -> None:
    crawl = figures["crawl"]
    assert "one page at a time" in crawl["note"]  # wget's lack of concurrency is stated
    assert set(crawl["servers"]) == {"rendering", "prerendered", "rendering_50ms"}
    assert crawl["servers"]["rendering_50ms"]["latency_ms"] == 50
    for server in crawl["servers"].values():
        names = {"bare", "regarkiv"} | ({"wget"} if not server["latency_ms"] else set())
        assert set(server["contenders"]) == names
        for name, contender in server["contenders"].items():
            for key in ("pages_per_s", "cpu_ms_per_page", "server_cpu_ms_per_page"):
                assert contender[key] > 0, (name, key)
            # Fairness, not speed: every contender fetched exactly the crawl's pages.
            assert contender["requests"] == crawl["expected_requests"], name
            assert contender["peak_rss_sum_mb"] >= contender["peak_tree_rss_mb"] > 0
        ratios = ("regarkiv_vs_bare", "cpu_per_page_regarkiv_vs_bare")
        for ratio in ratios + (("regarkiv_vs_wget",) if "wget" in names else ()):
            spread = server["ratios"][ratio]
            assert 0 < spread["min"] <= spread["median"] <= spread["max"]
        # The ratios are per round: each round ran every contender.
        assert all(set(r) == names for r in server["rounds"])
        regarkiv = server["contenders"]["regarkiv"]
        assert regarkiv["peak_tree_rss_mb"] > regarkiv["peak_rss_mb"]  # crawl, writer, indexer


def test_the_crawl_with_requisites_is_a_section_with_targets(figures: dict) -> None:
    section = figures["crawl_requisites"]
    assert set(section["contenders"]) == {"bare", "regarkiv", "wget"}
    assert section["request_sets"]["bare"]["only_regarkiv"] == 0
    names = {target["name"] for target in figures["targets"]}
    assert {"crawl+requisites: regarkiv / bare, req/s"} <= names
    assert {"crawl+requisites: regarkiv / wget, req/s"} <= names


def test_the_crawl_with_requisites_is_measured_again_with_a_distant_server(figures: dict) -> None:
    section = figures["crawl_requisites_latency"]
    assert section["latency_ms"] == 50
    names = {target["name"] for target in figures["targets"]}
    assert "crawl+requisites, 50 ms: regarkiv / wget, req/s" in names
    # The wait was served: wget, one request at a time, waited 50 ms for each of them.
    wget = section["contenders"]["wget"]
    assert wget["wall_s"] >= wget["requests"] * 0.05


def test_reading_the_archive_is_measured(figures: dict) -> None:
    readers = figures["readers"]
    assert readers["regarkiv"]["records"] > 30
    assert readers["warcio"]["records"] == readers["regarkiv"]["records"]
    assert figures["verify"]["ok"] is True and figures["verify"]["mb_per_s"] > 0
    reindex = figures["reindex"]
    assert reindex["articles"] == 30
    assert reindex["cpu_ms_per_article"] > 0
    # Each run alone; the one reported is the median of their speeds.
    assert reindex["runs"] == 2
    low, median, high = reindex["articles_per_s_spread"]
    assert low <= median <= high and low <= reindex["articles_per_s"] <= high
    assert len(reindex["load_average_start"]) == 3


def test_search_reports_every_kind_beside_the_cold_start(figures: dict) -> None:
    search = figures["search"]
    for kind in KINDS:
        assert search[kind]["queries"] >= 100
        assert 0 < search[kind]["p50_ms"] <= search[kind]["p95_ms"] <= search[kind]["max_ms"]
    assert search["distinct_words"] > 1000
    for command in ("version", "search", "search_from_source"):
        assert figures["cold_cli"][command]["wall_ms_median"] > 0


def test_every_target_is_checked_and_the_load_is_printed(figures: dict) -> None:
    names = {target["name"] for target in figures["targets"]}
    assert len(names) >= 15
    assert all(isinstance(target["pass"], bool) for target in figures["targets"])
    assert isinstance(figures["all_pass"], bool)
    assert len(figures["settings"]["load_average"]) == 3
    assert len(figures["load_average_end"]) == 3


def test_the_text_report_prints_the_figures_beside_the_load(figures: dict) -> None:
    figures = {**figures, "seconds": 1.0}
    text = render(figures, targets(figures))
    assert "load average" in text and "at the end" in text
    assert "one page at a time" in text
    assert "rendering server" in text and "prerendered server" in text
    assert "Crawl with requisites and attachments" in text
    assert "1c. The same, the server answering after a wait" in text and "waits 50 ms" in text
    assert "min" in text and "median" in text and "max" in text
    assert "cold `regarkiv search`" in text and "frequent_phrase" in text
    assert "reader fastwarc" in text and "verify" in text


def test_export_wacz_is_measured_at_two_sizes(figures: dict) -> None:
    assert set(figures["wacz"]["sizes"]) == {"8", "32"}
    assert all(size["peak_rss_mb"] > 0 for size in figures["wacz"]["sizes"].values())
