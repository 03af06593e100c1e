"""Search the latest revision of every article, ranked by bm25 over stems.

FTS5 ranks inside the stem index (``ORDER BY rank LIMIT n``, so only the returned rows
are read); snippets are then cut from the *original* text of those rows in Python, by
marking each word whose stem is one the query asked for.

Snippet markers: ``SearchResult.parts`` is the snippet as (text, is_match) pairs;
``snippet`` renders it as plain text with matches wrapped in ``**`` (readable in a
terminal, Markdown when rendered) and ``snippet_html`` as HTML-escaped text with
``<mark>`` elements.
"""

from __future__ import annotations

import html
import json
import re
import sqlite3
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from archive.fts import (
    Highlight,
    SearchQueryError,
    compile_query,
    facet_filter,
    fold,
    stem,
    stemmer_lang,
)
from archive.index import Index
from archive.schema import first_stems_rowid, revision_id_of

__all__ = ["SearchQueryError", "SearchResult", "search"]

MARK = "**"
MAX_RANKED = 5_000  # matches ranked by bm25 at most; see _rank
_WINDOW = 220  # characters of context in a snippet
_BEFORE = 60  # of which before the first match
_MAX_WINDOWS = 100  # candidate windows to compare: bounds the cost for very common words


@dataclass(frozen=True)
class SearchResult:
    id: int
    url: str
    title: str
    published: str | None
    type: str | None
    ministries: list[str]
    lang: str | None
    status: str
    revision: int
    score: float  # bm25, higher is better
    parts: tuple[tuple[str, bool], ...]

    @property
    def snippet(self) -> str:
        return "".join(f"{MARK}{text}{MARK}" if hit else text for text, hit in self.parts)

    @property
    def snippet_html(self) -> str:
        return "".join(
            f"<mark>{html.escape(text)}</mark>" if hit else html.escape(text)
            for text, hit in self.parts
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "title": self.title,
            "published": self.published,
            "type": self.type,
            "ministries": self.ministries,
            "lang": self.lang,
            "status": self.status,
            "revision": self.revision,
            "score": self.score,
            "snippet": self.snippet,
            "snippet_html": self.snippet_html,
        }


