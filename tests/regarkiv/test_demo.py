"""The README's first command: `regarkiv demo`, offline, under a minute."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from regarkiv.cli.demo import SITEMAP_MODES
from replica.sitemap import MODES


def test_demo_runs_offline(tmp_path: Path) -> None:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "regarkiv", "demo", "--data-dir", str(tmp_path / "demo")],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    for heading in ("First crawl", "Second crawl", "Search", "History", "What changed"):
        assert heading in out
    assert "new revisions" in out
    assert "[-" in out or "{+" in out  # a word diff, plain because piped
    assert "Traceback" not in result.stderr
    # Not a timing assertion on the suite, just a record of how long the demo took.
    print(f"demo took {time.monotonic() - started:.1f} s")


def test_demo_refuses_a_used_data_dir(tmp_path: Path) -> None:
    (tmp_path / "index.db").write_bytes(b"")
    result = subprocess.run(
        [sys.executable, "-m", "regarkiv", "demo", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "already holds an archive" in result.stderr


def test_replica_offers_the_sitemap_modes_of_the_replica_and_refuses_others() -> None:
    assert SITEMAP_MODES == MODES
    result = subprocess.run(
        [sys.executable, "-m", "regarkiv", "replica", "--sitemap", "sometimes"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "'sometimes' is not one of 'dated'" in result.stderr
