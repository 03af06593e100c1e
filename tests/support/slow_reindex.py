"""A reindex whose pool works slowly, for tests/archive/test_reindex.py to kill mid-way:
``python -c 'from tests.support.slow_reindex import main; main()' DATA MARKER``."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import archive.reindex as reindex
import archive.reindex_workers as workers
from archive.datadir import DataDir
from archive.ingest import Prepared, prepare
from archive.model import Capture

_MARKER = Path()


def _slow_prepare(capture: Capture, body: bytes | None, encoding: str | None) -> Prepared:
    _MARKER.touch()  # a worker is at work
    time.sleep(0.5)  # a chunk of 32 records: 16 s
    return prepare(capture, body, encoding)


def main() -> None:
    global _MARKER
    data, _MARKER = Path(sys.argv[1]), Path(sys.argv[2])
    reindex.POOL_THRESHOLD = 0  # a pool at any size
    workers.prepare = _slow_prepare  # type: ignore[assignment]  # forked: they inherit it
    with DataDir(data).lock():
        reindex.rebuild(DataDir(data))