def search(
    index: Index,
    query: str,
    *,
    ministry: str | None = None,
    type: str | None = None,
    lang: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = 20,
) -> list[SearchResult]:
    """Articles whose latest revision matches ``query``, best first.

    ``ministry`` matches an article when its words begin adjacent words of one of its
    ministries (``finans`` finds Finansdepartementet, ``klima og miljø`` and ``omsorg``
    work too); ``type`` is the whole type label in any case; ``lang`` is exact; the
    dates bound ``published``, inclusive. Raises ``SearchQueryError`` for a malformed
    query or a filter without letters.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    compiled = compile_query(query, lang)
    index.flush_search()  # a writer's revisions not yet in the FTS tables
    match = compiled.fts
    filters = facet_filter(lang=lang, type=type, ministry=ministry)
    if filters:
        match = f"({match}) AND {filters}"
    where = ["revisions_stems MATCH ?"]
    params: list[object] = [match]
    # The stems row id starts with the publication day: a date range is a row id range,
    # which FTS5 applies while walking its doclists.
    if date_from:
        where.append("rowid >= ?")
        params.append(first_stems_rowid(date_from))
    if date_to:
        where.append("rowid < ?")
        params.append(first_stems_rowid(date_to + timedelta(days=1)))
    try:
        ranked = _rank(index.conn, where, params, limit)
    except sqlite3.OperationalError as error:
        raise SearchQueryError(f"cannot search for {query!r}: {error}") from None
    if not ranked:
        return []
    ids = [revision_id_of(row[0]) for row in ranked]
    rows = {
        row["id"]: row
        for row in index.conn.execute(
            f"""
            SELECT r.id, r.article_id, r.revision, r.url, r.title, r.lead, r.body,
                r.published, r.type, r.ministries, r.lang, a.status
            FROM revisions r JOIN articles a ON a.id = r.article_id
            WHERE r.id IN ({", ".join("?" for _ in ids)})
            """,
            ids,
        )
    }
    finder = _Finder(compiled.highlight)
    results = []
    for stems_row, rank in ranked:
        row = rows[revision_id_of(stems_row)]
        text = "\n\n".join(part for part in (row["lead"], row["body"]) if part)
        results.append(
            SearchResult(
                id=row["article_id"],
                url=row["url"],
                title=row["title"],
                published=row["published"],
                type=row["type"],
                ministries=_json_list(row["ministries"]),
                lang=row["lang"],
                status=row["status"],
                revision=row["revision"],
                score=round(-rank, 4),
                parts=finder.snippet(text or row["title"], stemmer_lang(row["lang"])),
            )
        )
    return results


def _rank(
    conn: sqlite3.Connection, where: list[str], params: list[object], limit: int
) -> list[tuple[int, float]]:
    """The best ``limit`` stems row ids with their bm25 rank (lower is better).

    bm25 costs ~1.5 µs a match, so a word in every article of a 100,000-article
    archive would take ~150 ms to rank. When more than ``MAX_RANKED`` articles match,
    only the ``MAX_RANKED`` most recently published are ranked: walking matches by row
    id (publication day first) is cheap, and for such a common query the newest
    articles are the useful ones.
    """
    condition = " AND ".join(where)
    bound = conn.execute(
        f"SELECT rowid FROM revisions_stems WHERE {condition} ORDER BY rowid DESC LIMIT 1 OFFSET ?",
        [*params, MAX_RANKED - 1],
    ).fetchone()
    if bound is not None:
        condition += " AND rowid >= ?"
        params = [*params, bound[0]]
    rows = conn.execute(
        f"SELECT rowid, rank FROM revisions_stems WHERE {condition} ORDER BY rank LIMIT ?",
        [*params, limit],
    )
    return [(row[0], row[1]) for row in rows]


def _json_list(text: str) -> list[str]:
    value = json.loads(text)
    return value if isinstance(value, list) else []


_ACCENTS = {"e": "eéèêë", "a": "aáàâ", "o": "oóòô", "i": "iíìîï", "u": "uúùû", "c": "cç"}


def _pattern(key: str) -> str:
    return "".join(f"[{_ACCENTS[ch]}]" if ch in _ACCENTS else re.escape(ch) for ch in key)


class _Finder:
    """Marks the words of an original text whose stems the query asked for."""

    def __init__(self, highlight: Highlight) -> None:
        self.highlight = highlight
        # A stem is (nearly always) a prefix of its word, so a regex over stems and the
        # typed words finds every candidate at C speed; stemming confirms each one.
        keys = sorted(
            {*highlight.stems, *highlight.prefixes, *highlight.surface}, key=len, reverse=True
        )
        self.regex = (
            re.compile(
                r"(?<![^\W_])(?:" + "|".join(map(_pattern, keys)) + r")[^\W_]*", re.IGNORECASE
            )
            if keys
            else None
        )

    def _matches(self, text: str, slang: str) -> list[tuple[int, int, str]]:
        found: list[tuple[int, int, str]] = []
        if self.regex is None:
            return found
        stems, prefixes = self.highlight.stems, self.highlight.prefixes
        for match in self.regex.finditer(text):
            word = fold(match.group())
            stemmed = stem(word, slang)
            if stemmed in stems:
                found.append((match.start(), match.end(), stemmed))
            else:
                for prefix in prefixes:
                    if word.startswith(prefix) or stemmed.startswith(prefix):
                        found.append((match.start(), match.end(), prefix))
                        break
        return found

    def snippet(self, text: str, slang: str) -> tuple[tuple[str, bool], ...]:
        text = unicodedata.normalize("NFC", text)
        matches = self._matches(text, slang)
        if matches:
            # The window starting at the match that covers the most distinct terms.
            best, best_terms = 0, 0
            every_term = len({m[2] for m in matches})
            for i, (start, _, _) in enumerate(matches[:_MAX_WINDOWS]):
                terms = {m[2] for m in matches[i:] if m[1] <= start + _WINDOW - _BEFORE}
                if len(terms) > best_terms:
                    best, best_terms = i, len(terms)
                    if best_terms == every_term:
                        break  # cannot do better; a one-word query stops at once
            begin = max(0, matches[best][0] - _BEFORE)
            if begin > 0:
                space = text.find(" ", begin, matches[best][0])
                begin = space + 1 if space != -1 else matches[best][0]
        else:
            begin = 0
        end = min(len(text), begin + _WINDOW)
        if end < len(text):
            space = text.rfind(" ", begin, end)
            end = space if space > begin else end
        parts: list[tuple[str, bool]] = [("…", False)] if begin > 0 else []
        cursor = begin
        for start, stop, _ in matches:
            if start < begin or stop > end:
                continue
            parts += [(_flat(text[cursor:start]), False), (text[start:stop], True)]
            cursor = stop
        parts.append((_flat(text[cursor:end]), False))
        if end < len(text):
            parts.append(("…", False))
        return tuple(part for part in parts if part[0])


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)
