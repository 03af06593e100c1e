from __future__ import annotations

import json
import threading
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

pytest.importorskip("hypothesis", reason="hypothesis (a dev extra) is not installed")

from hypothesis import given, settings
from hypothesis import strategies as st

from archive.index.fts import compile_query, could_be_facet, facet_filter, facet_text
from archive.index.search import LANGS, SearchQueryError, search
from archive.index.store import Index
from archive.model import Article, Capture

T0 = datetime(2026, 7, 4, 12, 0, tzinfo=UTC)


def article(article_id: int, title: str, body: str, **changes: object) -> Article:
    base = Article(
        id=article_id,
        url=f"https://www.regjeringen.no/no/aktuelt/a/id{article_id}/",
        lang="nb",
        title=title,
        lead="",
        body=body,
        published="2026-06-01",
        type="Pressemelding",
        ministries=["Finansdepartementet"],
    )
    return replace(base, **changes)


ARTICLES = [
    article(1, "Regjeringens forslag til statsbudsjett", "Regjeringen foreslår lavere skatter."),
    article(
        2,
        "Far og sønn",
        "Statsministeren sier at familien får mer støtte. Skatten på arbeid går ned.",
        published="2026-05-10",
        type="Nyhet",
        ministries=["Statsministerens kontor", "Barne- og familiedepartementet"],
    ),
    article(
        3,
        "Ny idé for næringslivet",
        "Nærings- og fiskeridepartementet lanserer en kafé for gründere.",
        ministries=["Nærings- og fiskeridepartementet"],
        published="2025-12-24",
    ),
    article(
        4,
        "The Government presents its budget",
        "The governments of the Nordic countries discussed taxes. <script>alert(1)</script>",
        lang="en",
        type="Press release",
        ministries=["Ministry of Finance"],
        url="https://www.regjeringen.no/en/aktuelt/budget/id4/",
    ),
]


def fill(index: Index, articles: list[Article], start: int = 0) -> None:
    for n, item in enumerate(articles, start):
        capture = Capture(
            url=item.url,
            fetched_at=T0 + timedelta(minutes=n),
            status=200,
            record_type="response",
            record_id=f"<urn:uuid:{n}>",
            warc_file="a.warc.gz",
            offset=n,
            length=1,
            payload_digest=f"sha1:{n}",
        )
        index.record_article(item, index.add_capture(capture, None), capture.fetched_at)
    index.commit()


@pytest.fixture
def index(tmp_path: Path) -> Index:
    with Index(tmp_path / "index.db") as opened:
        fill(opened, ARTICLES)
        yield opened


def ids(results: list) -> list[int]:
    return sorted(result.id for result in results)


def test_base_form_finds_inflected_forms(index: Index) -> None:
    assert ids(search(index, "regjering")) == [1]
    assert ids(search(index, "regjeringens")) == [1]
    assert ids(search(index, "skatt")) == [1, 2]
    assert ids(search(index, "skatten")) == [1, 2]


def test_aeoeaa_stay_distinct(index: Index) -> None:
    assert ids(search(index, "får")) == [2]
    assert ids(search(index, "far")) == [2]  # the title "Far og sønn"
    results = search(index, "får")
    assert "**får**" in results[0].snippet and "**Far**" not in results[0].snippet
    assert ids(search(index, "sonn")) == []


def test_optional_accents_fold(index: Index) -> None:
    assert ids(search(index, "ide")) == ids(search(index, "idé")) == [3]
    assert ids(search(index, "kafe")) == [3]


def test_english_stemming(index: Index) -> None:
    assert ids(search(index, "government")) == [4]
    assert ids(search(index, "tax", lang="en")) == [4]


def test_phrase_and_operators(index: Index) -> None:
    assert ids(search(index, '"statsministeren sier"')) == [2]
    assert ids(search(index, '"sier statsministeren"')) == []
    assert ids(search(index, "skatt NOT familien")) == [1]
    assert ids(search(index, "familie OR gründer")) == [2, 3]
    assert ids(search(index, "regj*")) == [1]
    assert ids(search(index, "title:skatt")) == []


