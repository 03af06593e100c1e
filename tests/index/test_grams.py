"""Common grams (``archive.index.grams``): a phrase of two frequent words found through
``revisions_grams`` gives the same results as FTS5's phrase test, and the table follows
the latest revisions through writes, rebuilds and an older index's upgrade."""

from __future__ import annotations

import random
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from archive.index import facets as facets_module
from archive.index import grams
from archive.index import search as search_module
from archive.index.facets import search_facets
from archive.index.fts import could_be_facet, words
from archive.index.grams import JOIN, grams_text, to_grams
from archive.index.search import search
from archive.index.store import Index
from archive.model import Article, Capture

T0 = datetime(2026, 7, 4, 12, 0, tzinfo=UTC)
# A few words in most texts, then a tail: Norwegian and English, as the archive holds.
FREQUENT_NB = ["og", "i", "det", "er", "den", "skatten", "regjeringen", "sier", "til", "for"]
FREQUENT_EN = ["the", "of", "government", "taxes", "and", "said"]
TAIL = [f"{a}{b}{c}ord" for a in "bdfgklmnprstv" for b in "aeiouyæøå" for c in "lmnrst"]
MINISTRIES = ["Finansdepartementet", "Klima- og miljødepartementet", "Statsministerens kontor"]


def _text(rng: random.Random, frequent: list[str], n: int) -> str:
    vocabulary = frequent + TAIL
    weights = [1 / rank for rank in range(1, len(vocabulary) + 1)]
    return " ".join(rng.choices(vocabulary, weights, k=n)).capitalize() + "."


def corpus(n: int, seed: int = 7) -> list[Article]:
    rng = random.Random(seed)
    found = []
    for number in range(n):
        english = number % 5 == 0
        frequent = FREQUENT_EN + FREQUENT_NB[:3] if english else FREQUENT_NB
        found.append(
            Article(
                id=10_000 + number,
                url=f"https://www.regjeringen.no/no/aktuelt/a/id{10_000 + number}/",
                lang="en" if english else rng.choice(("nb", "nn")),
                title=_text(rng, frequent, 6),
                lead=_text(rng, frequent, 12),
                body="\n\n".join(_text(rng, frequent, 25) for _ in range(3)),
                published=(date(2024, 1, 1) + timedelta(days=rng.randrange(400))).isoformat(),
                type=rng.choice(("Pressemelding", "Nyhet")),
                ministries=rng.sample(MINISTRIES, rng.choice((1, 2))),
            )
        )
    return found


@pytest.fixture
def record_all(
    make_capture: Callable[..., Capture],
) -> Callable[..., None]:
    """Indexes articles as captured one after another, from capture ``start`` on."""

    def add(index: Index, articles: list[Article], start: int = 0) -> None:
        for n, article in enumerate(articles, start):
            capture = make_capture(n, article.url, digest=f"sha1:{n}")
            index.record_article(article, index.add_capture(capture, "job1", article.id), T0)
        index.commit()

    return add


@pytest.fixture
def built(tmp_path: Path, record_all: Callable[..., None]) -> Callable[[list[Article]], Path]:
    """An index at ``tmp_path`` holding these articles, closed."""

    def build(articles: list[Article]) -> Path:
        path = tmp_path / "index.db"
        with Index(path) as index:
            record_all(index, articles)
        return path

    return build


@pytest.fixture
def small_archives(monkeypatch: pytest.MonkeyPatch) -> None:
    """Common stems chosen from a few hundred rows (1,000 at least otherwise)."""
    monkeypatch.setattr(grams, "MIN_DOCUMENTS", 50)


