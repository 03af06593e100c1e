"""The SQLite index: articles, their revisions, captures and jobs (tables in ``schema``).

One ``Index`` owns one write connection, used from one thread. Writes stay in one open
transaction until ``commit()`` (or ``close()``), so a crawl or a rebuild from WARC
commits every N items cheaply; ``commit_every=N`` makes the index do that itself, and
``transaction()`` makes a block atomic. ``lookup_capture`` may be called from any
thread: it reads through a connection of that thread's own, plus the captures added
since the last commit, which no other connection can see yet.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol, Self

from sqlite_utils import Database

from archive.index.fts import STEMMER_VERSION, facet_text, stem_text
from archive.index.normalise import content_hash
from archive.index.schema import (
    ArticleState,
    Job,
    Revision,
    iso,
    migrations,
    parse_iso,
    stems_rowid,
)
from archive.model import Article, Capture

# Bump when fold/tokenise rules in archive.index.fts change: the stems are then rebuilt.
STEMS_VERSION = "3 " + STEMMER_VERSION


class IndexNotFound(FileNotFoundError):
    """There is no index at the path (no crawl has written one yet)."""


class ArticleNotFound(LookupError):
    """No article with that id or URL in the index."""


class RevisionNotFound(LookupError):
    """The article has no revision with that number."""


class Outcome(StrEnum):
    NEW_ARTICLE = "new_article"
    NEW_REVISION = "new_revision"
    UNCHANGED = "unchanged"


def connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """A connection with our settings; autocommit mode, so transactions are explicit."""
    # as_uri() percent-encodes, so a path with "?", "#" or spaces still opens.
    target = Path(path).resolve().as_uri() + "?mode=ro" if readonly else str(path)
    conn = sqlite3.connect(target, uri=readonly, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    # A reader waits for a checkpointing writer instead of failing with "locked".
    conn.execute("PRAGMA busy_timeout = 10000")
    # Durable at each checkpoint and never corrupt; the crawl can re-fetch the rest.
    conn.execute("PRAGMA synchronous = NORMAL")
    # The default 2 MB page cache thrashes on FTS merges and large doclists.
    conn.execute("PRAGMA cache_size = -65536")
    return conn


class Index:
    """The index at ``path`` (created and migrated as needed, in WAL mode)."""

    def __init__(
        self, path: Path, *, commit_every: int | None = None, defer_search: bool = False
    ) -> None:
        """``defer_search``: leave the FTS tables alone until ``rebuild_search()`` (a bulk
        build, as in a rebuild from WARC, is much faster in one pass at the end)."""
        self.path = Path(path)
        self.defer_search = defer_search
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.commit_every = commit_every
        self.conn = connect(self.path)
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.db = Database(self.conn, execute_plugins=False)
        migrations.apply(self.db)
        self._uncommitted = 0
        self._depth = 0  # nesting of transaction() blocks
        self._search_queue: dict[int, list[_Indexed | None]] = {}
        # Captures not yet committed, for lookup_capture on other connections: the newest
        # 2xx capture of each URL, and the responses by (URL, payload digest).
        self._recent: dict[str, Capture] = {}
        self._recent_responses: dict[tuple[str, str], Capture] = {}
        self._recent_lock = threading.Lock()
        self._readers = threading.local()
        self._reader_conns: list[sqlite3.Connection] = []
        self._readonly = False
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
        self.path = path
        self.commit_every = None
        self.defer_search = False
        self.conn = connect(path, readonly=True)
        self.db = Database(self.conn, execute_plugins=False)
        if not self.db["articles"].exists():
            self.conn.close()
            raise IndexNotFound(f"{path} is not a regarkiv index")
        outdated = migrations.pending(self.db) or self._meta("stems_version") != STEMS_VERSION
        if upgrade and outdated:
            self.conn.close()
            cls(path).close()
            return cls.open_readonly(path, upgrade=False)
        self._uncommitted = self._depth = 0
        self._search_queue = {}
        self._recent, self._recent_responses = {}, {}
        self._recent_lock = threading.Lock()
        self._readers, self._reader_conns = threading.local(), []
        self._readonly = True
        return self

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        if exc_type is not None and self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
            self._search_queue.clear()
        self.close()

    def close(self) -> None:
        if not self._readonly:
            self.commit()
        for conn in self._reader_conns:
            conn.close()
        self.conn.close()

    # Transactions -------------------------------------------------------------------

    def commit(self) -> None:
        self.flush_search()
        if self.conn.in_transaction:
            self.conn.execute("COMMIT")
        self._uncommitted = 0
        self._forget_recent()

    @contextmanager
    def transaction(self) -> Iterator[Self]:
        """All writes in the block are committed together at its end, or none are."""
        self._begin()
        savepoint = f"rk_{self._depth}"
        self.conn.execute(f"SAVEPOINT {savepoint}")
        queued = {key: list(value) for key, value in self._search_queue.items()}
        self._depth += 1
        try:
            yield self
        except BaseException:
            self.conn.execute(f"ROLLBACK TO {savepoint}")
            self.conn.execute(f"RELEASE {savepoint}")
            self._search_queue = queued
            self._forget_recent()
            raise
        else:
            self.conn.execute(f"RELEASE {savepoint}")
        finally:
            self._depth -= 1
        if self._depth == 0:
            self.commit()

    def _begin(self) -> None:
        if not self.conn.in_transaction:
            self.conn.execute("BEGIN")

    def _done(self) -> None:
        self._uncommitted += 1
        if self._depth == 0 and self.commit_every and self._uncommitted >= self.commit_every:
            self.commit()

    # Captures -----------------------------------------------------------------------

    def add_capture(
        self, capture: Capture, job_id: str | None, article_id: int | None = None
    ) -> int:
        """Store a capture and return its row id; the same record id twice is one row."""
        self._begin()
        values = {name: getattr(capture, name) for name in _CAPTURE_FIELDS} | {
            "fetched_at": iso(capture.fetched_at),
            "job_id": job_id,
            "article_id": article_id,
        }
        row = self.conn.execute(
            f"INSERT INTO captures ({', '.join(values)}) VALUES ({_named(values)})"
            " ON CONFLICT (record_id) DO UPDATE"
            " SET article_id = coalesce(captures.article_id, excluded.article_id)"
            " RETURNING id",
            values,
        ).fetchone()
        if 200 <= capture.status < 300:
            with self._recent_lock:
                self._recent[capture.url] = capture
                if capture.record_type == "response":
                    self._recent_responses[(capture.url, capture.payload_digest)] = capture
        self._done()
        return int(row[0])

    def _forget_recent(self) -> None:
        with self._recent_lock:
            self._recent.clear()
            self._recent_responses.clear()

    def lookup_capture(self, url: str, payload_digest: str) -> Capture | None:
        """The response a new capture of ``url`` with this payload may be a revisit of.

        Only when the newest 2xx capture of ``url`` has this payload: a page that changed
        and changed back (A, B, A) is a full response again, so its extraction records the
        change back. The original is the newest *response* with the payload (a revisit
        must refer to a record that holds it). Safe to call from any thread.
        """
        with self._recent_lock:
            newest = self._recent.get(url)
            original = self._recent_responses.get((url, payload_digest))
        if newest is None:
            newest = self._capture_row(
                "SELECT * FROM captures WHERE url = ? AND status BETWEEN 200 AND 299"
                " ORDER BY fetched_at DESC, id DESC LIMIT 1",
                (url,),
            )
        if newest is None or newest.payload_digest != payload_digest:
            return None
        if original is None:
            original = self._capture_row(
                "SELECT * FROM captures"
                " WHERE url = ? AND payload_digest = ? AND record_type = 'response'"
                " ORDER BY fetched_at DESC, id DESC LIMIT 1",
                (url, payload_digest),
            )
        return original

    def _capture_row(self, sql: str, params: tuple[object, ...]) -> Capture | None:
        row = self._reader().execute(sql, params).fetchone()
        if row is None:
            return None
        return Capture(
            **{name: row[name] for name in _CAPTURE_FIELDS},
            fetched_at=parse_iso(row["fetched_at"]),
        )

    def _reader(self) -> sqlite3.Connection:
        conn = getattr(self._readers, "conn", None)
        if conn is None:
            conn = self._readers.conn = connect(self.path, readonly=self._readonly)
            self._reader_conns.append(conn)
        return conn

    # Articles and revisions ---------------------------------------------------------

    def record_article(self, article: Article, capture_id: int, captured_at: datetime) -> Outcome:
        """Record an extracted article; a revision is stored only when its text changed.

        "Changed" means the normalised title, lead or body differs from the latest
        revision's (``archive.index.normalise.content_hash``). Seeing the article again makes
        it live, even if it had been marked removed.
        """
        when = iso(captured_at)
        digest = content_hash(article.title, article.lead, article.body)
        self._begin()
        latest = self.conn.execute(
            """
            SELECT a.latest_revision, r.id, r.content_hash, r.title, r.lead, r.body, r.lang,
                r.published, r.type, r.ministries
            FROM articles a
            JOIN revisions r ON r.article_id = a.id AND r.revision = a.latest_revision
            WHERE a.id = ?
            """,
            (article.id,),
        ).fetchone()
        if latest is None:
            row_id = self._insert_revision(article, 1, digest, when, capture_id)
            self._search_queue[article.id] = [None, _indexed(row_id, article)]
            self.conn.execute(
                """
                INSERT INTO articles (id, url, lang, first_seen, last_seen, status,
                    latest_revision)
                VALUES (?, ?, ?, ?, ?, 'live', 1)
                """,
                (article.id, article.url, article.lang, when, when),
            )
            outcome = Outcome.NEW_ARTICLE
        elif latest["content_hash"] == digest:
            outcome = Outcome.UNCHANGED
        else:
            number = latest["latest_revision"] + 1
            row_id = self._insert_revision(article, number, digest, when, capture_id)
            queued = self._search_queue.get(article.id)
            if queued is not None:  # its latest revision is not in the FTS tables yet
                queued[1] = _indexed(row_id, article)
            else:
                old = tuple(latest[key] for key in _INDEXED_COLUMNS)
                self._search_queue[article.id] = [old, _indexed(row_id, article)]
            self.conn.execute(
                "UPDATE articles SET url = ?, lang = ?, latest_revision = ? WHERE id = ?",
                (article.url, article.lang, number, article.id),
            )
            outcome = Outcome.NEW_REVISION
        if outcome is not Outcome.NEW_ARTICLE:
            self._sighted(article.id, when)
        self.conn.execute(
            "UPDATE captures SET article_id = ? WHERE id = ? AND article_id IS NULL",
            (article.id, capture_id),
        )
        self._done()
        return outcome

    def _insert_revision(
        self, article: Article, number: int, digest: str, when: str, capture_id: int
    ) -> int:
        values = {name: getattr(article, name) for name in _ARTICLE_FIELDS} | {
            "article_id": article.id,
            "ministries": _json(article.ministries),
            "topics": _json(article.topics),
            "images": _json([asdict(image) for image in article.images]),
            "attachments": _json([asdict(item) for item in article.attachments]),
            "revision": number,
            "content_hash": digest,
            "captured_at": when,
            "capture_id": capture_id,
        }
        sql = f"INSERT INTO revisions ({', '.join(values)}) VALUES ({_named(values)}) RETURNING id"
        return int(self.conn.execute(sql, values).fetchone()[0])

    def flush_search(self) -> None:
        """Bring the FTS tables up to date with the revisions recorded so far.

        Why a queue: SQLite opens a statement savepoint for most writes inside a
        transaction, and FTS5 writes its pending terms to disk at every savepoint, and
        again whenever a row id is lower than the one before. Interleaved with the other
        writes, or in any order, each article became a tiny segment to merge (measured:
        ~0.8 ms an article). Written here in one run in row id order, FTS5 buffers the
        whole batch. ``commit()`` calls this; so does ``search``.
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

    def _write_search(
        self, changes: list[tuple[_Indexed, str]], stemmed: list[StemsRow] | None = None
    ) -> None:
        """``stemmed``: ``stems_of(row)`` for each change, in order, if already made."""
        # External-content and contentless FTS5 tables forget a row only when told the
        # exact values it was indexed with: the stored text, and stems that stem_text
        # makes the same again (STEMS_VERSION records what made them).
        for row, kind in sorted(changes, key=lambda change: change[0][0]):
            self.conn.execute(
                "INSERT INTO revisions_fts (revisions_fts, rowid, title, lead, body)"
                f" VALUES ({_COMMAND[kind]}, ?, ?, ?, ?)",
                row[:4],
            )
        if stemmed is None:
            stemmed = [stems_of(row) for row, _ in changes]
        stems = sorted(
            (values, row[4], kind) for values, (row, kind) in zip(stemmed, changes, strict=True)
        )
        for values, _, kind in stems:
            self.conn.execute(
                "INSERT INTO revisions_stems (revisions_stems, rowid, title, lead, body, facets)"
                f" VALUES ({_COMMAND[kind]}, ?, ?, ?, ?, ?)",
                values,
            )
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

    def rebuild_search(self, stem_many: StemMany | None = None) -> None:
        """Re-create both FTS tables from the latest revisions (after a stemmer change).

        ``stem_many(rows)`` may stem a batch elsewhere (``archive.reindex`` uses its
        process pool): it returns something whose ``get()`` gives ``stems_of`` of each
        row. The next batch is stemmed while this one is written.
        """
        stem_many = stem_many or _StemmedHere
        self._search_queue.clear()  # everything is re-indexed from the table below
        with self.transaction():
            for table in ("revisions_fts", "revisions_stems"):
                self.conn.execute(f"INSERT INTO {table} ({table}) VALUES ('delete-all')")
            self.conn.execute("DELETE FROM revisions_stems_text")
            rows = self.conn.execute(
                """
                SELECT r.id, r.title, r.lead, r.body, r.lang, r.published, r.type, r.ministries
                FROM revisions r
                JOIN articles a ON a.id = r.article_id AND a.latest_revision = r.revision
                """
            )
            pending: tuple[list[_Indexed], StemsResult] | None = None
            while True:  # two batches in memory at most, for a large archive
                batch = [
                    tuple(row[key] for key in _INDEXED_COLUMNS) for row in rows.fetchmany(1000)
                ]
                submitted = (batch, stem_many(batch)) if batch else None
                if pending is not None:
                    done, result = pending
                    self._write_search([(row, "insert") for row in done], result.get())
                if submitted is None:
                    break
                pending = submitted
            self.conn.execute(
                "INSERT OR REPLACE INTO index_meta (key, value) VALUES ('stems_version', ?)",
                (STEMS_VERSION,),
            )

    def mark_seen(self, article_id: int, when: datetime) -> bool:
        """The article answered with the payload of an earlier capture (a revisit record):
        it was there, unchanged. False when the article is unknown, or was removed after
        this sighting (which then changes nothing, as for ``record_article``)."""
        self._begin()
        seen = self._sighted(article_id, iso(when))
        self._done()
        return seen

    def _sighted(self, article_id: int, when: str) -> bool:
        # Only a sighting after the removal brings the article back to life.
        return (
            self.conn.execute(
                """
                UPDATE articles SET
                    first_seen = min(first_seen, :when), last_seen = max(last_seen, :when),
                    status = 'live', removed_at = NULL, removed_capture_id = NULL
                WHERE id = :id AND (removed_at IS NULL OR removed_at <= :when)
                """,
                {"when": when, "id": article_id},
            ).rowcount
            == 1
        )

    def mark_removed(self, article_id: int, when: datetime, capture_id: int) -> bool:
        """The article answered 404/410: mark it removed (its revisions stay).

        Returns False when it is unknown, already removed, or was seen live later.
        """
        stamp = iso(when)
        self._begin()
        changed = self.conn.execute(
            """
            UPDATE articles SET status = 'removed', removed_at = ?, removed_capture_id = ?
            WHERE id = ? AND status = 'live' AND last_seen <= ?
            """,
            (stamp, capture_id, article_id, stamp),
        ).rowcount
        self.conn.execute(
            "UPDATE captures SET article_id = ? WHERE id = ? AND article_id IS NULL",
            (article_id, capture_id),
        )
        self._done()
        return changed == 1

    def known_article_ids(self) -> set[int]:
        return {row[0] for row in self.conn.execute("SELECT id FROM articles")}

    def article_published(self, ids: Iterable[int] | None = None) -> dict[int, date | None]:
        """The published date of each known article's latest revision (all when None)."""
        wanted = list(ids) if ids is not None else sorted(self.known_article_ids())
        found: dict[int, date | None] = {}
        for start in range(0, len(wanted), 500):  # stay under SQLite's variable limit
            chunk = wanted[start : start + 500]
            rows = self.conn.execute(
                f"""
                SELECT a.id, r.published FROM articles a
                JOIN revisions r ON r.article_id = a.id AND r.revision = a.latest_revision
                WHERE a.id IN ({_placeholders(chunk)})
                """,
                chunk,
            )
            found.update((row[0], _date(row[1])) for row in rows)
        return found

    # Reading ------------------------------------------------------------------------

    def get_article(self, article_id: int) -> ArticleState:
        row = self.conn.execute(
            f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id = ?", (article_id,)
        ).fetchone()
        if row is None:
            raise ArticleNotFound(f"no article id{article_id} in the index")
        return ArticleState(**dict(row))

    def resolve(self, ref: str) -> int:
        """An article id from ``3169214``, ``id3169214`` or the article's URL."""
        text = ref.strip()
        candidate = text.removeprefix("id")
        if not candidate.isdigit():
            match = _URL_ID.search(text)
            if match is None:
                row = self.conn.execute("SELECT id FROM articles WHERE url = ?", (text,))
                found = row.fetchone()
                if found is None:
                    raise ArticleNotFound(f"no article {ref!r} in the index")
                return int(found[0])
            candidate = match.group(1)
        article_id = int(candidate)
        self.get_article(article_id)
        return article_id

    def get_revision(self, article_id: int, revision: int | None = None) -> Revision:
        """One revision of an article; its latest when ``revision`` is None."""
        number = revision if revision is not None else self.get_article(article_id).latest_revision
        row = self.conn.execute(
            _REVISION_SELECT + " WHERE r.article_id = ? AND r.revision = ?",
            (article_id, number),
        ).fetchone()
        if row is None:
            self.get_article(article_id)
            raise RevisionNotFound(f"article id{article_id} has no revision {number}")
        return Revision.from_row(row)

    def history(self, article_id: int) -> list[Revision]:
        """Every revision of an article, oldest first."""
        self.get_article(article_id)
        rows = self.conn.execute(
            _REVISION_SELECT + " WHERE r.article_id = ? ORDER BY r.revision", (article_id,)
        )
        return [Revision.from_row(row) for row in rows]

    # Jobs ---------------------------------------------------------------------------

    def start_job(
        self,
        job_id: str,
        settings: dict[str, Any],
        pid: int | None = None,
        started_at: datetime | None = None,
    ) -> None:
        """Record a running job (committed at once, so other processes see it)."""
        with self.transaction():
            self.conn.execute(
                "INSERT INTO jobs (id, started_at, status, settings, pid)"
                " VALUES (?, ?, 'running', ?, ?)",
                (job_id, iso(started_at or datetime.now(UTC)), _json(settings), pid),
            )

    def finish_job(
        self,
        job_id: str,
        status: str,
        figures: dict[str, Any],
        ended_at: datetime | None = None,
    ) -> None:
        """Record how a job ended: ``finished``, ``interrupted`` or ``failed``."""
        with self.transaction():
            self.conn.execute(
                "UPDATE jobs SET status = ?, figures = ?, ended_at = ? WHERE id = ?",
                (status, _json(figures), iso(ended_at or datetime.now(UTC)), job_id),
            )

    def get_job(self, job_id: str) -> Job | None:
        row = self.conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _job(row) if row is not None else None

    def list_jobs(self) -> list[Job]:
        rows = self.conn.execute("SELECT * FROM jobs ORDER BY started_at, id")
        return [_job(row) for row in rows]

    def _meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM index_meta WHERE key = ?", (key,))
        found = row.fetchone()
        return found[0] if found else None


