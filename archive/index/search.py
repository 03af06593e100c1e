"""Search the latest revision of every article, ranked by bm25 over stems.

FTS5 ranks inside the stem index (``ORDER BY rank LIMIT n``, so only the returned rows
are read), except for a query with a phrase and no OR: FTS5 then only finds the newest
matches and the same bm25 is computed here, from their stems (see ``archive.index.phrase_rank``).
Snippets are then cut from the *original* text of those rows (``archive.index.snippets``),
marking each word whose stem is one the query asked for.

Snippet markers: ``SearchResult.parts`` is the snippet as (text, is_match) pairs;
``snippet`` renders it as plain text with matches wrapped in ``**`` (readable in a
terminal, Markdown when rendered) and ``snippet_html`` as HTML-escaped text with
``<mark>`` elements.
"""

from __future__ import annotations

import html
import json
import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypedDict, Unpack

from archive.index.attachment_search import MAX_CANDIDATES, AttachmentHit, search_attachments
from archive.index.attachment_search import Filters as AttachmentFilters
from archive.index.attachments import file_name
from archive.index.connection import snapshot
from archive.index.fts import (
    CompiledQuery,
    RankedPhrase,
    SearchQueryError,
    compile_query,
    facet_filter,
    stemmer_lang,
)
from archive.index.grams import common_words
from archive.index.phrase_rank import rank_phrases
from archive.index.schema import first_stems_rowid, revision_id_of
from archive.index.snippets import SnippetFinder
from archive.index.store import Index

__all__ = [
    "LANGS",
    "WITHIN",
    "Filters",
    "SearchQueryError",
    "SearchResult",
    "match_conditions",
    "search",
]

LANGS = ("nb", "nn", "en", "se")  # the languages extraction gives an article
WITHIN = ("all", "articles", "attachments")  # what search looks in; all by default
MAX_INTEGER = 2**63 - 1  # SQLite's largest integer: a larger limit means "all"
MARK = "**"
MAX_RANKED = 5_000  # matches ranked by bm25 at most; see _rank


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
    # "article", or "attachment": then ``url``/``title`` name the document, ``revision`` is
    # its version, ``id`` and the other fields are of the first article listing it.
    kind: str = "article"
    articles: tuple[dict[str, Any], ...] = ()  # the articles listing the document
    document: dict[str, Any] | None = None  # format, extraction status, version

    @property
    def snippet(self) -> str:
        return "".join(f"{MARK}{text}{MARK}" if hit else text for text, hit in self.parts)

    @property
    def snippet_html(self) -> str:
        return "".join(
            f"<mark>{html.escape(text)}</mark>" if hit else html.escape(text)
            for text, hit in self.parts
        )

    @property
    def article_id(self) -> int:
        """``id``, under the name every other view of an article uses."""
        return self.id

    def as_dict(self) -> dict[str, Any]:
        """What ``regarkiv search --json`` prints for it."""
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
            "kind": self.kind,
            **(
                {"document": self.document, "articles": list(self.articles)}
                if self.document
                else {}
            ),
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
    within: str = "all",
    offset: int = 0,
) -> list[SearchResult]:
    """Articles whose latest revision matches ``query``, and attached documents whose latest
    version does (``within``: ``all``, ``articles`` or ``attachments``), best first by bm25,
    skipping the best ``offset`` (for pages of results).

    ``ministry`` matches an article when its words begin adjacent words of one of its
    ministries (``finans`` finds Finansdepartementet, ``klima og miljø`` and ``omsorg``
    work too); ``type`` is the whole type label in any case; ``lang`` is exact; the
    dates bound ``published``, inclusive. Raises ``SearchQueryError`` for a malformed
    or too large query (see ``archive.index.fts.compile_query``), an unknown language or
    a filter without letters.
    """
    if limit < 1 or offset < 0:
        raise ValueError("limit must be at least 1 and offset at least 0")
    if within not in WITHIN:
        raise SearchQueryError(f"unknown --in {within!r}; choose from {', '.join(WITHIN)}")
    limit = min(limit + offset, MAX_INTEGER)
    compiled, where, params = match_conditions(
        index, query, ministry=ministry, type=type, lang=lang, date_from=date_from, date_to=date_to
    )
    lang = lang.lower() if lang is not None else None
    # A facet filter is an FTS5 phrase whose IDF FTS5 would count over the whole index.
    filtered = bool(facet_filter(lang=lang, type=type, ministry=ministry))
    found: list[SearchResult] = []
    try:
        with snapshot(index.conn):
            found = _search_tables(index, compiled, where, params, limit, within, filtered)
            if within != "articles" and index.has_attachments:
                chosen = AttachmentFilters(ministry, type, lang, date_from, date_to)
                hits = search_attachments(index.conn, compiled, chosen, min(limit, MAX_CANDIDATES))
                found += [_attachment_result(hit) for hit in hits]
    except sqlite3.OperationalError as error:
        raise SearchQueryError(f"cannot search for {query!r}: {error}") from None
    found.sort(key=lambda result: -result.score)
    return found[offset:limit]


def _search_tables(
    index: Index, compiled: CompiledQuery, where: list[str], params: list[object], limit: int,
    within: str, filtered: bool,
) -> list[SearchResult]:  # fmt: skip
    """The matching articles, ranked (none when only attachments are searched)."""
    if within == "attachments":
        return []
    whole = len(where) == 1 and not filtered and _one_term(compiled)
    if compiled.ranked is not None and (compiled.has_phrase or filtered):
        common = common_words(index.conn)
        ranked = rank_phrases(index.conn, where, params, compiled.ranked, limit, whole, common)
    else:
        ranked = _rank(index.conn, where, params, limit, compiled.ranked, whole)
    return _results(index.conn, ranked, SnippetFinder(compiled.highlight))


