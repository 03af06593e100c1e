"""Fixtures of the tests of archive/'s own modules, and of crawls whose processes they kill."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from archive.pipeline import ArchiverConfig
from tests.support.crawl import FAST
from tests.support.warc import archiver_config


@pytest.fixture(scope="session")
def config() -> Callable[..., ArchiverConfig]:
    """An archiver's configuration: WARC files in ``tmp_path``/warcs, its index beside them."""
    return archiver_config


@pytest.fixture(scope="session")
def start_crawl() -> Callable[..., subprocess.Popen[str]]:
    """``regarkiv crawl --json`` of a site, fast, as a process of its own (to kill parts of)."""

    def start(data_dir: Path, base_url: str, *extra: str) -> subprocess.Popen[str]:
        command = [sys.executable, "-m", "regarkiv", "crawl", "--data-dir", str(data_dir),
                   "--base-url", base_url, *FAST, "--json", *extra]  # fmt: skip
        env = dict(os.environ, REGARKIV_RETRY_BASE_DELAY="0.1")
        return subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )

    return start


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(child) for child in (task / "children").read_text().split()]
    return found


def _spawned(pid: int) -> bool:
    """A crawl's child process (the writer or the indexer, archive/child.py)."""
    try:
        return b"archive.child" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


@pytest.fixture(scope="session")
def writer_pid() -> Callable[[int], int | None]:
    """The WARC writer process of a crawl process, once it runs."""

    def find(crawl: int) -> int | None:
        return next((pid for pid in _children(crawl) if _spawned(pid)), None)

    return find


@pytest.fixture(scope="session")
def indexer_pid(writer_pid: Callable[[int], int | None]) -> Callable[[int], int | None]:
    """The indexer process of a crawl process (a child of its writer), once it runs."""

    def find(crawl: int) -> int | None:
        writer = writer_pid(crawl)
        if writer is None:
            return None
        return next((pid for pid in _children(writer) if _spawned(pid)), None)

    return find
