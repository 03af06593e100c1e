"""Smoke test of benchmarks/chaos.py: a small run of one variant reports it equal to the
uninterrupted crawl (the full run's figures are in the README's Reliability section)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def test_a_small_chaos_run_reports_each_variant_against_the_reference(root: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(root / "benchmarks" / "chaos.py"), "--articles", "80",
         "--only", "indexer-50%", "--json"],
        capture_output=True, text=True, timeout=240, cwd=root,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    outcomes = {o["variant"]: o for o in json.loads(result.stdout)}
    assert set(outcomes) == {"indexer-50%"}
    outcome = outcomes["indexer-50%"]
    assert outcome["killed_exit"] == 0  # a new indexer took over
    assert outcome["equal"] and outcome["articles"] == 80 and outcome["verify"] == 0
