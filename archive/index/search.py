"""Search the latest revision of every article, ranked by bm25 over stems.

FTS5 ranks inside the stem index (``ORDER BY rank LIMIT n``, so only the returned rows
are read), except for a query with a phrase and no OR: FTS5 then only finds the newest
matches and the same bm25 is computed here, from their stems (see ``_rank_phrases``).
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
import math
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypedDict, Unpack

from archive.index.attachment_search import MAX_CANDIDATES, AttachmentHit, search_attachments
from archive.index.attachment_search import Filters as AttachmentFilters
from archive.index.fts import (
    CompiledQuery,
    RankedPhrase,
    SearchQueryError,
    compile_query,
    facet_filter,
    stemmer_lang,
    words,
)
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
MAX_RANKED_PHRASES = 200  # the same for a query with a phrase; see _rank_phrases
_SAMPLE = 100  # matches a phrase's document count is estimated from; see _documents
_K1, _B = 1.2, 0.75  # FTS5's bm25 constants
_WEIGHTS = {"title": 10.0, "lead": 5.0, "body": 1.0}  # schema.RANK_STEMS


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
        if within != "attachments":
            whole = len(where) == 1 and not filtered and _one_term(compiled)
            if compiled.ranked is not None and (compiled.has_phrase or filtered):
                ranked = _rank_phrases(index.conn, where, params, compiled.ranked, limit, whole)
            else:
                ranked = _rank(index.conn, where, params, limit, compiled.ranked, whole)
            found = _results(index.conn, ranked, SnippetFinder(compiled.highlight))
        if within != "articles" and index.has_attachments:
            chosen = AttachmentFilters(ministry, type, lang, date_from, date_to)
            hits = search_attachments(index.conn, compiled, chosen, min(limit, MAX_CANDIDATES))
            found += [_attachment_result(hit) for hit in hits]
    except sqlite3.OperationalError as error:
        raise SearchQueryError(f"cannot search for {query!r}: {error}") from None
    found.sort(key=lambda result: -result.score)
    return found[offset:limit]


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
        document={"format": hit.format, "text": hit.status, "version": hit.version},
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
    that is ``_rank_phrases``'s ``MAX_RANKED_PHRASES`` newest, scored here without FTS5's
    count; otherwise FTS5 ranks the ``MAX_RANKED`` newest.
    """
    condition = " AND ".join(where)
    bound = conn.execute(
        f"SELECT rowid FROM revisions_stems WHERE {condition} ORDER BY rowid DESC LIMIT 1 OFFSET ?",
        [*params, MAX_RANKED - 1],
    ).fetchone()
    if bound is not None and phrases is not None:
        return _rank_phrases(conn, where, params, phrases, limit, whole)
    if bound is not None:
        condition += " AND rowid >= ?"
        params = [*params, bound[0]]
    rows = conn.execute(
        f"SELECT rowid, rank FROM revisions_stems WHERE {condition} ORDER BY rank LIMIT ?",
        [*params, limit],
    )
    return [(row[0], -row[1]) for row in rows]


def _rank_phrases(
    conn: sqlite3.Connection,
    where: list[str],
    params: list[object],
    phrases: tuple[RankedPhrase, ...],
    limit: int,
    whole: bool = False,
) -> list[tuple[int, float]]:
    """``_rank`` for a query with a phrase: FTS5's bm25, computed here.

    FTS5's bm25 first counts the documents of each phrase of the query for its IDF, by
    running that phrase over the whole index: for a phrase of common words (``"det
    er"``) that alone takes ~25 ms, and ranking each match costs ~4 µs more. Here FTS5
    only finds the ``MAX_RANKED_PHRASES`` newest matches (verifying the phrase), and
    the same formula is applied to the stems of those rows (``revisions_stems_text``)
    and their lengths (FTS5's ``docsize`` table). A phrase's document count is exact
    up to ``_SAMPLE`` documents and estimated from its newest ``_SAMPLE`` beyond that.
    ``whole``: the query is that one phrase (or word) and nothing else, so the matches
    found are all of its matches since the oldest of them: its count comes from them,
    without running the phrase again (a frequent phrase: ~10 ms at 200,000 revisions).
    """
    condition = " AND ".join(where)
    candidates = [
        row[0]
        for row in conn.execute(
            f"SELECT rowid FROM revisions_stems WHERE {condition} ORDER BY rowid DESC LIMIT ?",
            [*params, MAX_RANKED_PHRASES],
        )
    ]
    if not candidates:
        return []
    averages = _varints(
        conn.execute("SELECT block FROM revisions_stems_data WHERE id = 1").fetchone()[0]
    )
    documents, average_length = averages[0], sum(averages[1:]) / averages[0]
    rows = _candidate_rows(conn, candidates, phrases, average_length)
    counted: dict[str, float] = {}
    for number, phrase in enumerate(phrases):
        if phrase.fts in counted:
            continue
        if whole and not phrase.english:
            hits = sum(1 for *_, freqs in rows if freqs[number])
            if len(candidates) == MAX_RANKED_PHRASES:  # the newest only: scale up
                hits = _estimate(conn, hits, min(candidates), documents)
        else:
            hits = _documents(conn, phrase.fts, documents)
        idf = math.log((documents - hits + 0.5) / (hits + 0.5))
        counted[phrase.fts] = idf if idf > 0 else 1e-6  # as FTS5 does
    idfs = [counted[phrase.fts] for phrase in phrases]
    scored = []
    for row_id, norm, english, freqs in rows:
        score = 0.0
        for phrase, idf, freq in zip(phrases, idfs, freqs, strict=True):
            if freq and (english or not phrase.english):
                score += idf * (freq * (_K1 + 1)) / (freq + norm)
        scored.append((row_id, score))
    scored.sort(key=lambda item: (-item[1], -item[0]))
    return scored[:limit]