def test_snippet_marks_original_words(index: Index) -> None:
    [result] = search(index, '"statsministeren sier"')
    assert result.snippet.startswith("**Statsministeren** **sier** at familien")
    assert result.parts[0] == ("Statsministeren", True)
    [english] = search(index, "script")
    assert "&lt;" in english.snippet_html and "<script>" not in english.snippet_html


def test_filters(index: Index) -> None:
    assert ids(search(index, "skatt", ministry="statsminister")) == [2]
    assert ids(search(index, "skatt", ministry="FINANSDEPARTEMENTET")) == [1]
    assert ids(search(index, "ny*", ministry="nærings")) == [3]
    assert ids(search(index, "skatt", type="nyhet")) == [2]
    assert ids(search(index, "skatt", date_from=date(2026, 5, 31))) == [1]
    assert ids(search(index, "skatt", date_to=date(2026, 5, 10))) == [2]
    assert ids(search(index, "skatt", lang="en")) == []
    assert len(search(index, "skatt", limit=1)) == 1


def test_results_fields_and_ranking(index: Index) -> None:
    results = search(index, "regjering OR skatt")
    # The title match ranks first.
    assert results[0].id == 1
    first = results[0].as_dict()
    assert first["title"] == "Regjeringens forslag til statsbudsjett"
    assert first["ministries"] == ["Finansdepartementet"]
    assert first["published"] == "2026-06-01"
    assert first["score"] > results[1].score


def test_only_latest_revision_is_searched(index: Index) -> None:
    fill(index, [replace(ARTICLES[0], body="Regjeringen foreslår høyere avgifter.")], start=10)
    assert ids(search(index, "skatter")) == [2]
    assert ids(search(index, "avgift")) == [1]
    assert search(index, "avgift")[0].revision == 2


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('"statsministeren sier', "unbalanced quote"),
        ("AND", "AND needs a word on each side"),
        ("skatt AND", "ends with an operator"),
        ("NOT skatt", "NOT needs a word before it"),
        ("(skatt OR moms", "unbalanced parenthesis"),
        ("   ", "no words"),
    ],
)
def test_malformed_query(index: Index, query: str, message: str) -> None:
    with pytest.raises(SearchQueryError, match=message) as raised:
        search(index, query)
    assert "\n" not in str(raised.value)


def test_compile_query_stems_both_languages() -> None:
    compiled = compile_query("regjeringen")
    assert compiled.fts == '("regjering" OR ("regjeringen" AND facets : "len"))'
    assert compile_query("regjeringen", lang="nb").fts == '"regjering"'
    assert compile_query("title:skatt").fts == 'title : "skatt"'


def test_text_columns_are_named_only_where_a_facet_could_match() -> None:
    # Facet tokens start with l, t or m, or are zz: any other stem cannot match there.
    assert compile_query('"til mer"', lang="nb").fts == '{title lead body} : "til mer"'
    assert compile_query('"til skatt"', lang="nb").fts == '"til skatt"'
    assert compile_query("z*", lang="nb").fts == '{title lead body} : "z"*'
    assert compile_query("zy*", lang="nb").fts == '"zy"*'
    assert compile_query("zz", lang="nb").fts == '{title lead body} : "zz"'


@given(
    st.text(max_size=6),
    st.none() | st.text(max_size=20),
    st.lists(st.text(max_size=30), max_size=3),
)
def test_every_facet_token_is_one_could_be_facet_knows(
    lang: str, type_: str | None, ministries: list[str]
) -> None:
    for token in facet_text(lang, type_, ministries).split():
        assert could_be_facet(token)


def test_facet_tokens_typed_as_words_find_nothing(index: Index) -> None:
    for query in ("lnb", "tstart", "tpressemelding", "zz", '"mfinansdepartementet zz"', "lnb*"):
        assert search(index, query) == [], query


def test_writer_and_searcher_at_once(tmp_path: Path) -> None:
    path = tmp_path / "index.db"
    with Index(path) as writer:
        fill(writer, ARTICLES)
        errors: list[BaseException] = []
        done = threading.Event()

        def read() -> None:
            try:
                with Index.open_readonly(path) as reader:
                    while not done.is_set():
                        assert ids(search(reader, "statsbudsjett")) == [1]
            except BaseException as error:  # report in the main thread
                errors.append(error)

        thread = threading.Thread(target=read)
        thread.start()
        more = [article(100 + n, f"Sak {n}", "Skatt og avgift.") for n in range(200)]
        for n in range(0, 200, 20):
            fill(writer, more[n : n + 20], start=100 + n)
        done.set()
        thread.join()
        assert errors == []
        assert len(search(writer, "skatt", limit=500)) == 202


