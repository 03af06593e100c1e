"""The data directory: one object that owns every path of an archive, and reads it.

```
DATA/
  warcs/                 WARC/1.1 files and their CDXJ indexes (the source of truth)
  index.db               the SQLite index, derived from the WARCs
  manifest-sha256.txt    fixity manifest of closed WARC files
  schedules.json         schedules; schedule-runs.jsonl: their runs
  crawl.lock             one crawl at a time
```

Like sqlite-utils' ``Database``, it is what a user opens and reaches everything through,
from Python as from the command line (each read-only command is one of its methods)::

    from regarkiv import DataDir
    archive = DataDir("regarkiv-data")
    hits = archive.search("statsbudsjettet", ministry="finans", limit=10)
    history, diff = archive.history(hits[0].article_id), archive.diff(hits[0].article_id)

The reading methods share one read-only connection to the index, opened on first use;
``close()`` (or a ``with`` block) closes it. Ctrl-C stops a reading method at once, even
in the middle of a long SQLite statement (``archive.index.interrupt``).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Self

from archive.index.changes import Change, default_since
from archive.index.changes import changes as find_changes
from archive.index.diff import Diff, diff_article
from archive.index.interrupt import on_ctrl_c
from archive.index.jobs import get_job, list_jobs
from archive.index.schema import Job
from archive.index.search import SearchResult
from archive.index.search import search as search_index
from archive.index.store import Index, IndexNotFound
from archive.index.views import ArticleView, History, article_history, article_view
from archive.lock import DataDirLock

DATA_ENV = "REGARKIV_DATA"
DEFAULT_DATA_DIR = "regarkiv-data"


class DataDirError(OSError):
    """The data directory cannot be created or written."""


class NoArchive(FileNotFoundError):
    """The data directory holds no archive (no crawl has written one)."""


class UnreadableArchive(OSError):
    """The index is there but SQLite cannot read it (damaged, or not a database)."""


def default_data_dir() -> Path:
    """``$REGARKIV_DATA``, else ``./regarkiv-data``: the one default for every command."""
    return Path(os.environ.get(DATA_ENV) or DEFAULT_DATA_DIR)


class DataDir:
    """An archive's directory: its layout, the index, and reading it (``search``, ``article``,
    ``history``, ``diff``, ``changes``, ``jobs``). An ``ARTICLE`` is its id (``3169214``,
    ``"id3169214"``) or URL. Lookups raise ``ArticleNotFound``, ``RevisionNotFound``,
    ``NothingToCompare``, ``JobNotFound`` or ``SearchQueryError`` with a one-line message."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self._reader: Index | None = None

    def __repr__(self) -> str:
        return f"DataDir({str(self.root)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DataDir) and other.root == self.root

    def __hash__(self) -> int:
        return hash(self.root)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @classmethod
    def default(cls) -> DataDir:
        return cls(default_data_dir())

    @property
    def warcs(self) -> Path:
        return self.root / "warcs"

    @property
    def index_path(self) -> Path:
        return self.root / "index.db"

    @property
    def manifest(self) -> Path:
        return self.root / "manifest-sha256.txt"

    @property
    def schedules(self) -> Path:
        return self.root / "schedules.json"

    @property
    def schedule_runs(self) -> Path:
        return self.root / "schedule-runs.jsonl"

    @property
    def lock_path(self) -> Path:
        return self.root / "crawl.lock"

    def has_index(self) -> bool:
        return self.index_path.exists()

    def has_warcs(self) -> bool:
        return self.warcs.is_dir()

    def lock(self) -> DataDirLock:
        return DataDirLock(self.lock_path)

    def ensure_writable(self) -> None:
        """Create ``warcs/`` and prove the directory takes writes, before a crawl starts."""
        try:
            self.warcs.mkdir(parents=True, exist_ok=True)
            probe = self.root / f".write-test-{os.getpid()}"
            probe.write_bytes(b"ok")
            probe.unlink()
        except OSError as error:
            raise DataDirError(
                f"cannot write to data directory {self.root}: {error.strerror or error}"
            ) from error

    def open_index(self) -> Index:
        """The index for writing (created and migrated as needed)."""
        return Index(self.index_path)

    def open_readonly(self, *, upgrade: bool = True) -> Index:
        """A new read-only connection to the index; ``NoArchive`` when there is none."""
        try:
            return Index.open_readonly(self.index_path, upgrade=upgrade)
        except IndexNotFound as error:
            raise NoArchive(f"{error} (run a crawl first, or set --data-dir)") from None

    @property
    def index(self) -> Index:
        """The read-only index the reading methods share, opened on first use."""
        if self._reader is None:
            with self._reading():
                self._reader = self.open_readonly()
        return self._reader

    def close(self) -> None:
        """Close the shared read-only index, if it was opened."""
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def interrupt(self) -> None:
        """Stop the statement running on the shared index connection (safe from any
        thread; a reading method stopped so raises ``KeyboardInterrupt`` on Ctrl-C)."""
        reader = self._reader
        if reader is not None:
            with contextlib.suppress(sqlite3.ProgrammingError):  # closed meanwhile
                reader.conn.interrupt()

    @contextmanager
    def _reading(self) -> Iterator[None]:
        try:
            with on_ctrl_c(self.interrupt):
                yield
        except sqlite3.DatabaseError as error:
            raise UnreadableArchive(f"cannot read {self.index_path}: {error}") from None

    def search(
        self,
        query: str,
        *,
        ministry: str | None = None,
        type: str | None = None,
        lang: str | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        limit: int = 20,
    ) -> list[SearchResult]:
        """The articles whose latest revision matches ``query``, best first (see
        ``archive.index.search.search`` for the query language and the filters)."""
        with self._reading():
            return search_index(
                self.index,
                query,
                ministry=ministry,
                type=type,
                lang=lang,
                date_from=date_from,
                date_to=date_to,
                limit=limit,
            )

    def article(self, article: str | int, revision: int | None = None) -> ArticleView:
        """An article's revision (its latest when ``revision`` is None) and its state."""
        with self._reading():
            return article_view(self.index, self.resolve(article), revision)

    def history(self, article: str | int) -> History:
        """An article's revisions, oldest first."""
        with self._reading():
            return article_history(self.index, self.resolve(article))

    def diff(self, article: str | int, older: int | None = None, newer: int | None = None) -> Diff:
        """Word diff between two revisions: by default the latest and the one before."""
        with self._reading():
            return diff_article(self.index, self.resolve(article), older, newer)

    def changes(self, since: date | datetime | None = None) -> list[Change]:
        """Articles revised or removed since ``since`` (default: a week ago), newest first."""
        with self._reading():
            return find_changes(self.index, since or default_since())

    def jobs(self) -> list[Job]:
        """Crawl jobs, oldest first; a crashed one shows as interrupted."""
        with self._reading():
            return list_jobs(self.index)

    def job(self, job_id: str) -> Job:
        """One crawl job, by its id or a prefix of it naming one job."""
        with self._reading():
            return get_job(self.index, job_id)

    def resolve(self, article: str | int) -> int:
        """An article's id, from its id (``3169214``, ``"id3169214"``) or its URL."""
        with self._reading():
            return self.index.resolve(str(article))
