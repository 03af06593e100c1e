"""The SQLite index: articles, their revisions, captures and jobs (tables in ``schema``).

``Index`` is the one object callers open. It is made of one part per job, each in its
own module:

- ``connection``: the write connection, transactions and commits, per-thread readers;
- ``captures``: the ``captures`` table and the revisit lookup with its cache;
- ``search_queue``: the FTS tables, written in batches just before each commit;
- ``articles``: articles and revisions, recorded and read back;
- ``job_table``: the ``jobs`` table.

Why mixins rather than parts held in attributes: callers keep one object with the
methods they always had, and the hot methods (``add_capture``, ``lookup_capture``,
``record_article``, once per capture) are one method lookup, with no delegating call
in between. The parts share the connection and its transaction; they meet only at the
hooks of ``connection.Connection``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Self

from archive.index.articles import ArticleNotFound, Articles, Outcome, RevisionNotFound
from archive.index.captures import Captures
from archive.index.connection import IndexNotFound, connect
from archive.index.job_table import JobTable
from archive.index.schema import migrations
from archive.index.search_queue import STEMS_VERSION, stems_of

__all__ = [
    "ArticleNotFound",
    "Index",
    "IndexNotFound",
    "Outcome",
    "RevisionNotFound",
    "connect",
    "stems_of",
]


class Index(Captures, Articles, JobTable):
    """The index at ``path`` (created and migrated as needed, in WAL mode)."""

    def __init__(
        self, path: Path, *, commit_every: int | None = None, defer_search: bool = False
    ) -> None:
        """``defer_search``: leave the FTS tables alone until ``rebuild_search()`` (a bulk
        build, as in a rebuild from WARC, is much faster in one pass at the end)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = connect(path)
        conn.execute("PRAGMA journal_mode = WAL")
        self._attach(path, conn, readonly=False, commit_every=commit_every)
        self.defer_search = defer_search
        migrations.apply(self.db)
        if self._meta("stems_version") != STEMS_VERSION:
            self.rebuild_search()

    @classmethod
    def open_readonly(cls, path: Path, *, upgrade: bool = True) -> Self:
        """Open an existing index for reading; ``IndexNotFound`` when there is none.

        An index made by an older version is first upgraded (migrations, stems).
        """
        path = Path(path)
        if not path.is_file():
            raise IndexNotFound(f"no index at {path}")
        self = cls.__new__(cls)
        self._attach(path, connect(path, readonly=True), readonly=True, commit_every=None)
        if not self.db["articles"].exists():
            self.conn.close()
            raise IndexNotFound(f"{path} is not a regarkiv index")
        outdated = migrations.pending(self.db) or self._meta("stems_version") != STEMS_VERSION
        if upgrade and outdated:
            self.conn.close()
            cls(path).close()
            return cls.open_readonly(path, upgrade=False)
        return self
