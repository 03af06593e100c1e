"""bm25 for a query with a phrase, computed here rather than by FTS5 (``search``'s
ranking of such queries, and of a word in very many articles; see ``rank_phrases``).

FTS5's bm25 first counts the documents of each phrase over the whole index for its IDF;
here only the newest matches are found by FTS5, and the same formula is applied to their
stems (``revisions_stems_text``) and lengths (FTS5's ``docsize`` table).
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections.abc import Callable

from archive.index.fts import RankedPhrase, facet_filter, words
from archive.index.grams import source

MAX_RANKED_PHRASES = 200  # matches ranked for a query with a phrase at most; see rank_phrases
_SAMPLE = 100  # matches a phrase's document count is estimated from; see _documents
_K1, _B = 1.2, 0.75  # FTS5's bm25 constants
_WEIGHTS = {"title": 10.0, "lead": 5.0, "body": 1.0}  # schema.RANK_STEMS


def rank_phrases(
    conn: sqlite3.Connection,
    where: list[str],
    params: list[object],
    phrases: tuple[RankedPhrase, ...],
    limit: int,
    whole: bool = False,
    common: frozenset[str] | None = None,
) -> list[tuple[int, float]]:
    """``search``'s ranking for a query with a phrase: FTS5's bm25, computed here.

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
    ``common``: the stems the grams table pairs (``archive.index.grams``); a match whose
    phrases are all pairs of them is found there, the same rows as FTS5's phrase test.
    """
    averages = _varints(
        conn.execute("SELECT block FROM revisions_stems_data WHERE id = 1").fetchone()[0]
    )
    documents = averages[0]
    known: dict[str, int] = {}  # phrases' document counts found on the way
    if whole and len(phrases) == 2 and phrases[1].english and not phrases[0].english:
        candidates = _two_stems_candidates(conn, phrases, documents, known, common)
    else:
        table, conditions, values = source(where, params, common)
        candidates = _newest(conn, " AND ".join(conditions), values, MAX_RANKED_PHRASES, table)
    if not candidates:
        return []
    average_length = sum(averages[1:]) / documents
    rows = _candidate_rows(conn, candidates, phrases, average_length)
    counted: dict[str, float] = {}
    for number, phrase in enumerate(phrases):
        if phrase.fts in counted:
            continue
        if whole and not phrase.english:
            hits = sum(1 for *_, freqs in rows if freqs[number])
            if len(candidates) == MAX_RANKED_PHRASES:  # the newest only: scale up
                hits = _estimate(conn, hits, min(candidates), documents)
        elif phrase.fts in known:
            hits = known[phrase.fts]
        else:
            hits = _documents(conn, phrase.fts, documents, common)
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
    frequency of each phrase in it that counts for its language (an English phrase counts
    in English rows only: 0 elsewhere, uncounted)."""
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
        english = words(lang or "")[:1] == ["en"]
        freqs = [
            sum(_WEIGHTS[col] * count(texts[col]) for col in phrase.columns)
            if english or not phrase.english
            else 0.0
            for phrase, count in zip(phrases, counters, strict=True)
        ]
        found.append((row_id, norm, english, freqs))
    return found


def _newest(
    conn: sqlite3.Connection,
    condition: str,
    params: list[object],
    n: int,
    table: str = "revisions_stems",
) -> list[int]:
    """The row ids of the ``n`` newest rows of ``table`` (the stems or their grams) that
    meet ``condition``, newest first."""
    sql = f"SELECT rowid FROM {table} WHERE {condition} ORDER BY rowid DESC LIMIT ?"
    return [row[0] for row in conn.execute(sql, [*params, n])]


def _newest_matches(
    conn: sqlite3.Connection,
    match: str,
    n: int,
    common: frozenset[str] | None,
    bounds: tuple[tuple[str, int], ...] = (),
) -> list[int]:
    """The ``n`` newest rows matching ``match`` (within the row id ``bounds``: operator,
    row id), from the grams table when it can answer ``match``."""
    where = ["revisions_stems MATCH ?", *(f"rowid {op} ?" for op, _ in bounds)]
    table, conditions, values = source(where, [match, *(row for _, row in bounds)], common)
    return _newest(conn, " AND ".join(conditions), values, n, table)