# What the FTS tables are given for a revision: its row id, title, lead, body, lang,
# published (the stems row id depends on it), type and ministries (a JSON array).
_Indexed = tuple[int, str, str, str, str | None, str | None, str | None, str]
_COMMAND = {"insert": "NULL", "delete": "'delete'"}  # FTS5's command column
_INDEXED_COLUMNS = ("id", "title", "lead", "body", "lang", "published", "type", "ministries")


def _indexed(row_id: int, article: Article) -> _Indexed:
    return (
        row_id,
        article.title,
        article.lead,
        article.body,
        article.lang,
        article.published,
        article.type,
        _json(article.ministries),
    )


StemsRow = tuple[int, str, str, str, str]


class StemsResult(Protocol):
    def get(self) -> list[StemsRow]: ...


StemMany = Callable[[list[_Indexed]], StemsResult]


class _StemmedHere:
    def __init__(self, rows: list[_Indexed]) -> None:
        self.rows = rows

    def get(self) -> list[StemsRow]:
        return [stems_of(row) for row in self.rows]


def stems_of(row: _Indexed) -> StemsRow:
    """The values of a revision's ``revisions_stems`` row, rowid first."""
    row_id, title, lead, body, lang, published, type_, ministries = row
    return (
        stems_rowid(row_id, published),
        stem_text(title, lang),
        stem_text(lead, lang),
        stem_text(body, lang),
        facet_text(lang, type_, json.loads(ministries)),
    )


