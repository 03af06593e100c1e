"""The FTS write queue: the full-text tables follow the latest revisions, in batches.

Why a queue: SQLite opens a statement savepoint for most writes inside a transaction,
and FTS5 writes its pending terms to disk at every savepoint, and again whenever a row
id is lower than the one before. Interleaved with the other writes, or in any order,
each article became a tiny segment to merge (measured: ~0.8 ms an article). Written
just before COMMIT in one run in row id order, FTS5 buffers the whole batch.
"""

from __future__ import annotations

from collections.abc import Callable

from archive.index.connection import Connection, json_text
from archive.index.fts import facet_text_of_row, stem_text
from archive.index.grams import (
    common_words,
    fill_grams,
    forget_grams,
    grams_values,
    write_fts,
    write_grams,
)
from archive.index.schema import stems_rowid
from archive.index.stemmers import SAME_STEMMER_VERSIONS, STEMMER_VERSION
from archive.model import Article

# Bump when fold/tokenise rules in archive.index.fts change: the stems are then rebuilt.
STEMS_VERSION = "3 " + STEMMER_VERSION
# What an index may record for the same stems (see archive.index.stemmers).
SAME_STEMS_VERSIONS = frozenset("3 " + version for version in SAME_STEMMER_VERSIONS)

# What the FTS tables are given for a revision: its row id, title, lead, body, lang,
# published (the stems row id depends on it), type and ministries (a JSON array).
Indexed = tuple[int, str, str, str, str | None, str | None, str | None, str]
INDEXED_COLUMNS = ("id", "title", "lead", "body", "lang", "published", "type", "ministries")
StemsRow = tuple[int, str, str, str, str]
_TEXT = ("title", "lead", "body")
_STEMS = ("title", "lead", "body", "facets")


def indexed_values(row_id: int, article: Article, ministries: str | None = None) -> Indexed:
    """What the FTS tables are given for the revision ``row_id`` holding ``article``
    (``ministries``: its ministries as JSON, when made already)."""
    return (
        row_id,
        article.title,
        article.lead,
        article.body,
        article.lang,
        article.published,
        article.type,
        json_text(article.ministries) if ministries is None else ministries,
    )


def stems_of(row: Indexed) -> StemsRow:
    """The values of a revision's ``revisions_stems`` row, rowid first."""
    row_id, title, lead, body, lang, published, type_, ministries = row
    return (
        stems_rowid(row_id, published),
        stem_text(title, lang),
        stem_text(lead, lang),
        stem_text(body, lang),
        facet_text_of_row(lang, type_, ministries),
    )


class SearchQueue(Connection):
    """The FTS tables' pending changes: per article, the values to delete and to insert.

    ``defer_search``: leave the FTS tables alone until ``rebuild_search()`` (a bulk
    build, as in a rebuild from WARC, is much faster in one pass at the end).
    """

    defer_search: bool

    def _init_memory(self) -> None:
        super()._init_memory()
        self.defer_search = False
        # Per article id: the indexed values to delete (None: nothing indexed yet) and
        # to insert (its latest revision's).
        self._search_queue: dict[int, list[Indexed | None]] = {}

    def _before_commit(self) -> None:
        super()._before_commit()
        self.flush_search()

    def _forget_memory(self) -> None:
        super()._forget_memory()
        self._search_queue.clear()

    def _keep_memory(self) -> Callable[[], None]:
        forget = super()._keep_memory()
        queued = {key: list(value) for key, value in self._search_queue.items()}

        def restore() -> None:
            forget()
            self._search_queue = queued

        return restore

    def flush_search(self) -> None:
        """Bring the FTS tables up to date with the revisions recorded so far.

        ``commit()`` calls this; so does ``search``.
        """
        if not self._search_queue:
            return
        if self.defer_search:
            self._search_queue.clear()
            return
        self._begin()
        queued = list(self._search_queue.values())
        self._search_queue.clear()
        changes = [(old, "delete") for old, _ in queued if old is not None]
        changes += [(new, "insert") for _, new in queued if new is not None]
        self._write_search(changes)

    def _write_search(self, changes: list[tuple[Indexed, str]]) -> None:
        # External-content and contentless FTS5 tables forget a row only when told the
        # exact values it was indexed with: the stored text, and stems that stem_text
        # makes the same again (STEMS_VERSION records what made them).
        ordered = sorted(changes, key=lambda change: change[0][0])
        write_fts(self.conn, "revisions_fts", _TEXT, ((row[:4], kind) for row, kind in ordered))
        stemmed = [stems_of(row) for row, _ in changes]
        stems = sorted(
            (values, row[4], kind) for values, (row, kind) in zip(stemmed, changes, strict=True)
        )
        write_fts(
            self.conn, "revisions_stems", _STEMS, ((values, kind) for values, _, kind in stems)
        )
        if (common := common_words(self.conn)) is not None:
            write_grams(self.conn, [(grams_values(v, common), kind) for v, _, kind in stems])
        # After the FTS5 writes, not between them: a write to another table may open a
        # statement savepoint, which makes FTS5 flush its pending terms.
        self.conn.executemany(
            "DELETE FROM revisions_stems_text WHERE id = ?",
            [values[:1] for values, _, kind in stems if kind == "delete"],
        )
        self.conn.executemany(
            "INSERT INTO revisions_stems_text (id, lang, title, lead, body) VALUES (?, ?, ?, ?, ?)",
            [(values[0], lang, *values[1:4]) for values, lang, kind in stems if kind == "insert"],
        )

    def rebuild_search(self) -> None:
        """Re-create both FTS tables from the latest revisions (after a stemmer change)."""
        self._search_queue.clear()  # everything is re-indexed from the table below
        with self.transaction():
            for table in ("revisions_fts", "revisions_stems"):
                self.conn.execute(f"INSERT INTO {table} ({table}) VALUES ('delete-all')")
            self.conn.execute("DELETE FROM revisions_stems_text")
            forget_grams(self.conn)  # filled from the new stems, below
            rows = self.conn.execute(
                """
                SELECT r.id, r.title, r.lead, r.body, r.lang, r.published, r.type, r.ministries
                FROM revisions r
                JOIN articles a ON a.id = r.article_id AND a.latest_revision = r.revision
                """
            )
            while batch := rows.fetchmany(1000):  # a batch in memory at a time
                indexed = [tuple(row[key] for key in INDEXED_COLUMNS) for row in batch]
                self._write_search([(row, "insert") for row in indexed])
            self.conn.execute(
                "INSERT OR REPLACE INTO index_meta (key, value) VALUES ('stems_version', ?)",
                (STEMS_VERSION,),
            )
            fill_grams(self.conn)
