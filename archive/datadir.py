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
``close()`` (or a ``with`` block) closes it. They never write to the index. Ctrl-C stops
a reading method at once, even in the middle of a long SQLite statement
(``archive.index.interrupt``).

Files the tool writes beside the index (the manifest, schedules) are written through
``write_atomically`` and ``append_line``: never through a link planted in the directory.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Self, Unpack

from archive.files import READ_ONLY_ERRORS as READ_ONLY_ERRORS
from archive.files import DataDirError as DataDirError
from archive.index.interrupt import on_ctrl_c
from archive.index.search import Filters, SearchResult
from archive.index.search import search as search_index
from archive.index.store import DamagedIndex, Index, IndexNotFound, OutdatedIndex

if TYPE_CHECKING:
    from archive.index.browse import Activity, CaptureRow
    from archive.index.changes import Change
    from archive.index.diff import Diff
    from archive.index.facets import Facets
    from archive.index.schema import Job, Revision
    from archive.index.views import ArticleView, History
    from archive.lock import DataDirLock

# The reading methods other than ``search`` import their modules when called: a cold
# `regarkiv search` (the command people run most) must not pay for the diff's, the
# browsing pages' or the WARC reader's imports (~30 ms of its ~140 ms start).

DATA_ENV = "REGARKIV_DATA"
DEFAULT_DATA_DIR = "regarkiv-data"


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
    ``NothingToCompare``, ``JobNotFound`` or ``SearchQueryError`` with a one-line message; an
    index that cannot be read raises ``UnreadableArchive`` (damaged), ``ForeignIndex`` (not
    regarkiv's) or, from ``search`` on an older regarkiv's index, ``OutdatedIndex``."""

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
        from archive.lock import DataDirLock  # see the imports

        return DataDirLock(self.lock_path)

    def ensure_writable(self) -> None:
        """Create ``warcs/`` and prove the directory takes writes, before a crawl starts."""
        try:
            self.warcs.mkdir(parents=True, exist_ok=True)
            # A new file of a random name (O_EXCL): never one planted in the directory.
            with tempfile.NamedTemporaryFile(dir=self.root, prefix=".write-test-") as probe:
                probe.write(b"ok")
                probe.flush()
        except OSError as error:
            raise DataDirError(
                f"cannot write to data directory {self.root}: {error.strerror or error}"
            ) from error

    def open_index(self) -> Index:
        """The index for writing (created and migrated as needed)."""
        return Index(self.index_path)

    def crawl_running(self) -> str | None:
        """The pid of a crawl (or reindex) working on the directory now, if one is."""
        return self.lock().held_by_another()

    def open_readonly(self) -> Index:
        """A new read-only connection to the index; ``NoArchive`` when there is none, an
        ``UnusableIndex`` when the file is not regarkiv's, is damaged or too old to read."""
        try:
            return Index.open_readonly(self.index_path)
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
        except DamagedIndex as error:
            raise UnreadableArchive(str(error)) from None
        except sqlite3.DatabaseError as error:
            message = f"cannot read {self.index_path}: {error}"
            if not isinstance(error, sqlite3.OperationalError):  # damaged, not busy or locked
                message += " (`regarkiv reindex` rebuilds it from the WARC files)"
            raise UnreadableArchive(message) from None

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
        within: str = "all",
        offset: int = 0,
    ) -> list[SearchResult]:
        """The articles whose latest revision matches ``query``, and the attached documents
        whose latest version does (``within``: all, articles, attachments), best first (see
        ``archive.index.search.search`` for the query language and the filters)."""
        with self._reading():
            self._check_search()
            return search_index(
                self.index,
                query,
                ministry=ministry,
                type=type,
                lang=lang,
                date_from=date_from,
                date_to=date_to,
                limit=limit,
                within=within,
                offset=offset,
            )

    def _check_search(self) -> None:
        if self.index.search_outdated:
            raise OutdatedIndex(
                f"the search tables of {self.index_path} were made by an older regarkiv: "
                "the next crawl (or `regarkiv reindex`) brings them up to date; show, "
                "history, diff and changes read the index meanwhile"
            )

    def facets(self, query: str, within: str = "all", **filters: Unpack[Filters]) -> Facets:
        """How the matches of ``query`` (with ``search``'s filters) spread over ministries,
        types, languages and years, and how many documents match (``archive.index.facets``)."""
        from archive.index.facets import search_facets  # see the imports

        with self._reading():
            self._check_search()
            return search_facets(self.index, query, within, **filters)

    def activity(self) -> Activity:
        """The latest new, edited and removed articles, with counts per day."""
        from archive.index.browse import activity  # see the imports

        with self._reading():
            return activity(self.index)

    def captures(self, article: str | int) -> list[CaptureRow]:
        """Every capture of an article (responses of any status and revisits), oldest first."""
        from archive.index.browse import captures_of  # see the imports

        with self._reading():
            return captures_of(self.index, self.resolve(article))

    def headings(self, revision: Revision) -> dict[str, int]:
        """The headings of a revision's archived page (text → level 2-6), read from its WARC
        record; empty when the record cannot be read (the body's text stands without)."""
        # Extraction (parsel, lxml: ~60 ms of imports) only for the web interface's pages,
        # not for every command that opens a DataDir.
        from archive.extract.headings import headings
        from archive.warc.reader import read_record_at  # see the imports

        if not revision.warc_file or revision.warc_offset is None:
            return {}
        try:
            record = read_record_at(self.warcs / revision.warc_file, revision.warc_offset)
            return headings(record.decoded_body())
        except (OSError, ValueError, zlib.error):
            return {}

    def archived(self, urls: list[str]) -> dict[str, str]:
        """Which of ``urls`` (images, attachments) the WARC files hold: URL → fetch time."""
        from archive.index.browse import archived  # see the imports

        with self._reading():
            return archived(self.index, urls)

    def ministries(self) -> list[str]:
        """The ministries the latest revisions name, alphabetically."""
        from archive.index.browse import ministries  # see the imports

        with self._reading():
            return ministries(self.index)

    def article(self, article: str | int, revision: int | None = None) -> ArticleView:
        """An article's revision (its latest when ``revision`` is None) and its state."""
        from archive.index.views import article_view  # see the imports

        with self._reading():
            return article_view(self.index, self.resolve(article), revision)

    def history(self, article: str | int) -> History:
        """An article's revisions, oldest first."""
        from archive.index.views import article_history  # see the imports

        with self._reading():
            return article_history(self.index, self.resolve(article))

    def diff(
        self,
        article: str | int,
        older: int | None = None,
        newer: int | None = None,
        attachment: str | None = None,
    ) -> Diff:
        """Word diff between two revisions: by default the latest and the one before.

        ``article`` may be an attached document's URL, or ``attachment`` names one of the
        article's documents (URL or file name): then the diff is of the document's text
        between two versions."""
        # See the imports.
        from archive.index.attachment_views import attachment_diff, find_attachment, is_attachment
        from archive.index.diff import diff_article

        with self._reading():
            if attachment is None and is_attachment(self.index, str(article)):
                return attachment_diff(self.index, str(article), older, newer)
            if attachment is not None:
                url = find_attachment(self.index, self.resolve(article), attachment)
                return attachment_diff(self.index, url, older, newer)
            return diff_article(self.index, self.resolve(article), older, newer)

    def changes(
        self,
        since: date | datetime | None = None,
        *,
        until: date | None = None,
        ministry: str | None = None,
        kind: str | None = None,
    ) -> list[Change]:
        """Articles revised or removed, and documents replaced, since ``since`` (default: a
        week ago), newest first; up to ``until``, of one ``ministry`` (its exact name) or
        ``kind`` (revised, removed, attachment)."""
        from archive.index.browse import filtered_changes  # see the imports
        from archive.index.changes import changes as find_changes
        from archive.index.changes import default_since

        with self._reading():
            if until is None and ministry is None and kind is None:
                return find_changes(self.index, since or default_since())
            start = since or default_since()
            day = start.date() if isinstance(start, datetime) else start
            return filtered_changes(self.index, day, until=until, ministry=ministry, kind=kind)

    def jobs(self) -> list[Job]:
        """Crawl jobs, oldest first; a crashed one shows as interrupted."""
        from archive.index.jobs import list_jobs  # see the imports

        with self._reading():
            return list_jobs(self.index)

    def job(self, job_id: str) -> Job:
        """One crawl job, by its id or a prefix of it naming one job."""
        from archive.index.jobs import get_job  # see the imports

        with self._reading():
            return get_job(self.index, job_id)

    def resolve(self, article: str | int) -> int:
        """An article's id, from its id (``3169214``, ``"id3169214"``) or its URL."""
        with self._reading():
            return self.index.resolve(str(article))