def queries() -> list[dict[str, object]]:
    """Phrases of two frequent words (Norwegian, English, mixed), alone and with every
    kind of filter, column, NOT and a second phrase; and queries grams cannot answer."""
    pairs = [f'"{a} {b}"' for a in FREQUENT_NB[:7] for b in FREQUENT_NB[:7] if a != b]
    pairs += [f'"{a} {b}"' for a in FREQUENT_EN[:4] for b in FREQUENT_EN[:4] if a != b]
    pairs += ['"det government"', '"og the"', f'"det {TAIL[0]}"', f'"{TAIL[400]} er"']
    found: list[dict[str, object]] = [{"query": pair} for pair in pairs]
    for pair in pairs[::3]:
        found += [
            {"query": f"title:{pair}"},
            {"query": f"body:{pair}"},
            {"query": pair, "lang": "en"},
            {"query": pair, "lang": "nb"},
            {"query": pair, "ministry": "finans"},
            {"query": pair, "type": "Nyhet"},
            {"query": pair, "date_from": date(2024, 3, 1), "date_to": date(2024, 9, 30)},
            {"query": f'{pair} NOT "det er"'},
            {"query": f'{pair} "den skatten"'},
            {"query": f"{pair} regjeringen"},  # a word: FTS5's
            {"query": f'"det er {FREQUENT_NB[4]}"'},  # three words: FTS5's
            {"query": f'"det er"* {pair}'},  # a prefix: FTS5's
        ]
    return found


@contextmanager
def counted(index: Index) -> Iterator[list[str]]:
    """The statements that read the grams table while inside."""
    seen: list[str] = []
    index.conn.set_trace_callback(
        lambda sql: seen.append(sql) if "revisions_grams" in sql else None
    )
    try:
        yield seen
    finally:
        index.conn.set_trace_callback(None)


def results(index: Index, **arguments: object) -> list[tuple[object, ...]]:
    return [
        (hit.id, hit.revision, hit.score, hit.parts)
        for hit in search(index, limit=20, **arguments)  # type: ignore[arg-type]
    ]


def assert_same_as_fts5(index: Index, monkeypatch: pytest.MonkeyPatch) -> int:
    """Every query gives what FTS5's phrase test gives (results and facets); returns how
    many used grams."""
    used = 0
    for arguments in queries():
        with counted(index) as seen:
            ours = results(index, **arguments), search_facets(index, **arguments)  # type: ignore[arg-type]
        used += bool(seen)
        with monkeypatch.context() as patch:
            for module in (search_module, facets_module):
                patch.setattr(module, "common_words", lambda conn: None)
            theirs = results(index, **arguments), search_facets(index, **arguments)  # type: ignore[arg-type]
        assert ours == theirs, arguments
    return used


def assert_grams_are_the_stems(index: Index) -> None:
    """Each gram is in exactly the rows whose stems hold the pair: FTS5's own counts of
    the table (a delete with other values than the insert's would leave rows behind)."""
    common = grams.common_words(index.conn)
    assert common
    expected: Counter[str] = Counter()
    for row in index.conn.execute("SELECT title, lead, body FROM revisions_stems_text"):
        expected.update({gram for text in row for gram in grams_text(text, common).split()})
    index.conn.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.grams_vocab"
        " USING fts5vocab('main', 'revisions_grams', 'row')"
    )
    found = {
        term: count
        for term, count in index.conn.execute("SELECT term, doc FROM temp.grams_vocab")
        if JOIN in term
    }
    assert found == dict(expected) and found


def test_a_fill_leaves_the_grams_config_as_it_found_it(
    built: Callable[[list[Article]], Path], small_archives: None
) -> None:
    # The fill writes with a larger FTS5 hashsize, a row of the table's config.
    path = built(corpus(300))
    with Index(path) as index:
        config = "SELECT k, v FROM revisions_grams_config ORDER BY k"
        before = index.conn.execute(config).fetchall()
        with index.transaction():
            grams.fill_grams(index.conn)
        assert index.conn.execute(config).fetchall() == before
        assert ("hashsize",) not in {row[:1] for row in before}
        assert_grams_are_the_stems(index)
    with Index(path) as index:  # and what a later connection reads
        index.conn.execute("INSERT INTO revisions_grams (revisions_grams) VALUES ('delete-all')")
        assert index.conn.execute(config).fetchall() == before


