"""Common grams: each adjacent pair of an archive's most frequent stems as one token.

Why: a phrase of two words that are each in most articles (``"den skatten"``, ``"det
er"``) is in few of them, but FTS5 finds those few by comparing positions in every
article that holds both words: 10-16 ms of a search at 200,000 revisions, the frequent
phrase's whole p95 miss. ``revisions_grams`` (contentless FTS5, the columns and row ids
of ``revisions_stems``) holds each such pair as one token (Solr's "common grams"), so
that phrase is one short doclist.

Which pairs: both stems *common*, i.e. in at least ``COMMON_SHARE`` of the stems rows
(FTS5's own counts, read through ``fts5vocab``). A phrase with an uncommon word is left
to FTS5, where it costs at most that word's articles. The common stems are chosen when
the grams are filled (``fill_grams``): when the table is made (m010), after the stems
are rebuilt, and on a writer's open once the archive has doubled since; they are kept
in ``index_meta`` (``gram_words``), so rows written later get the grams of the same
pairs, and search knows which phrases the table answers. A stale choice only means
that a newly frequent pair is found the slower way, never a different result.

Only two-stem phrases are answered here: a gram's position is not its text position,
so longer phrases are left to FTS5.
"""

from __future__ import annotations

import functools
import itertools
import json
import operator
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator

from archive.index.fts import facet_text_of_row
from archive.index.schema import REVISION_ID_MASK

JOIN = "\ue000"  # private use: unicode61 keeps it inside a token, words() never yields it
COMMON_SHARE = 0.10  # of the stems rows a stem is in, to be common
MIN_DOCUMENTS = 1_000  # below that every phrase is fast, and shares are noise
MAX_WORDS = 1_000  # common stems at most: at most a million distinct grams
_META = "gram_words"
# A facet filter or the English alternative's language test: the facets column of the
# grams table is the stems table's, so these stay as they are.
_PART = re.compile(r'(facets : (?:\([^()]*\)|"[^"]*"))|"([^"]*)"(\*?)')

StemsValues = tuple[int, str, str, str, str]  # row id, title, lead, body, facets


def grams_text(stems: str, common: frozenset[str]) -> str:
    """The grams of a column's stems: every adjacent pair of common stems, in order.

    Nothing without common stems (an archive under ``MIN_DOCUMENTS``), as every revision
    a first crawl writes meets: no split. (Mapping each step in C was slower where most
    stems are common, 36 against 30 µs a replica body with 79% of its stems common.)"""
    if not common:
        return ""
    tokens = stems.split()
    pairs = zip(tokens, tokens[1:], strict=False)
    return " ".join([f"{a}{JOIN}{b}" for a, b in pairs if a in common and b in common])


def grams_values(values: StemsValues, common: frozenset[str]) -> StemsValues:
    """A ``revisions_grams`` row from the values of its ``revisions_stems`` row."""
    row_id, title, lead, body, facets = values
    return (
        row_id,
        grams_text(title, common),
        grams_text(lead, common),
        grams_text(body, common),
        facets,
    )


def write_grams(conn: sqlite3.Connection, rows: list[tuple[StemsValues, str]]) -> None:
    """Insert or delete (``kind``) the grams rows of these stems rows, in row id order."""
    write_fts(conn, "revisions_grams", ("title", "lead", "body", "facets"), rows)


_COMMAND = {"insert": "NULL", "delete": "'delete'"}  # FTS5's command column


def write_fts(
    conn: sqlite3.Connection,
    table: str,
    columns: tuple[str, ...],
    rows: Iterable[tuple[tuple[object, ...], str]],
) -> None:
    """Insert or delete (``kind``) each row (its row id, then ``columns``) of the FTS5
    ``table``, in order: one ``executemany`` for each run of one kind (a statement a row
    cost ~1.5 µs more of the writing process, ~15,000 a 5,000-article rebuild)."""
    names = ", ".join(columns)
    marks = ", ".join("?" * (len(columns) + 1))
    for kind, run in itertools.groupby(rows, key=operator.itemgetter(1)):
        conn.executemany(
            f"INSERT INTO {table} ({table}, rowid, {names}) VALUES ({_COMMAND[kind]}, {marks})",
            map(operator.itemgetter(0), run),
        )


def common_words(conn: sqlite3.Connection) -> frozenset[str] | None:
    """The common stems the grams table holds pairs of; None until it is filled."""
    try:
        row = conn.execute("SELECT value FROM index_meta WHERE key = ?", (_META,)).fetchone()
    except sqlite3.OperationalError:  # an index from before index_meta: none
        return None
    return _parsed(row[0])[0] if row else None


@functools.lru_cache(maxsize=4)
def _parsed(value: str) -> tuple[frozenset[str], int]:
    found = json.loads(value)
    return frozenset(found["words"]), int(found["documents"])


def stale(conn: sqlite3.Connection) -> bool:
    """Whether a writer should fill the grams table again: never filled, or the archive
    has doubled since the common stems were chosen (and is large enough to choose)."""
    row = conn.execute("SELECT value FROM index_meta WHERE key = ?", (_META,)).fetchone()
    if row is None:
        return True
    documents = _documents(conn)
    return documents >= MIN_DOCUMENTS and documents >= 2 * _parsed(row[0])[1]


