"""The SQLite index: articles, their revisions, captures and jobs (tables in ``schema``).

``Index`` is the one object callers open. It is made of one part per job, each in its
own module:

- ``connection``: the write connection, transactions and commits, per-thread readers;
- ``captures``: the ``captures`` table and the revisit lookup with its cache;
- ``search_queue``: the FTS tables, written in batches just before each commit;
- ``articles``: articles and revisions, recorded and read back;
- ``attachments``: attached documents' versions, their text and search rows;
- ``job_table``: the ``jobs`` table.

Why mixins rather than parts held in attributes: callers keep one object with the
methods they always had, and the hot methods (``add_capture``, ``lookup_capture``,
``record_article``, once per capture) are one method lookup, with no delegating call
in between. The parts share the connection and its transaction; they meet only at the
hooks of ``connection.Connection``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Self

from archive.index import grams
from archive.index.articles import ArticleNotFound, Articles, Outcome, RevisionNotFound
from archive.index.attachments import Attachments
from archive.index.captures import Captures
from archive.index.connection import (
    DEFAULT_CACHE_KIB,
    DamagedIndex,
    ForeignIndex,
    IndexNotFound,
    OutdatedIndex,
    UnusableIndex,
    connect,
)
from archive.index.job_table import JobTable
from archive.index.schema import migrations
from archive.index.search_queue import SAME_STEMS_VERSIONS

__all__ = [
    "ArticleNotFound",
    "DamagedIndex",
    "ForeignIndex",
    "Index",
    "IndexNotFound",
    "OutdatedIndex",
    "Outcome",
    "RevisionNotFound",
    "UnusableIndex",
    "connect",
]

# What regarkiv's indexes record in ``_sqlite_migrations`` from the first one on.
FIRST_MIGRATION = "m001_core_tables"
# Migrations only search reads (the FTS tables): an index still without one of them can be
# read by every other command.
SEARCH_MIGRATIONS = frozenset({"m002_full_text_search", "m003_stems_facets", "m004_stems_text"})
# An index without it is read as having no attachments (the next crawl adds the tables).
ATTACHMENT_MIGRATION = "m005_attachments"
# Migrations that only add columns and indexes for the web interface and Datasette: an index
# without them is read as it is (the next crawl adds them).
READER_OPTIONAL_MIGRATIONS = frozenset(
    {
        "m006_iso_dates",
        "m007_web_indexes",
        "m008_robots_not_documents",
        "m009_capture_links",
        "m010_phrase_grams",  # search answers every phrase without it, as before
    }
)


class Index(Captures, Articles, Attachments, JobTable):
    """The index at ``path`` (created and migrated as needed, in WAL mode)."""

    search_outdated: bool  # read-only: the search tables need the next crawl's upgrade
    has_attachments: bool = True  # read-only: an older index has no attachment tables yet

    def __init__(
        self,
        path: Path,
        *,
        commit_every: int | None = None,
        defer_search: bool = False,
        cache_kib: int = DEFAULT_CACHE_KIB,
    ) -> None:
        """``defer_search``: leave the FTS tables alone until ``rebuild_search()`` (a bulk
        build, as in a rebuild from WARC, is much faster in one pass at the end).
        ``cache_kib``: SQLite's page cache for each connection (see ``connection``)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = _checked(path, readonly=False, cache_kib=cache_kib)
        conn.execute("PRAGMA journal_mode = WAL")
        self._attach(path, conn, readonly=False, commit_every=commit_every, cache_kib=cache_kib)
        self.defer_search = defer_search
        self.search_outdated = False
        # Each migration rewrites the schema's pages: checkpointed after each one, a new
        # index's WAL peaks at its largest migration, not at all of them (~420 kB).
        self.conn.execute("PRAGMA wal_autocheckpoint = 16")
        migrated = migrations.apply(self.conn)
        self.conn.execute("PRAGMA wal_autocheckpoint = 1000")  # SQLite's default
        if self._meta("stems_version") not in SAME_STEMS_VERSIONS:
            self.rebuild_search()
        elif grams.stale(self.conn):
            with self.transaction():
                grams.fill_grams(self.conn)
        if migrated:
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    @classmethod
    def open_readonly(cls, path: Path, *, cache_kib: int = DEFAULT_CACHE_KIB) -> Self:
        """Open an existing index for reading, never writing to it.

        ``IndexNotFound`` when there is none; ``ForeignIndex``, ``DamagedIndex`` or
        ``OutdatedIndex`` when it cannot be read. An older regarkiv's index whose search
        tables are outdated opens with ``search_outdated`` set: everything but search reads
        it as it is, and the next crawl (which opens it for writing) upgrades it.
        """
        path = Path(path)
        if not path.is_file():
            raise IndexNotFound(f"no index at {path}")
        self = cls.__new__(cls)
        conn = _checked(path, readonly=True, cache_kib=cache_kib)
        self._attach(path, conn, readonly=True, commit_every=None, cache_kib=cache_kib)
        try:
            pending = set(migrations.pending(self.conn))
            self.has_attachments = ATTACHMENT_MIGRATION not in pending
            optional = SEARCH_MIGRATIONS | READER_OPTIONAL_MIGRATIONS | {ATTACHMENT_MIGRATION}
            if pending - optional:
                raise OutdatedIndex(
                    f"{path} was made by an older regarkiv: the next crawl upgrades it "
                    "(read-only commands never write to the index)"
                )
            stems_outdated = self._meta("stems_version") not in SAME_STEMS_VERSIONS
            self.search_outdated = bool(pending & SEARCH_MIGRATIONS) or stems_outdated
        except sqlite3.DatabaseError as error:
            self.close()
            raise DamagedIndex(_damaged(path, error), str(error)) from None
        except UnusableIndex:
            self.close()
            raise
        return self


def _checked(path: Path, *, readonly: bool, cache_kib: int) -> sqlite3.Connection:
    """A connection to ``path`` once it is known to hold regarkiv's index (or, for writing,
    nothing yet): nothing is written to a file that is not ours."""
    try:
        conn = connect(path, readonly=readonly, cache_kib=cache_kib)
    except sqlite3.DatabaseError as error:
        raise DamagedIndex(_damaged(path, error), str(error)) from None
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        ours = (
            migrations.migrations_table in tables
            and conn.execute(
                f"SELECT 1 FROM {migrations.migrations_table} WHERE migration_set = ? AND name = ?",
                (migrations.name, FIRST_MIGRATION),
            ).fetchone()
        )
    except sqlite3.DatabaseError as error:
        conn.close()
        raise DamagedIndex(_damaged(path, error), str(error)) from None
    if not ours and (tables or readonly):
        conn.close()
        raise ForeignIndex(
            f"{path} is not a regarkiv index (a file another program made?): "
            "point --data-dir at a regarkiv archive"
        )
    return conn


def _damaged(path: Path, error: sqlite3.DatabaseError) -> str:
    return f"cannot read {path}: {error} (`regarkiv reindex` rebuilds it from the WARC files)"