def test_a_column_s_grams_are_its_adjacent_pairs_of_common_stems() -> None:
    common = frozenset({"det", "er", "skatt"})
    assert grams_text("det er en skatt det er", common) == (
        f"det{JOIN}er skatt{JOIN}det det{JOIN}er"
    )
    assert grams_text("skatt skatt skatt", common) == f"skatt{JOIN}skatt skatt{JOIN}skatt"
    assert grams_text("det", common) == grams_text("", common) == ""
    assert grams_text("det er", frozenset()) == ""


def test_only_pairs_of_common_stems_are_asked_of_the_grams_table() -> None:
    common = frozenset({"det", "er", "len", "skatt"})
    assert to_grams('{title lead body} : "det er"', common) == (
        f'{{title lead body}} : "det{JOIN}er"'
    )
    english = '("det er" OR ("det er" AND facets : "len")) AND facets : ("lnb")'
    assert to_grams(english, common) == english.replace("det er", f"det{JOIN}er")
    filters = '(title : "det er") AND facets : ("tstart tnyhet tend") AND facets : ("mfin"*)'
    assert to_grams(filters, common) == filters.replace("det er", f"det{JOIN}er")
    assert to_grams('("det er" NOT "er skatt")', common) == (f'("det{JOIN}er" NOT "er{JOIN}skatt")')
    for beyond in ('"det"', '"det er skatt"', '"det er"*', '"det ulv"', '"det er" AND "ulv"'):
        assert to_grams(beyond, common) is None, beyond
    assert to_grams('"det er"', frozenset()) is None
    assert to_grams('"det er"', None) is None


def test_frequent_phrases_find_the_same_through_grams_as_through_fts5(
    built: Callable[[list[Article]], Path],
    monkeypatch: pytest.MonkeyPatch,
    small_archives: None,
) -> None:
    path = built(corpus(400))
    with Index(path) as index:  # the next open: grown past MIN_DOCUMENTS, filled
        common = grams.common_words(index.conn)
        assert common is not None and {"det", "er", "the", "govern"} <= common
        sql = "SELECT title || ' ' || lead || ' ' || body FROM revisions_stems_text"
        rows = [row[0].split() for row in index.conn.execute(sql)]
        shares = Counter(stem for row in rows for stem in set(row))
        texts = {stem for stem, n in shares.items() if n >= 0.1 * len(rows)}
        # The rest are the facets column's tokens (FTS5 counts a row's every column).
        assert texts <= common and all(could_be_facet(stem) for stem in common - texts)
        assert len(texts) < len(shares) / 3  # the tail is not common
        assert assert_same_as_fts5(index, monkeypatch) >= len(queries()) // 2
        assert results(index, query='"den skatten"')  # found, not merely equal


def test_writes_keep_the_grams_of_the_latest_revisions(
    built: Callable[[list[Article]], Path],
    monkeypatch: pytest.MonkeyPatch,
    small_archives: None,
    record_all: Callable[..., None],
) -> None:
    articles = corpus(300)
    path = built(articles)
    with Index(path) as index:
        assert grams.common_words(index.conn)
        # New revisions (each phrase of the old text gone) and new articles.
        edited = [replace(a, body=a.body.replace("det er", "ulven")) for a in articles[:60]]
        record_all(index, edited + corpus(40, seed=8)[:40], start=1000)
        old = articles[0]
        assert "det er" not in edited[0].body
        assert_same_as_fts5(index, monkeypatch)
        index.rebuild_search()
        assert_same_as_fts5(index, monkeypatch)
        ids = {hit.id for hit in search(index, '"det er"', limit=1000)}
        assert old.id not in ids and ids
        assert_grams_are_the_stems(index)