# A stems row as ``fill_grams`` reads it: row id, title, lead, body, lang, type, ministries.
SourceRow = tuple[int, str, str, str, str | None, str | None, str]
# Makes the grams rows of batches of stems rows, in order (elsewhere, e.g. in other
# processes, as ``archive.reindex_workers`` does): ``grams_rows`` of each batch.
MakeGrams = Callable[[frozenset[str], Iterator[list[SourceRow]]], Iterator[list[StemsValues]]]
BATCH = 500  # stems rows read, made into grams and written at a time
# FTS5 writes its pending terms out as a new segment whenever they pass ``hashsize``
# (1 MiB by default) and merges segments as they pile up. A whole table's grams are
# many distinct terms: with 8 MiB, those of 5,000 revisions are one segment at COMMIT.
# Measured over the 5,000-article crawl, in one process: writing the grams 0.141-0.153
# -> 0.102-0.114 s of CPU, fill and commit 0.41 -> 0.37-0.38 s.
FILL_HASHSIZE = 8 << 20


def grams_rows(common: frozenset[str], rows: list[SourceRow]) -> list[StemsValues]:
    """The ``revisions_grams`` rows of these stems rows."""
    return [
        grams_values((row_id, title, lead, body, facet_text_of_row(lang, kind, ministries)), common)
        for row_id, title, lead, body, lang, kind, ministries in rows
    ]


def _made_here(
    common: frozenset[str], batches: Iterator[list[SourceRow]]
) -> Iterator[list[StemsValues]]:
    return (grams_rows(common, batch) for batch in batches)


def fill_grams(conn: sqlite3.Connection, make: MakeGrams | None = None) -> frozenset[str]:
    """Choose the common stems and write every grams row again, in the open transaction.

    Reads the stems from ``revisions_stems_text`` and the facets from the revisions
    (their covering index): nothing is stemmed again (27 s of CPU at 200,000 revisions).
    ``make`` may make the rows elsewhere while this process writes the ones made before.
    """
    documents = _documents(conn)
    common = _choose(conn, documents)
    conn.execute("INSERT INTO revisions_grams (revisions_grams) VALUES ('delete-all')")
    conn.execute(
        "INSERT INTO revisions_grams (revisions_grams, rank) VALUES ('hashsize', ?)",
        (FILL_HASHSIZE,),
    )
    rows = conn.execute(
        """
        SELECT t.id, t.title, t.lead, t.body, r.lang, r.type, r.ministries
        FROM revisions_stems_text t JOIN revisions r ON r.id = (t.id & ?)
        ORDER BY t.id
        """,
        (REVISION_ID_MASK,),
    )
    batches: Iterator[list[SourceRow]] = iter(lambda: rows.fetchmany(BATCH), [])
    for values in (make if make is not None and common else _made_here)(common, batches):
        write_grams(conn, [(value, "insert") for value in values])
    # The setting is a row of the table's config: gone again, so that the table is as
    # any other fill leaves it. This connection keeps its copy (FTS5 reads the config
    # again only when its cookie changes) until it closes, which costs nothing more:
    # the pending terms are written out at every COMMIT in any case.
    conn.execute("DELETE FROM revisions_grams_config WHERE k = 'hashsize'")
    chosen = json.dumps({"words": sorted(common), "documents": documents}, ensure_ascii=False)
    conn.execute("INSERT OR REPLACE INTO index_meta (key, value) VALUES (?, ?)", (_META, chosen))
    return common


def forget_grams(conn: sqlite3.Connection) -> None:
    """Empty the grams table until the next ``fill_grams`` (the stems are being rebuilt)."""
    conn.execute("INSERT INTO revisions_grams (revisions_grams) VALUES ('delete-all')")
    conn.execute("DELETE FROM index_meta WHERE key = ?", (_META,))


def _documents(conn: sqlite3.Connection) -> int:
    """The stems rows: their ``docsize`` rows, counted (1 ms at 200,000; the stems text
    took 160 ms). Not FTS5's total: inside a rebuild it is written only at the end."""
    return int(conn.execute("SELECT count(*) FROM revisions_stems_docsize").fetchone()[0])


def _choose(conn: sqlite3.Connection, documents: int) -> frozenset[str]:
    """The stems in at least ``COMMON_SHARE`` of the rows, most frequent first."""
    if documents < MIN_DOCUMENTS:
        return frozenset()
    conn.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.stems_vocab"
        " USING fts5vocab('main', 'revisions_stems', 'row')"
    )
    rows = conn.execute(
        "SELECT term FROM temp.stems_vocab WHERE doc >= ? ORDER BY doc DESC LIMIT ?",
        (max(1, round(COMMON_SHARE * documents)), MAX_WORDS),
    )
    return frozenset(term for (term,) in rows if JOIN not in term)


def to_grams(match: str, common: frozenset[str] | None) -> str | None:
    """``match`` (an FTS5 expression over ``revisions_stems``) as the same expression over
    ``revisions_grams``, or None when a phrase in it is not a pair of common stems
    (a word, a longer phrase, a prefix): the grams table cannot answer it."""
    if not common:
        return None
    failed = False

    def gram(found: re.Match[str]) -> str:
        nonlocal failed
        if found.group(1):
            return found.group(1)
        tokens = found.group(2).split()
        if found.group(3) or len(tokens) != 2 or not all(t in common for t in tokens):
            failed = True
            return ""
        return f'"{tokens[0]}{JOIN}{tokens[1]}"'

    rewritten = _PART.sub(gram, match)
    return None if failed else rewritten


def source(
    where: list[str], params: list[object], common: frozenset[str] | None
) -> tuple[str, list[str], list[object]]:
    """The table to find the rows of ``where`` (a ``revisions_stems MATCH ?`` condition,
    then row id bounds) in, with the conditions and parameters for it: the grams table
    when it can answer the match, which then gives the same rows."""
    grams = to_grams(str(params[0]), common)
    if grams is None:
        return "revisions_stems", where, params
    return "revisions_grams", ["revisions_grams MATCH ?", *where[1:]], [grams, *params[1:]]
