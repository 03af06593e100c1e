"""Smoke test of benchmarks/recrawl_bench.py: a tiny run reports every mode's figures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def test_a_tiny_run_reports_requests_and_recall_of_each_mode(root: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(root / "benchmarks" / "recrawl_bench.py"), "--articles", "60",
         "--json"],
        capture_output=True, text=True, timeout=300, cwd=root,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(result.stdout)
    truth = figures["truth"]
    assert truth["edited"] and truth["removed"] and truth["new"]
    modes = figures["version_2"]
    assert set(modes) == {"changed", "recent", "all"}
    assert modes["changed"]["recall"] == 1.0 and modes["all"]["recall"] == 1.0
    assert modes["changed"]["requests"] < modes["all"]["requests"]
    assert modes["recent"]["sitemap"] == 0 and modes["changed"]["sitemap"] == 2
    assert figures["unchanged"]["recent"]["sitemap"] == 0
    # Requisites and documents are counted apart from the pages the budget counts.
    every = modes["all"]
    assert every["requisite"] > 0 and every["document"] > 0
    assert every["page_requests"] == every["requests"] - every["requisite"] - every["document"]
    # Every archived article (a removed one answers 404) and every new one, once each.
    assert every["article"] == figures["first_crawl"]["articles"] + truth["new"]
