"""Articles and their revisions in the index: recording what a capture showed, reading it back.

A revision is stored only when the article's text changed; the search queue
(``archive.index.search_queue``) is told of each new latest revision.
"""

from __future__ import annotations

import operator
import sqlite3
from collections.abc import Iterable
from dataclasses import fields
from datetime import date, datetime
from enum import StrEnum

from archive.index.attachments import link_attachments
from archive.index.connection import json_text
from archive.index.normalise import content_hash, same_but_for_headings
from archive.index.schema import ArticleState, Revision, iso
from archive.index.search_queue import INDEXED_COLUMNS, SearchQueue, indexed_values
from archive.model import Article, Attachment, Image
from archive.urls import id_in


class ArticleNotFound(LookupError):
    """No article with that id or URL in the index."""


class RevisionNotFound(LookupError):
    """The article has no revision with that number."""


class Outcome(StrEnum):
    NEW_ARTICLE = "new_article"
    NEW_REVISION = "new_revision"
    UNCHANGED = "unchanged"


# The dataclass fields stored as columns of the same name (named, not asdict(): a field
# added to Article must not break the INSERT).
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


_article_fields = operator.attrgetter(*_ARTICLE_FIELDS)
# Built once, positional (the values in this order): the same row as naming each value.
_INSERT_REVISION = (
    f"INSERT INTO revisions ({', '.join(_ARTICLE_FIELDS)}, article_id, ministries, topics,"
    " images, attachments, revision, content_hash, captured_at, capture_id)"
    f" VALUES ({', '.join('?' * (len(_ARTICLE_FIELDS) + 9))})"
)
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _fields_of(item: Image | Attachment) -> dict[str, str | None]:
    """A flat dataclass's fields in their order, as ``asdict`` gives them, without its deep
    copies (a tenth of the cost); the names read once per class."""
    names = _FIELD_NAMES.get(type(item))
    if names is None:
        names = _FIELD_NAMES[type(item)] = tuple(field.name for field in fields(item))
    return {name: getattr(item, name) for name in names}


_ARTICLE_COLUMNS = "id, url, lang, first_seen, last_seen, status, removed_at, latest_revision"
_REVISION_SELECT = (
    "SELECT r.*, c.warc_file AS warc_file, c.offset AS warc_offset FROM revisions r"
    " LEFT JOIN captures c ON c.id = r.capture_id"
)


class Articles(SearchQueue):
    """The ``articles`` and ``revisions`` tables."""

    def record_article(
        self, article: Article, capture_id: int, captured_at: datetime, *, linked: bool = False
    ) -> Outcome:
        """Record an extracted article; a revision is stored only when its text changed.

        "Changed" means the normalised title, lead or body differs from the latest
        revision's (``archive.index.normalise.content_hash``), even once the headings that
        an older text contract kept in the body are left out (``same_but_for_headings``).
        Seeing the article again makes it live, even if it had been marked removed.
        ``linked``: the capture's row names an article already (``add_capture`` was given
        one), which this would otherwise record.
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
            ministries = json_text(article.ministries)
            row_id = self._insert_revision(article, ministries, 1, digest, when, capture_id)
            self._search_queue[article.id] = [None, indexed_values(row_id, article, ministries)]
            self.conn.execute(
                """
                INSERT INTO articles (id, url, lang, first_seen, last_seen, status,
                    latest_revision)
                VALUES (?, ?, ?, ?, ?, 'live', 1)
                """,
                (article.id, article.url, article.lang, when, when),
            )
            outcome = Outcome.NEW_ARTICLE
        elif latest["content_hash"] == digest or same_but_for_headings(
            latest["title"], latest["lead"], latest["body"], article, digest
        ):
            outcome = Outcome.UNCHANGED
        else:
            number = latest["latest_revision"] + 1
            ministries = json_text(article.ministries)
            row_id = self._insert_revision(article, ministries, number, digest, when, capture_id)
            new = indexed_values(row_id, article, ministries)
            queued = self._search_queue.get(article.id)
            if queued is not None:  # its latest revision is not in the FTS tables yet
                queued[1] = new
            else:
                old = tuple(latest[key] for key in INDEXED_COLUMNS)
                self._search_queue[article.id] = [old, new]
            self.conn.execute(
                "UPDATE articles SET url = ?, lang = ?, latest_revision = ? WHERE id = ?",
                (article.url, article.lang, number, article.id),
            )
            outcome = Outcome.NEW_REVISION
        if outcome is not Outcome.NEW_ARTICLE:
            self._sighted(article.id, when)
        if not linked:
            self._link_capture(article.id, capture_id)
        self._done()
        return outcome

    def _link_capture(self, article_id: int, capture_id: int) -> None:
        self.conn.execute(
            "UPDATE captures SET article_id = ? WHERE id = ? AND article_id IS NULL",
            (article_id, capture_id),
        )

    def _insert_revision(
        self,
        article: Article,
        ministries: str,
        number: int,
        digest: str,
        when: str,
        capture_id: int,
    ) -> int:
        values = (
            *_article_fields(article),
            article.id,
            ministries,
            json_text(article.topics),
            json_text([_fields_of(image) for image in article.images]),
            json_text([_fields_of(item) for item in article.attachments]),
            number,
            digest,
            when,
            capture_id,
        )
        row_id = self.conn.execute(_INSERT_REVISION, values).lastrowid
        if row_id is None:  # an INSERT that succeeded always has one
            raise sqlite3.DatabaseError("the revision was stored without a row id")
        if article.attachments:
            link_attachments(self.conn, row_id, article.id, article.attachments)
        return row_id

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

    def mark_removed(
        self, article_id: int, when: datetime, capture_id: int, *, linked: bool = False
    ) -> bool:
        """The article answered 404/410: mark it removed (its revisions stay).

        Returns False when it is unknown, already removed, or was seen live later.
        ``linked`` as for ``record_article``.
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
        if not linked:
            self._link_capture(article_id, capture_id)
        self._done()
        return changed == 1

    def known_article_ids(self) -> set[int]:
        return {row[0] for row in self.conn.execute("SELECT id FROM articles")}

    def live_articles(self) -> list[tuple[int, str]]:
        """The id and URL of every article not marked removed."""
        rows = self.conn.execute("SELECT id, url FROM articles WHERE status = 'live'")
        return [(article_id, url) for article_id, url in rows]

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
                WHERE a.id IN ({", ".join("?" for _ in chunk)})
                """,
                chunk,
            )
            found.update((row[0], _date(row[1])) for row in rows)
        return found

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
        if not (candidate.isascii() and candidate.isdigit()):
            try:
                found_id = id_in(text)
            except ValueError:  # more digits than int() takes: no article has that id
                found_id = None
            if found_id is None:
                row = self.conn.execute("SELECT id FROM articles WHERE url = ?", (text,))
                found = row.fetchone()
                if found is None:
                    raise ArticleNotFound(f"no article {ref!r} in the index")
                return int(found[0])
            candidate = str(found_id)
        if len(candidate.lstrip("0")) > 18:  # past SQLite's integers: no article has it
            raise ArticleNotFound(f"no article {ref!r} in the index")
        article_id = int(candidate)
        self.get_article(article_id)
        return article_id

    def get_revision(self, article_id: int, revision: int | None = None) -> Revision:
        """One revision of an article; its latest when ``revision`` is None."""
        number = revision if revision is not None else self.get_article(article_id).latest_revision
        row = None
        if abs(number) < 2**63:  # past SQLite's integers: no such revision
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


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None
