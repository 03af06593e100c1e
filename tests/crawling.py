"""Helpers for tests that run real crawls (in a subprocess, as users do) against the replica."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

FAST = ["--delay", "0", "--concurrency", "8"]


def regarkiv(
    *args: str, timeout: float = 180, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a fresh process: Scrapy's reactor cannot restart in one process."""
    full_env = dict(os.environ, **(env or {}))
    full_env.setdefault("REGARKIV_RETRY_BASE_DELAY", "0.1")
    return subprocess.run(
        [sys.executable, "-m", "regarkiv", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
    )


def crawl(data_dir: Path, base_url: str, *extra: str, timeout: float = 180) -> dict:
    result = regarkiv(
        "crawl",
        "--data-dir",
        str(data_dir),
        "--base-url",
        base_url,
        *FAST,
        "--json",
        *extra,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def warcio_check(path: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("warcio")
    return subprocess.run(
        [str(exe), "check", str(path)], capture_output=True, text=True, timeout=120
    )