def test_datasette_search_and_facets(tmp_path: Path) -> None:
    Datasette = pytest.importorskip("datasette.app", reason="datasette is not installed").Datasette

    path = tmp_path / "index.db"
    with Index(path) as index:
        fill(index, ARTICLES)
    ds = Datasette([str(path)])

    async def get(url: str) -> dict:
        response = await ds.client.get(url)
        assert response.status_code == 200, response.text
        return response.json()

    import asyncio

    # Every page opens, the hidden FTS tables included.
    for page in ("/index.json", "/index/articles.json", "/index/revisions_stems.json"):
        asyncio.run(get(page))
    data = asyncio.run(
        get(
            "/index/revisions.json?_search=Regjeringen&_facet=type&_facet=lang"
            "&_facet_array=ministries&_facet_date=published&_shape=objects"
        )
    )
    assert [row["article_id"] for row in data["rows"]] == [1]
    facets = data["facet_results"]
    facets = facets.get("results", facets)
    assert {"type", "lang", "ministries", "published"} <= set(facets)
    assert facets["ministries"]["results"][0]["value"] == "Finansdepartementet"
    everything = asyncio.run(get("/index/revisions.json?_facet_array=ministries&_shape=objects"))
    values = {
        item["value"]
        for item in (everything["facet_results"].get("results", everything["facet_results"]))[
            "ministries"
        ]["results"]
    }
    assert "Nærings- og fiskeridepartementet" in values
    assert json.loads(everything["rows"][0]["ministries"]) == ["Finansdepartementet"]


def test_ministry_type_and_date_filters_in_detail(index: Index) -> None:
    assert ids(search(index, "skatt", ministry="familie")) == [2]  # a later word of the name
    assert ids(search(index, "skatt", ministry="barne og fam")) == [2]
    assert ids(search(index, "skatt", ministry="departementet")) == []  # not a word start
    assert ids(search(index, "taxes", type="PRESS RELEASE")) == [4]
    assert ids(search(index, "taxes", type="press")) == []  # the whole label
    assert ids(search(index, "skatt", date_from=date(2026, 6, 1), date_to=date(2026, 6, 1))) == [1]
    with pytest.raises(SearchQueryError, match="ministry filter '--' has no letters"):
        search(index, "skatt", ministry="--")


def test_undated_articles_are_outside_every_date_range(index: Index) -> None:
    fill(index, [article(9, "Udatert skatt", "Skatt.", published=None)], start=20)
    assert 9 in ids(search(index, "skatt"))
    assert 9 not in ids(search(index, "skatt", date_from=date(1900, 1, 1)))


@pytest.mark.parametrize(
    "limit, text, query",
    [
        ("MAX_RANKED", "Skatt ", "sak"),  # a word in very many articles
        ("MAX_RANKED_PHRASES", "Skatt og avgift. ", '"skatt og avgift"'),  # a frequent phrase
    ],
)
def test_queries_with_very_many_matches_rank_the_newest(
    index: Index, monkeypatch: pytest.MonkeyPatch, limit: str, text: str, query: str
) -> None:
    module = "phrase_rank" if limit == "MAX_RANKED_PHRASES" else "search"
    monkeypatch.setattr(f"archive.index.{module}.{limit}", 2)
    # A word in more than MAX_RANKED articles: FTS5 would count its documents over the
    # whole index, so its MAX_RANKED_PHRASES newest are ranked as a phrase's are.
    monkeypatch.setattr("archive.index.phrase_rank.MAX_RANKED_PHRASES", 2)
    many = [
        article(200 + n, f"Sak {n}", text * (10 - n), published=f"2020-01-0{n + 1}")
        for n in range(5)
    ]
    fill(index, many, start=30)
    # Only the two most recently published matches are ranked.
    assert ids(search(index, query)) == [203, 204]
    assert ids(search(index, query, date_to=date(2020, 1, 3))) == [201, 202]
    if limit == "MAX_RANKED":  # the fixture's two articles are newer still
        assert ids(search(index, "skatt")) == [1, 2]


