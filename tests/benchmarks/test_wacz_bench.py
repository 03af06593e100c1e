"""Smoke test of benchmarks/wacz.py: a small run reports every figure for each size.

Speed is not checked here (bench.py prints it beside its target); the peak RSS is, since
it must not depend on the archive's size: a 48 MB archive exports in under 100 MB."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def test_small_run_reports_throughput_and_a_flat_peak(root: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(root / "benchmarks" / "wacz.py"), "--sizes", "8,48"]
        + ["--articles", "12", "--rounds", "1", "--json", "--work", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=root,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(result.stdout)
    assert set(figures["sizes"]) == {"8", "48"}
    for size, figure in figures["sizes"].items():
        assert figure["archive_mb"] >= int(size), figure
        assert figure["mb_per_s"] > 0 and figure["mb_per_cpu_s"] > 0
        assert 0 < figure["peak_rss_mb"] < 100, figure
    assert len(figures["load_average"]) == 3 and isinstance(figures["pass"], bool)
    assert list(tmp_path.iterdir()) == []  # the archives are removed
