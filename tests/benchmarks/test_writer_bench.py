"""Smoke test of benchmarks/writer_bench.py: a tiny crawl's exchanges, kept, then fed to the
writer process; each part's CPU a page is reported (the figures are in the README)."""

from __future__ import annotations

import pickle
import re
import subprocess
import sys
from pathlib import Path


def test_a_tiny_crawl_is_kept_and_fed_to_the_writer(root: Path, tmp_path: Path) -> None:
    kept = tmp_path / "exchanges.pkl"
    script = str(root / "benchmarks" / "writer_bench.py")
    made = subprocess.run(
        [sys.executable, script, "make", str(kept), "--articles", "30"],
        capture_output=True, text=True, timeout=240, cwd=root,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr[-3000:]
    exchanges = pickle.loads(kept.read_bytes())
    urls = [exchange.url for exchange in exchanges]
    assert len(urls) > 30 and any(url.endswith("/robots.txt") for url in urls)
    assert all(exchange.request_head.startswith(b"GET ") for exchange in exchanges)
    ran = subprocess.run(
        [sys.executable, script, "run", str(kept), "--rounds", "2"],
        capture_output=True, text=True, timeout=240, cwd=root,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert ran.stdout.startswith(f"{len(urls)} exchanges, 2 rounds, load average ")
    for part in ("submit", "writer", "indexer", "wall"):
        line = re.search(rf"{part} +ms a page: ([0-9.]+) / ([0-9.]+) ", ran.stdout)
        assert line is not None and float(line[1]) > 0, ran.stdout