def test_writer_sees_its_own_uncommitted_revisions(tmp_path: Path) -> None:
    with Index(tmp_path / "index.db") as writer:
        capture = Capture("https://x/id1/", T0, 200, "response", "<a>", "w", 0, 1, "sha1:1")
        capture_id = writer.add_capture(capture, None)
        writer.record_article(ARTICLES[0], capture_id, T0)
        writer.record_article(replace(ARTICLES[0], body="Helt ny tekst."), capture_id, T0)
        assert ids(search(writer, "tekst")) == [1] and ids(search(writer, "skatter")) == []
        writer.conn.execute(
            "INSERT INTO revisions_stems(revisions_stems) VALUES ('integrity-check')"
        )


def test_rolled_back_revisions_never_reach_search(tmp_path: Path) -> None:
    with Index(tmp_path / "index.db") as writer:
        fill(writer, ARTICLES[:1])
        with pytest.raises(RuntimeError), writer.transaction():
            fill_one = replace(ARTICLES[0], body="Avlyst tekst.")
            writer.record_article(fill_one, 1, T0 + timedelta(days=1))
            raise RuntimeError("crawl interrupted")
        writer.commit()
        assert ids(search(writer, "avlyst")) == []
        assert ids(search(writer, "skatter")) == [1]
        assert writer.get_article(1).latest_revision == 1


def test_search_tables_are_rebuilt_for_a_new_stemmer(tmp_path: Path) -> None:
    path = tmp_path / "index.db"
    with Index(path) as writer:
        fill(writer, ARTICLES)
        fill(writer, [replace(ARTICLES[0], body="Regjeringen foreslår avgifter.")], start=10)
        writer.conn.execute("UPDATE index_meta SET value = 'old' WHERE key = 'stems_version'")
    with Index(path) as writer:
        assert ids(search(writer, "avgift")) == [1]
        assert ids(search(writer, "skatter")) == [2]
        for table in ("revisions_fts", "revisions_stems"):
            writer.conn.execute(f"INSERT INTO {table}({table}) VALUES ('integrity-check')")
        # Datasette's table: only the latest revisions, with their original words.
        found = writer.conn.execute(
            "SELECT rowid FROM revisions_fts WHERE revisions_fts MATCH 'regjeringen'"
        ).fetchall()
        assert len(found) == 1


@pytest.fixture(scope="module")
def shared_index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    with Index(tmp_path_factory.mktemp("shared") / "index.db") as opened:
        fill(opened, ARTICLES)
        yield opened