def _json(value: object) -> str:
    # ensure_ascii=False keeps æøå readable in Datasette; key order is the dataclass
    # field order, so equal inputs give byte-equal JSON in every process.
    return json.dumps(value, ensure_ascii=False)


def _placeholders(values: Iterable[object]) -> str:
    return ", ".join("?" for _ in values)


def _named(values: dict[str, object]) -> str:
    return ", ".join(f":{name}" for name in values)


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _job(row: sqlite3.Row) -> Job:
    values = dict(row)
    values["settings"] = json.loads(values["settings"])
    values["figures"] = json.loads(values["figures"])
    return Job(**values)


# The dataclass fields stored as columns of the same name (named, not asdict(): a field
# added to Capture or Article must not break the INSERT).
_CAPTURE_FIELDS = (
    "url",
    "status",
    "record_type",
    "record_id",
    "warc_file",
    "offset",
    "length",
    "payload_digest",
    "content_type",
    "refers_to",
)
_ARTICLE_FIELDS = (
    "url",
    "lang",
    "title",
    "lead",
    "body",
    "published",
    "type",
    "last_modified",
    "revised",
    "extracted_by",
)
_URL_ID = re.compile(r"/id(\d+)(?:/|$|[?#])")
_ARTICLE_COLUMNS = "id, url, lang, first_seen, last_seen, status, removed_at, latest_revision"
_REVISION_SELECT = (
    "SELECT r.*, c.warc_file AS warc_file, c.offset AS warc_offset FROM revisions r"
    " LEFT JOIN captures c ON c.id = r.capture_id"
)