def _candidate_rows(
    conn: sqlite3.Connection,
    candidates: list[int],
    phrases: tuple[RankedPhrase, ...],
    average_length: float,
) -> list[tuple[int, float, bool, list[float]]]:
    """Each candidate's id, bm25 length norm, whether it is English, and the weighted
    frequency of each phrase in it (whatever its language)."""
    counters = [_counter(phrase) for phrase in phrases]
    found = []
    for row_id, title, lead, body, sizes, lang in conn.execute(
        f"""
        SELECT t.id, t.title, t.lead, t.body, d.sz, t.lang
        FROM revisions_stems_text t JOIN revisions_stems_docsize d ON d.id = t.id
        WHERE t.id IN ({", ".join("?" for _ in candidates)})
        """,
        candidates,
    ):
        texts = {"title": f" {title} ", "lead": f" {lead} ", "body": f" {body} "}
        norm = _K1 * (1 - _B + _B * sum(_varints(sizes)) / average_length)
        freqs = [
            sum(_WEIGHTS[col] * count(texts[col]) for col in phrase.columns)
            for phrase, count in zip(phrases, counters, strict=True)
        ]
        found.append((row_id, norm, words(lang or "")[:1] == ["en"], freqs))
    return found


def _documents(conn: sqlite3.Connection, match: str, documents: int) -> int:
    """How many documents match ``match``: exact up to ``_SAMPLE``, else estimated from
    the share of documents that match among those since its ``_SAMPLE``-th newest."""
    row = conn.execute(
        "SELECT count(*), min(rowid) FROM (SELECT rowid FROM revisions_stems"
        " WHERE revisions_stems MATCH ? ORDER BY rowid DESC LIMIT ?)",
        [match, _SAMPLE],
    ).fetchone()
    hits, oldest = int(row[0]), row[1]
    if hits < _SAMPLE:
        return hits
    return _estimate(conn, hits, oldest, documents)


def _estimate(conn: sqlite3.Connection, hits: int, oldest: int, documents: int) -> int:
    """All documents' matches, from ``hits`` among the documents since row ``oldest``."""
    window = conn.execute(
        "SELECT count(*) FROM revisions_stems_docsize WHERE id >= ?", [oldest]
    ).fetchone()[0]
    return int(min(documents, round(hits * documents / max(window, 1))))


def _counter(phrase: RankedPhrase) -> Callable[[str], int]:
    """Counts the phrase's occurrences in a space-padded text of stems, as FTS5 would."""
    needle = " " + " ".join(phrase.stems)
    lookahead = re.compile("(?=" + re.escape(needle) + ("" if phrase.prefix else " ") + ")")
    tokens = phrase.stems
    # A lookahead counts overlapping occurrences ("a a" twice in "a a a"), which only a
    # phrase whose start repeats its end can have, and prefixes; str.count is ~10x faster.
    if phrase.prefix or any(tokens[:n] == tokens[-n:] for n in range(1, len(tokens))):
        return lambda text: len(lookahead.findall(text))
    chained = needle + needle + " "
    needle += " "

    def count(text: str) -> int:
        found = text.count(needle)
        # str.count misses the second of two adjacent occurrences (" a b a b "): they
        # share the space between them.
        return len(lookahead.findall(text)) if found and chained in text else found

    return count


def _varints(blob: bytes) -> list[int]:
    """The SQLite varints of an FTS5 ``averages`` record or ``docsize`` row."""
    values, value, length = [], 0, 0
    for byte in blob:
        length += 1
        if length == 9:  # the ninth byte has eight bits of value
            values.append((value << 8) | byte)
            value = length = 0
        elif byte & 0x80:
            value = (value << 7) | (byte & 0x7F)
        else:
            values.append((value << 7) | byte)
            value = length = 0
    return values


def _json_list(text: str) -> list[str]:
    value = json.loads(text)
    return value if isinstance(value, list) else []
