"""Search latency over a synthetic archive whose words follow a Zipf law, as real text does.

    python benchmarks/search_bench.py [N_REVISIONS] [--keep DIR]   (default 200000)

The corpus (``benchmarks/zipf_corpus.py``) draws words from tens of thousands of word forms
with probability ~ 1/rank, as in Norwegian news text: a few function words fill a third
of the text, most forms are rare. The index is built as a rebuild builds it (revisions
first, FTS in one bulk pass); ``--keep DIR`` keeps it, and a later run with the same N
reuses it (upgraded first, as the next crawl would upgrade an archive). Then
``archive.index.search.search`` (limit 20, with snippets) is timed once
per query, ``QUERIES`` queries of each kind:

- ``word``: a word of middling frequency (rank 100-5,000);
- ``rare_word``: a word from the tail (in a handful of articles);
- ``frequent_word``: one of the 100 most frequent words (in most articles);
- ``phrase``: two or three adjacent words copied from an article body;
- ``frequent_phrase``: two of the 60 most frequent words as a phrase (thousands of hits);
- ``filters``: a word with a ministry, type, language or date filter.

Each kind reports p50, p95 and max in milliseconds over its queries (wall clock), the p95
of their CPU time, and the average number of hits. Deterministic: the same N gives the
same archive and queries.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from archive.index.search import search  # noqa: E402
from archive.index.store import Index  # noqa: E402
from archive.model import Article, Capture  # noqa: E402
from benchmarks.zipf_corpus import FUNCTION_WORDS, MINISTRY_FILTERS, Corpus  # noqa: E402

QUERIES = 100  # per kind
KINDS = ("word", "rare_word", "frequent_word", "phrase", "frequent_phrase", "filters")
Query = dict[str, Any]  # search's keyword arguments, "query" included


def build(path: Path, n_revisions: int, corpus: Corpus) -> dict[str, Any]:
    """Write ``n_revisions`` revisions (a fifth of them an article's second) to ``path``."""
    n_articles = max(1, int(n_revisions * 0.8))
    when = datetime(2026, 1, 1, tzinfo=UTC)
    start = time.perf_counter()
    with Index(path, defer_search=True, commit_every=5000) as index:
        for number in range(n_revisions):
            article = corpus.article(number % n_articles, revised=number >= n_articles)
            capture = Capture(
                url=article.url,
                fetched_at=when + timedelta(seconds=number),
                status=200,
                record_type="response",
                record_id=f"<urn:uuid:{number:032x}>",
                warc_file="bench.warc.gz",
                offset=number * 1000,
                length=1000,
                payload_digest=f"sha1:{number}",
            )
            capture_id = index.add_capture(capture, "bench", article.id)
            index.record_article(article, capture_id, capture.fetched_at)
        index.commit()
        index.defer_search = False
        index.rebuild_search()
    seconds = time.perf_counter() - start
    return {
        "revisions": n_revisions,
        "articles": n_articles,
        "build_revisions_per_s": round(n_revisions / seconds),
        "distinct_words": corpus.distinct_words(),
    }


def build_index(path: Path, n_revisions: int) -> list[Article]:
    """The index ``run`` searches, at ``path``; its articles' first revisions (for
    benchmarks/web_bench.py, which times the web pages over the same corpus)."""
    n_articles = max(1, int(n_revisions * 0.8))
    corpus = Corpus(random.Random(n_revisions), n_articles=n_articles)
    build(path, n_revisions, corpus)
    return [corpus.article(number) for number in range(n_articles)]


def queries(corpus: Corpus, rng: random.Random) -> dict[str, list[Query]]:
    """``QUERIES`` queries of every kind, drawn from the corpus's own words and texts."""
    vocab = corpus.vocab
    mid = vocab[100:5000]
    tail = vocab[len(vocab) // 2 :]
    common = [w for w in vocab[:60] if w not in ("i", "og")]  # "i og" is every article

    def phrase() -> str:
        while True:
            words = corpus.article(rng.randrange(corpus.n_articles)).body.replace(".", "").split()
            size = rng.choice((2, 3))
            start = rng.randrange(len(words) - size)
            picked = [w.lower() for w in words[start : start + size]]
            if picked[0] not in FUNCTION_WORDS and picked[-1] not in FUNCTION_WORDS:
                return '"' + " ".join(picked) + '"'

    def filtered() -> Query:
        word = rng.choice(mid)
        kind = rng.randrange(4)
        if kind == 0:
            return {"query": word, "ministry": rng.choice(MINISTRY_FILTERS)}
        if kind == 1:
            return {"query": word, "type": rng.choice(("Pressemelding", "Nyhet"))}
        if kind == 2:
            return {"query": word, "lang": "en"}
        year = rng.randrange(2020, 2025)
        return {"query": word, "date_from": date(year, 1, 1), "date_to": date(year, 12, 31)}

    def frequent_phrase() -> str:
        first, second = rng.sample(common, 2)
        return f'"{first} {second}"'

    makers: dict[str, Callable[[], Query | str]] = {
        "word": lambda: rng.choice(mid),
        "rare_word": lambda: rng.choice(tail),
        "frequent_word": lambda: vocab[len(found["frequent_word"]) % 100],
        "phrase": phrase,
        "frequent_phrase": frequent_phrase,
        "filters": filtered,
    }
    found: dict[str, list[Query]] = {kind: [] for kind in KINDS}
    for kind in KINDS:
        while len(found[kind]) < QUERIES:
            made = makers[kind]()
            found[kind].append(made if isinstance(made, dict) else {"query": made})
    return found


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(p95, 2),
        "max_ms": round(ordered[-1], 2),
    }


def time_kind(index: Index, kind_queries: list[Query]) -> dict[str, Any]:
    """Each query timed once: p50/p95/max and the average number of hits (at most 20)."""
    samples: list[float] = []
    cpu: list[float] = []
    hits = 0
    for arguments in kind_queries:
        start, start_cpu = time.perf_counter(), time.process_time()
        results = search(index, limit=20, **arguments)
        cpu.append((time.process_time() - start_cpu) * 1000)
        samples.append((time.perf_counter() - start) * 1000)
        hits += len(results)
    return {
        **_percentiles(samples),
        # CPU time, which a loaded machine does not inflate as it does wall time.
        "cpu_p95_ms": _percentiles(cpu)["p95_ms"],
        "queries": len(kind_queries),
        "avg_hits": round(hits / len(kind_queries), 1),
    }


def run(n_revisions: int, keep: Path | None = None) -> dict[str, Any]:
    """Build (or reuse) the index of ``n_revisions`` revisions and time every kind."""
    corpus = Corpus(random.Random(n_revisions), n_articles=max(1, int(n_revisions * 0.8)))
    with tempfile.TemporaryDirectory() as tmp:
        directory = keep or Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        path, meta_path = directory / "index.db", directory / f"search-bench-{n_revisions}.json"
        if path.exists() and meta_path.exists():
            meta = json.loads(meta_path.read_text())
            Index(path).close()  # one an older regarkiv made: upgraded, as a crawl would
        else:
            path.unlink(missing_ok=True)
            meta = build(path, n_revisions, corpus)
            meta_path.write_text(json.dumps(meta))
        asked = queries(corpus, random.Random(n_revisions + 1))
        with Index.open_readonly(path) as index:
            gc.collect()
            gc.freeze()  # the corpus generator's objects are no search's to walk
            search(index, "regjering", limit=20)  # the first query opens the FTS tables
            kinds = {kind: time_kind(index, asked[kind]) for kind in KINDS}
            gc.unfreeze()
        size_mb = sum(p.stat().st_size for p in directory.glob("index.db*")) / 1e6
    return {**meta, "index_mb": round(size_mb, 1), **kinds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revisions", type=int, nargs="?", default=200_000)
    parser.add_argument("--keep", type=Path, help="build the index here, or reuse it")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.revisions, args.keep), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