class Filters(TypedDict, total=False):
    """``search``'s filters, for the functions that take them along."""

    ministry: str | None
    type: str | None
    lang: str | None
    date_from: date | None
    date_to: date | None


def match_conditions(
    index: Index, query: str, **filters: Unpack[Filters]
) -> tuple[CompiledQuery, list[str], list[object]]:
    """The compiled query and the WHERE conditions (with their parameters) over
    ``revisions_stems`` that select its matches; what ``search`` ranks and
    ``archive.index.facets`` counts."""
    lang, date_from, date_to = filters.get("lang"), filters.get("date_from"), filters.get("date_to")
    if lang is not None and lang.lower() not in LANGS:
        raise SearchQueryError(f"unknown language {lang!r}; choose from {', '.join(LANGS)}")
    lang = lang.lower() if lang is not None else None
    compiled = compile_query(query, lang)
    index.flush_search()  # a writer's revisions not yet in the FTS tables
    match = compiled.fts
    facets = facet_filter(lang=lang, type=filters.get("type"), ministry=filters.get("ministry"))
    if facets:
        match = f"({match}) AND {facets}"
    where = ["revisions_stems MATCH ?"]
    params: list[object] = [match]
    # The stems row id starts with the publication day: a date range is a row id range,
    # which FTS5 applies while walking its doclists.
    if date_from:
        where.append("rowid >= ?")
        params.append(first_stems_rowid(date_from))
    if date_to and date_to < date.max:  # date.max: no day after it, and no bound
        where.append("rowid < ?")
        params.append(first_stems_rowid(date_to + timedelta(days=1)))
    return compiled, where, params


def _attachment_result(hit: AttachmentHit) -> SearchResult:
    first = hit.articles[0] if hit.articles else {}
    return SearchResult(
        id=first.get("id", 0),
        url=hit.url,
        title=hit.title,
        published=first.get("published"),
        type=first.get("type"),
        ministries=first.get("ministries", []),
        lang=first.get("lang", hit.lang),
        status="live",
        revision=hit.version,
        score=hit.score,
        parts=hit.parts,
        kind="attachment",
        articles=hit.articles,
        document={
            "format": hit.format,
            "text": hit.status,
            "version": hit.version,
            "captured_at": hit.captured_at,
            "file_name": file_name(hit.url),
        },
    )


def _one_term(compiled: CompiledQuery) -> bool:
    """Whether the query is one word or phrase (in its Norwegian and English stems) and
    nothing else: every document that has it matches."""
    if compiled.ranked is None or " NOT " in compiled.fts:
        return False
    return len({phrase.fts for phrase in compiled.ranked if not phrase.english}) == 1


def _results(
    conn: sqlite3.Connection, ranked: list[tuple[int, float]], finder: SnippetFinder
) -> list[SearchResult]:
    """The ranked stems rows as results, in their order, each with its snippet."""
    if not ranked:
        return []
    ids = [revision_id_of(row[0]) for row in ranked]
    rows = {
        row["id"]: row
        for row in conn.execute(
            f"""
            SELECT r.id, r.article_id, r.revision, r.url, r.title, r.lead, r.body,
                r.published, r.type, r.ministries, r.lang, a.status
            FROM revisions r JOIN articles a ON a.id = r.article_id
            WHERE r.id IN ({", ".join("?" for _ in ids)})
            """,
            ids,
        )
    }
    results = []
    for stems_row, score in ranked:
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
                score=round(score, 4),
                parts=finder.snippet(text or row["title"], stemmer_lang(row["lang"])),
            )
        )
    return results


def _rank(
    conn: sqlite3.Connection,
    where: list[str],
    params: list[object],
    limit: int,
    phrases: tuple[RankedPhrase, ...] | None = None,
    whole: bool = False,
) -> list[tuple[int, float]]:
    """The best ``limit`` stems row ids with their bm25 score (higher is better).

    bm25 costs ~4 µs a match, and FTS5 first counts the documents of each term over the
    whole index for its IDF: a word in most of 200,000 revisions took ~40 ms to rank. When
    more than ``MAX_RANKED`` articles match, only the most recently published are ranked:
    walking matches by row id (publication day first) is cheap, and for such a common
    query the newest articles are the useful ones. With ``phrases`` (a query without OR),
    that is ``rank_phrases``'s ``MAX_RANKED_PHRASES`` newest, scored here without FTS5's
    count; otherwise FTS5 ranks the ``MAX_RANKED`` newest.
    """
    condition = " AND ".join(where)
    bound = conn.execute(
        f"SELECT rowid FROM revisions_stems WHERE {condition} ORDER BY rowid DESC LIMIT 1 OFFSET ?",
        [*params, MAX_RANKED - 1],
    ).fetchone()
    if bound is not None and phrases is not None:
        return rank_phrases(conn, where, params, phrases, limit, whole)
    if bound is not None:
        condition += " AND rowid >= ?"
        params = [*params, bound[0]]
    rows = conn.execute(
        f"SELECT rowid, rank FROM revisions_stems WHERE {condition} ORDER BY rank LIMIT ?",
        [*params, limit],
    )
    return [(row[0], -row[1]) for row in rows]


def _json_list(text: str) -> list[str]:
    value = json.loads(text)
    return value if isinstance(value, list) else []