QUERY_PIECES = st.sampled_from(
    ['"', "(", ")", "*", "AND", "OR", "NOT", "title:", "skatt", "får", "-", ":", " ", "é"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(QUERY_PIECES | st.text(max_size=4), max_size=8).map(" ".join))
def test_any_query_is_results_or_a_one_line_error(shared_index: Index, query: str) -> None:
    try:
        results = search(shared_index, query)
    except SearchQueryError as error:
        assert str(error) and "\n" not in str(error)
    else:
        assert all(isinstance(result.id, int) for result in results)


def _both_rankings(
    index: Index, query: str, **filters: str
) -> tuple[dict[int, float], dict[int, float]]:
    from archive.index.phrase_rank import rank_phrases
    from archive.index.search import _one_term, _rank

    compiled = compile_query(query)
    assert compiled.ranked is not None
    match = compiled.fts
    if filters:
        match = f"({match}) AND {facet_filter(**filters)}"
    where, params = ["revisions_stems MATCH ?"], [match]
    # One word or phrase alone is counted from its own matches (``whole``).
    whole = _one_term(compiled) and not filters
    ours = rank_phrases(index.conn, where, params, compiled.ranked, 100, whole)
    theirs = _rank(index.conn, where, params, 100)
    return dict(ours), dict(theirs)


@pytest.mark.parametrize(
    "query",
    [
        '"statsministeren sier"',
        '"skatt og avgift"',
        '"og og"',  # overlapping occurrences in "og og og"
        '"skatt og" statsministeren',
        'title:"skatt og"',
        '"skatt og" NOT regjering',
        '"skatt og" avg*',
        '"the governments"',  # Norwegian and English stems differ: two phrases
        "skatt",  # a word in very many articles is ranked the same way
        "statsministeren avgift",
    ],
)
@pytest.mark.parametrize("filters", [{}, {"ministry": "finans"}, {"type": "pressemelding"}])
def test_phrase_ranking_is_fts5_bm25(index: Index, query: str, filters: dict[str, str]) -> None:
    more = [
        article(
            10 + n,
            f"Skatt og avgift {n}" if n % 5 == 0 else f"Sak {n}",
            "Statsministeren sier at skatt og avgift " * (n % 4 + 1)
            + " og og og" * (n % 2)
            + " The governments " * (n % 3),
            lang="en" if n % 3 == 0 else "nb",
            published=f"2025-01-{n + 1:02d}",
            ministries=["Helse- og omsorgsdepartementet"] if n % 2 else ["Finansdepartementet"],
            type="Nyhet" if n % 4 == 1 else "Pressemelding",
        )
        for n in range(20)
    ]
    more += [article(40 + n, f"Annet {n}", "Helt andre ord her.") for n in range(30)]
    fill(index, more, start=10)
    ours, theirs = _both_rankings(index, query, **filters)
    assert set(ours) == set(theirs)
    assert ours or (query == '"og og"' and filters)  # only Helse articles say "og og og"
    for row, score in theirs.items():
        assert ours[row] == pytest.approx(score, rel=1e-9, abs=1e-12)


def test_phrase_queries_find_exact_phrases_with_filters(index: Index) -> None:
    assert ids(search(index, '"statsministeren sier"', ministry="statsminister")) == [2]
    assert ids(search(index, '"statsministeren sier"', ministry="finans")) == []
    assert ids(search(index, '"statsministeren sier"', type="nyhet", lang="nb")) == [2]
    assert ids(search(index, '"statsministeren sier"', date_to=date(2026, 5, 9))) == []
    assert ids(search(index, '"sier statsministeren"')) == []
    assert ids(search(index, '"får mer"')) == [2] and ids(search(index, '"far mer"')) == []
    assert ids(search(index, '"regjering foreslår"')) == [1]  # base forms, inflected text
    assert ids(search(index, '"the governments"', lang="en")) == [4]
    # With OR, FTS5 ranks (the phrases bm25 counts then depend on which side matched).
    assert compile_query('"statsministeren sier" OR skatt').ranked is None
    assert ids(search(index, '"statsministeren sier" OR regjering')) == [1, 2]
    [result] = search(index, '"statsministeren sier"')
    assert result.score > 0 and result.snippet.startswith("**Statsministeren** **sier**")


def test_phrase_document_count_is_estimated_beyond_the_sample(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from archive.index.phrase_rank import _documents

    # Every other article has the phrase: 10 of 20.
    many = [
        article(
            300 + n,
            f"Sak {n}",
            "Noe annet." if n % 2 else "Skatt og avgift.",
            published=f"2021-01-{n + 1:02d}",
        )
        for n in range(20)
    ]
    match = '{title lead body} : "skatt og avgift"'
    with Index(tmp_path / "index.db") as index:
        fill(index, many)
        assert _documents(index.conn, match, 20) == 10
        monkeypatch.setattr("archive.index.phrase_rank._SAMPLE", 3)
        # The 3 newest matches are in the 6 newest articles: 3 / 6 of all 20.
        assert _documents(index.conn, match, 20) == 10
        monkeypatch.setattr(
            "archive.index.phrase_rank._SAMPLE", 2
        )  # 2 in the newest 4 (n = 16..19)
        assert _documents(index.conn, match, 20) == 10


def test_compile_query_lists_the_ranked_phrases() -> None:
    compiled = compile_query('"statsministeren sier" budsjett NOT moms', lang="nb")
    assert compiled.has_phrase
    assert [(p.stems, p.english) for p in compiled.ranked or ()] == [
        (("statsminister", "sier"), False),
        (("budsjett",), False),
    ]
    both = compile_query('title:"regjeringens forslag"')
    assert [(p.fts, p.english) for p in both.ranked or ()] == [
        ('title : "regjering forslag"', False),
        ('title : "regjeringen forslag"', True),
    ]
    assert not compile_query("skatt").has_phrase
    assert compile_query("(skatt OR moms) AND statsbudsjett").ranked is None
    assert compile_query('"skatt og" NOT (moms OR avgift)').ranked is not None


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("(" * 500 + "skatt" + ")" * 500, "is 1,005 characters long; at most 1,000"),
        ("(" * 9 + "skatt" + ")" * 9, "nests parentheses over 8 deep"),
        (" NOT ".join(["a"] * 150), "has 150 words or phrases; at most 32"),
        ("skatt " * 33, "has 33 words or phrases; at most 32"),
    ],
)
def test_deep_or_long_queries_are_one_line_errors(index: Index, query: str, message: str) -> None:
    with pytest.raises(SearchQueryError, match=message):
        search(index, query)


