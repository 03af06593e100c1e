"""Search the text of attached documents: the latest version of each document URL.

The compiled query (``archive.index.fts.compile_query``) runs unchanged over
``attachments_stems``, which has the columns of the revisions' stem index. Each hit names
the document (its link text as the latest listing revision gives it, else its file name)
and the articles that list it. Filters (ministry, type, language, dates) are the listing
articles' and apply to them: a document matches when one article listing it does; one no
article lists (yet) matches only a language filter, by its own text's language.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date
from typing import Any

from archive.index.fts import CompiledQuery, stemmer_lang, words
from archive.index.snippets import SnippetFinder

MAX_CANDIDATES = 5_000  # ranked matches filtered in Python at most


@dataclass(frozen=True)
class Filters:
    ministry: str | None = None
    type: str | None = None
    lang: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def by_articles(self) -> bool:
        return any((self.ministry, self.type, self.date_from, self.date_to))

    def accepts(self, listing: list[sqlite3.Row], own_lang: str | None) -> bool:
        if not listing:
            return not self.by_articles() and (self.lang is None or self.lang == own_lang)
        return any(self._accepts(row) for row in listing)

    def _accepts(self, row: sqlite3.Row) -> bool:
        published = _date(row["published"])
        if self.lang and row["lang"] != self.lang:
            return False
        if self.type and words(row["type"] or "") != words(self.type):
            return False
        if self.date_from and (published is None or published < self.date_from):
            return False
        if self.date_to and (published is None or published > self.date_to):
            return False
        return not self.ministry or any(
            _begins_words(words(self.ministry), words(name))
            for name in _json_list(row["ministries"])
        )


def _begins_words(wanted: list[str], name: list[str]) -> bool:
    """Whether ``wanted`` begin adjacent words of ``name`` (as the ministry facet does)."""
    return any(
        all(name[start + k].startswith(word) for k, word in enumerate(wanted))
        for start in range(len(name) - len(wanted) + 1)
    )


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _json_list(text: str | None) -> list[str]:
    value = json.loads(text or "[]")
    return value if isinstance(value, list) else []


@dataclass(frozen=True)
class AttachmentHit:
    """One matching document version with the articles that list it."""

    attachment_id: int
    url: str
    title: str  # link text as listed, else the file name
    version: int
    format: str | None
    status: str  # the text extraction's outcome
    lang: str | None
    captured_at: str  # when this version was fetched (ISO 8601): its archived copy
    score: float
    parts: tuple[tuple[str, bool], ...]
    articles: tuple[dict[str, Any], ...]  # id, url, title, published, type, ministries, lang


# Capture times are whole seconds: revisions captured within one are ordered newest first
# by their number, and articles by id, so that the order never depends on the scan.
_LISTING = """
    SELECT l.article_id AS id, l.title AS link_title, r.url, r.title, r.published, r.type,
        r.ministries, r.lang, r.revision, a.latest_revision = r.revision AS current
    FROM attachment_links l
    JOIN revisions r ON r.id = l.revision_id
    JOIN articles a ON a.id = l.article_id
    WHERE l.url = ?
    ORDER BY current DESC, r.captured_at DESC, r.revision DESC, l.article_id
"""


def listing_articles(conn: sqlite3.Connection, url: str) -> list[sqlite3.Row]:
    """The articles whose latest revision lists ``url``, else any revision that did; one
    row per article, its newest listing revision first."""
    seen: dict[int, sqlite3.Row] = {}
    rows = conn.execute(_LISTING, (url,)).fetchall()
    current = [row for row in rows if row["current"]] or rows
    for row in current:
        seen.setdefault(row["id"], row)
    return list(seen.values())


def search_attachments(
    conn: sqlite3.Connection, compiled: CompiledQuery, filters: Filters, limit: int
) -> list[AttachmentHit]:
    """The best ``limit`` documents for the query, best first."""
    wanted = MAX_CANDIDATES if (filters.by_articles() or filters.lang) else limit
    ranked = conn.execute(
        "SELECT rowid, rank FROM attachments_stems WHERE attachments_stems MATCH ?"
        " ORDER BY rank LIMIT ?",
        (compiled.fts, min(wanted, MAX_CANDIDATES)),
    ).fetchall()
    finder = SnippetFinder(compiled.highlight)
    hits: list[AttachmentHit] = []
    for row_id, rank in ranked:
        row = conn.execute("SELECT * FROM attachments WHERE id = ?", (row_id,)).fetchone()
        if row is None:
            continue
        listing = listing_articles(conn, row["url"])
        if not filters.accepts(listing, row["lang"]):
            continue
        title = listing[0]["link_title"] if listing else row["url"].rsplit("/", 1)[-1]
        text = row["text"] or title
        hits.append(
            AttachmentHit(
                attachment_id=row_id,
                url=row["url"],
                title=title,
                version=row["version"],
                format=row["format"],
                status=row["status"],
                lang=row["lang"],
                captured_at=row["captured_at"],
                score=round(-rank, 4),
                parts=finder.snippet(text, stemmer_lang(row["lang"])),
                articles=tuple(_article(item) for item in listing),
            )
        )
        if len(hits) == limit:
            break
    return hits


def count_attachments(
    conn: sqlite3.Connection, compiled: CompiledQuery, filters: Filters, most: int
) -> int:
    """How many documents ``search_attachments`` finds for the query, up to ``most + 1``
    (more than ``most``: the caller says "more than")."""
    rows = conn.execute(
        "SELECT rowid FROM attachments_stems WHERE attachments_stems MATCH ? LIMIT ?",
        (compiled.fts, most + 1),
    ).fetchall()
    if not (filters.by_articles() or filters.lang):
        return len(rows)
    found = 0
    for (row_id,) in rows:
        row = conn.execute("SELECT url, lang FROM attachments WHERE id = ?", (row_id,)).fetchone()
        if row is not None and filters.accepts(listing_articles(conn, row["url"]), row["lang"]):
            found += 1
    return found


def _article(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "url": row["url"],
        "title": row["title"],
        "link_text": row["link_title"],
        "published": row["published"],
        "type": row["type"],
        "ministries": _json_list(row["ministries"]),
        "lang": row["lang"],
    }