def _two_stems_candidates(
    conn: sqlite3.Connection, phrases: tuple[RankedPhrase, ...], documents: int,
    known: dict[str, int], common: frozenset[str] | None = None,
) -> list[int]:  # fmt: skip
    """The ``MAX_RANKED_PHRASES`` newest matches of one word or phrase whose Norwegian and
    English stems differ (``nb OR (en AND English)``), and the English phrase's document
    count (into ``known``), with one pass over the English phrase's matches where the
    query and ``_documents`` made two (each ~8 ms at 200,000 revisions when the phrase's
    words are frequent).

    The English phrase's ``_SAMPLE`` newest matches are its count's sample; those of them
    in English rows are all its English matches since the oldest of them, so only older
    ones are looked for with the query's own condition. The result is the query's.
    """
    norwegian, english = phrases
    sample = _newest_matches(conn, english.fts, _SAMPLE, common)
    if len(sample) < _SAMPLE:
        known[english.fts] = len(sample)
    else:
        known[english.fts] = _estimate(conn, len(sample), sample[-1], documents)
    found = set(_newest_matches(conn, norwegian.fts, MAX_RANKED_PHRASES, common))
    langs = conn.execute(
        f"SELECT id, lang FROM revisions_stems_text WHERE id IN ({', '.join('?' * len(sample))})",
        sample,
    )
    # The facets column's language token (fts.facet_text), read from the same value.
    found.update(row_id for row_id, lang in langs if words(lang or "")[:1] == ["en"])
    if len(sample) == _SAMPLE:  # English matches older than the sample's
        bounds: tuple[tuple[str, int], ...] = (("<", sample[-1]),)
        if len(found) >= MAX_RANKED_PHRASES:  # none older than the newest that many
            bounds += ((">", sorted(found, reverse=True)[MAX_RANKED_PHRASES - 1]),)
        match = f"{english.fts} AND {facet_filter(lang='en')}"
        found.update(_newest_matches(conn, match, MAX_RANKED_PHRASES, common, bounds))
    return sorted(found, reverse=True)[:MAX_RANKED_PHRASES]


def _documents(
    conn: sqlite3.Connection, match: str, documents: int, common: frozenset[str] | None = None
) -> int:
    """How many documents match ``match``: exact up to ``_SAMPLE``, else estimated from
    the share of documents that match among those since its ``_SAMPLE``-th newest."""
    sample = _newest_matches(conn, match, _SAMPLE, common)
    if len(sample) < _SAMPLE:
        return len(sample)
    return _estimate(conn, len(sample), sample[-1], documents)


def _estimate(conn: sqlite3.Connection, hits: int, oldest: int, documents: int) -> int:
    """All documents' matches, from ``hits`` among the documents since row ``oldest``."""
    window = _rows_since(conn, oldest, documents)
    return int(min(documents, round(hits * documents / max(window, 1))))


def _rows_since(conn: sqlite3.Connection, oldest: int, documents: int) -> int:
    """How many stems rows have an id from ``oldest`` on, of ``documents`` in all.

    SQLite counts a range row by row (~25 ns a row): the side of ``oldest`` with fewer
    rows is counted, the other is the rest of ``documents`` (5 ms less for an old row at
    200,000 revisions). Which side: a guess from the row ids (days published), checked.
    """
    low, high = conn.execute(
        "SELECT (SELECT min(id) FROM revisions_stems_docsize),"
        " (SELECT max(id) FROM revisions_stems_docsize)"
    ).fetchone()
    if low is None:
        return 0
    half = documents // 2 + 1
    newer_first = high - oldest <= oldest - low
    sides = (">=", "<") if newer_first else ("<", ">=")
    counted = _count_bounded(conn, sides[0], oldest, half)
    if counted < half:
        return counted if newer_first else documents - counted
    other = _count_bounded(conn, sides[1], oldest, documents + 1)
    return documents - other if newer_first else other


def _count_bounded(conn: sqlite3.Connection, op: str, row: int, most: int) -> int:
    sql = f"SELECT count(*) FROM (SELECT 1 FROM revisions_stems_docsize WHERE id {op} ? LIMIT ?)"
    return int(conn.execute(sql, [row, most]).fetchone()[0])


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
    # With every space doubled, two adjacent occurrences no longer share one: str.count
    # finds both (the lookahead's count, ~5x faster on a common word's long texts).
    doubled = needle.replace(" ", "  ")[1:-1]

    def count(text: str) -> int:
        found = text.count(needle)
        # str.count misses the second of two adjacent occurrences (" a b a b "): they
        # share the space between them.
        return text.replace(" ", "  ").count(doubled) if found and chained in text else found

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
