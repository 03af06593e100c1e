"""A reindex whose extraction workers die, for tests/archive/test_reindex_workers.py:
``python -c 'from tests.support.dying_reindex import main; main()' DATA`` prints what
``rebuild`` raised (run alone: only a process of one thread forks its workers)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import archive.reindex as reindex
import archive.reindex_workers as workers
from archive.datadir import DataDir
from archive.ingest import Prepared


def _dies(*_: object) -> Prepared:
    os._exit(3)


def main() -> None:
    reindex.POOL_THRESHOLD = 0  # workers at any size
    workers.prepare = _dies  # type: ignore[assignment]  # forked: they inherit it
    try:
        reindex.rebuild(DataDir(Path(sys.argv[1])))
    except reindex.ReindexError as error:
        print(f"{type(error).__name__}: {error}")
