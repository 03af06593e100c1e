"""Smoke test of benchmarks/web_bench.py: a tiny run reports every figure (speed is not checked
here; the figures at 100,000 revisions are in the README)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def test_a_tiny_run_reports_every_page_and_the_browser_figure(root: Path) -> None:
    pytest.importorskip("datasette", reason="datasette (the web extra) is not installed")
    result = subprocess.run(
        [sys.executable, str(root / "benchmarks" / "web_bench.py"), "300"],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=root,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(result.stdout)
    assert figures["revisions"] == 300
    for kind in ("front", "article", "diff", "search"):
        page = figures["pages"][kind]
        assert 0 < page["p50_ms"] <= page["p95_ms"] and page["requests"] >= 50, kind
    chromium = figures["diff_in_chromium"]
    if chromium is not None:  # None where Chromium is not installed
        assert chromium["words"] == 5000 and chromium["p50_ms"] > 0
