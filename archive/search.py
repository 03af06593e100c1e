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
from datetime import date
from typing import Any

from archive.fts import (
    Highlight,
    SearchQueryError,
    compile_query,
    fold,
    stem,
    stemmer_lang,
)
from archive.index import Index

__all__ = ["SearchQueryError", "SearchResult", "search"]

MARK = "**"
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

    ``ministry`` matches any of an article's ministries by case-insensitive substring
    (``finans`` finds Finansdepartementet); ``type`` is a case-insensitive exact match
    on the type label; ``lang`` is exact; the dates bound ``published``, inclusive.
    Raises ``SearchQueryError`` for a malformed query.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    compiled = compile_query(query, lang)
    filters: list[str] = []
    params: list[object] = [compiled.fts]
    if lang:
        filters.append("r.lang = ?")
        params.append(lang)
    if type:
        filters.append("rk_fold(r.type) = ?")
        params.append(fold(type))
    if ministry:
        filters.append("EXISTS (SELECT 1 FROM json_each(r.ministries) WHERE rk_contains(value, ?))")
        params.append(ministry)
    if date_from:
        filters.append("r.published >= ?")
        params.append(date_from.isoformat())
    if date_to:
        filters.append("r.published <= ?")
        params.append(date_to.isoformat())
    params.append(limit)
    if filters:
        sql = (
            "SELECT revisions_stems.rowid, revisions_stems.rank FROM revisions_stems"
            " JOIN revisions r ON r.id = revisions_stems.rowid"
            " WHERE revisions_stems MATCH ? AND " + " AND ".join(filters) + " ORDER BY"
            " revisions_stems.rank LIMIT ?"
        )
    else:
        sql = (
            "SELECT rowid, rank FROM revisions_stems WHERE revisions_stems MATCH ?"
            " ORDER BY rank LIMIT ?"
        )
    try:
        ranked = index.conn.execute(sql, params).fetchall()
    except sqlite3.OperationalError as error:
        raise SearchQueryError(f"cannot search for {query!r}: {error}") from None
    if not ranked:
        return []
    ids = [row[0] for row in ranked]
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
    for row_id, rank in ranked:
        row = rows[row_id]
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
            for i, (start, _, _) in enumerate(matches[:_MAX_WINDOWS]):
                terms = {m[2] for m in matches[i:] if m[1] <= start + _WINDOW - _BEFORE}
                if len(terms) > best_terms:
                    best, best_terms = i, len(terms)
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