def test_the_bounds_are_enough_for_any_real_query(index: Index) -> None:
    phrase = '"' + " ".join(["skatt"] * 100) + '"'  # a pasted paragraph is one phrase
    assert search(index, phrase) == []
    assert ids(search(index, "(" * 8 + "skatter" + ")" * 8)) == [1, 2]
    assert ids(search(index, " OR ".join(["skatter"] * 32))) == [1, 2]


def test_language_is_checked_and_extremes_are_answers(index: Index) -> None:
    with pytest.raises(SearchQueryError, match="unknown language 'xx'; choose from nb, nn, en, se"):
        search(index, "skatt", lang="xx")
    assert ids(search(index, "taxes", lang="EN")) == [4]
    widest = search(index, "skatter", date_from=date.min, date_to=date.max, limit=2**70)
    assert ids(widest) == [1, 2]


def test_langs_are_the_ones_extraction_gives() -> None:
    from archive.extract.article import _LANGUAGES  # the extractor's own table

    assert set(LANGS) == set(_LANGUAGES.values())


@pytest.mark.parametrize(("sample", "most"), [(2, 3), (3, 2), (100, 200), (1, 50)])
def test_two_stems_candidates_are_the_querys_newest_matches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample: int, most: int
) -> None:
    from archive.index import phrase_rank

    monkeypatch.setattr(phrase_rank, "_SAMPLE", sample)
    monkeypatch.setattr(phrase_rank, "MAX_RANKED_PHRASES", most)
    # The phrase in English and Norwegian rows, with and without the English stems'
    # match, over many days: every window of the English phrase's sample is met.
    bodies = ["The governments met.", "Noe annet.", "The governments said", "Ikke her."]
    many = [
        article(
            500 + n,
            f"Sak {n}",
            bodies[n % 4] + (" the government" if n % 5 == 0 else ""),
            lang="en" if n % 3 else "nb",
            published=(date(2024, 1, 1) + timedelta(days=n * 7 % 40)).isoformat(),
        )
        for n in range(40)
    ]
    with Index(tmp_path / "index.db") as index:
        fill(index, many)
        for query in ('"the governments"', "governments", '"governments said"'):
            compiled = compile_query(query)
            assert compiled.ranked is not None and len(compiled.ranked) == 2, query
            known: dict[str, int] = {}
            ours = phrase_rank._two_stems_candidates(index.conn, compiled.ranked, 40, known)
            theirs = phrase_rank._newest(
                index.conn, "revisions_stems MATCH ?", [compiled.fts], most
            )
            assert ours == theirs and ours, query
            english = compiled.ranked[1].fts
            assert known == {english: phrase_rank._documents(index.conn, english, 40)}


def test_rows_since_counts_either_side(tmp_path: Path) -> None:
    from archive.index.phrase_rank import _rows_since

    many = [
        article(600 + n, f"Sak {n}", "Tekst.", published=f"20{10 + n % 15}-01-0{1 + n % 9}")
        for n in range(30)
    ]
    with Index(tmp_path / "index.db") as index:
        fill(index, many)
        rows = [r[0] for r in index.conn.execute("SELECT id FROM revisions_stems_docsize")]
        for row in [*rows, min(rows) - 1, max(rows) + 1]:
            assert _rows_since(index.conn, row, len(rows)) == sum(1 for r in rows if r >= row)
