"""The pages' reading of the archive: ``DataDir`` methods run in worker threads (SQLite
would block Datasette's event loop), each thread with its own read-only connection, and
every call bounded in time like Datasette's own queries."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from archive.datadir import DataDir, UnreadableArchive

T = TypeVar("T")
TIME_LIMIT = 2.0  # seconds a page's reading may take
_STEPS = 10_000  # SQLite VM steps between two looks at the clock


class TooSlow(TimeoutError):
    """A page's reading ran past ``TIME_LIMIT``."""


class Reader:
    """``await reader.read(lambda archive: archive.search(...))``."""

    def __init__(self, root: Path, time_limit: float = TIME_LIMIT) -> None:
        self.root = root
        self.time_limit = time_limit
        self._local = threading.local()
        self._opened: list[DataDir] = []
        self._lock = threading.Lock()

    async def read(self, call: Callable[[DataDir], T]) -> T:
        return await asyncio.to_thread(self._run, call)

    def _run(self, call: Callable[[DataDir], T]) -> T:
        archive: DataDir | None = getattr(self._local, "archive", None)
        if archive is None:
            archive = self._local.archive = DataDir(self.root)
            with self._lock:
                self._opened.append(archive)
        deadline = time.monotonic() + self.time_limit
        conn = archive.index.conn
        conn.set_progress_handler(lambda: int(time.monotonic() > deadline), _STEPS)
        try:
            return call(archive)
        except (UnreadableArchive, sqlite3.OperationalError):
            if time.monotonic() > deadline:
                raise TooSlow(f"reading took more than {self.time_limit:g} s") from None
            raise
        finally:
            conn.set_progress_handler(None, 0)

    def close(self) -> None:
        with self._lock:
            for archive in self._opened:
                archive.close()
            self._opened.clear()