def test_an_index_before_grams_is_searched_as_before_and_filled_by_the_next_writer(
    built: Callable[[list[Article]], Path],
    monkeypatch: pytest.MonkeyPatch,
    small_archives: None,
) -> None:
    path = built(corpus(200))
    with sqlite3.connect(path) as conn:  # as an index made before m010
        conn.execute("DROP TABLE revisions_grams")
        conn.execute("DELETE FROM index_meta WHERE key = 'gram_words'")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm010_phrase_grams'")
    conn.close()
    before = path.read_bytes()
    with Index.open_readonly(path) as reader:  # read as it is, never written
        assert not reader.search_outdated
        with counted(reader) as seen:
            older = results(reader, query='"den skatten"')
        assert older and not seen
    assert path.read_bytes() == before
    Index(path).close()  # the next crawl's open
    with Index.open_readonly(path) as reader:
        with counted(reader) as seen:
            assert results(reader, query='"den skatten"') == older
        assert seen


def test_the_common_stems_are_chosen_again_once_the_archive_doubles(
    tmp_path: Path, small_archives: None, record_all: Callable[..., None]
) -> None:
    path = tmp_path / "index.db"
    with Index(path) as index:  # too small to choose: none, until it is large enough
        record_all(index, corpus(30))
        assert grams.common_words(index.conn) == frozenset() and not grams.stale(index.conn)
        record_all(index, corpus(60, seed=9)[30:], start=100)
        assert grams.stale(index.conn)
    with Index(path) as index:
        chosen = grams.common_words(index.conn)
        assert chosen and not grams.stale(index.conn)
        record_all(index, corpus(100, seed=10)[60:], start=200)  # 100 rows: not yet twice
        assert not grams.stale(index.conn)
        record_all(index, corpus(130, seed=11)[100:], start=300)
        assert grams.stale(index.conn)


def test_a_pair_is_one_token_that_no_text_can_spell(tmp_path: Path) -> None:
    assert words(f"det{JOIN}er") == ["det", "er"]  # never inside a stem
    with Index(tmp_path / "index.db") as index:  # and FTS5 keeps it inside one token
        index.conn.execute(
            "INSERT INTO revisions_grams (rowid, title, lead, body, facets)"
            " VALUES (1, ?, '', '', '')",
            (f"det{JOIN}er",),
        )
        for phrase, found in (('"det"', []), (f'"det{JOIN}er"', [(1,)])):
            sql = "SELECT rowid FROM revisions_grams WHERE revisions_grams MATCH ?"
            assert [tuple(row) for row in index.conn.execute(sql, [phrase])] == found


def test_fts_rows_are_written_in_order_a_statement_for_each_run_of_one_kind() -> None:
    """``write_fts`` inserts and deletes in the order given (a delete must follow the
    insert it undoes), the same table as one statement a row leaves."""
    rows: list[tuple[tuple[object, ...], str]] = []
    for number in range(1, 40):
        rows.append(((number, f"ord{number % 5} felles", f"tekst {number}"), "insert"))
        if number % 3 == 0:  # delete an earlier row, as an edit does
            rows.append(
                ((number - 1, f"ord{(number - 1) % 5} felles", f"tekst {number - 1}"), "delete")
            )

    def table(write: Callable[[sqlite3.Connection], None]) -> list[tuple[object, ...]]:
        conn = sqlite3.connect(":memory:")
        conn.execute("CREATE VIRTUAL TABLE t USING fts5(a, b, content='')")
        write(conn)
        conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab('t', 'instance')")
        return conn.execute("SELECT * FROM v ORDER BY 1, 2, 3, 4").fetchall()

    def one_by_one(conn: sqlite3.Connection) -> None:
        for values, kind in rows:
            command = "NULL" if kind == "insert" else "'delete'"
            conn.execute(f"INSERT INTO t (t, rowid, a, b) VALUES ({command}, ?, ?, ?)", values)

    written = table(lambda conn: grams.write_fts(conn, "t", ("a", "b"), rows))
    assert written == table(one_by_one)
    assert {row[1] for row in written} == {n for n in range(1, 40) if (n + 1) % 3}
