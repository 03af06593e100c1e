"""Search latency over a synthetic archive of Norwegian-like revisions.

    python benchmarks/search_bench.py [N_REVISIONS]   (default 100000)

Builds an index in a temporary directory through ``Index.record_article`` (so the insert
rate is measured too), then times ``archive.index.search.search`` (limit 20, with snippets)
and prints p50/p95 in milliseconds for: rare words (~50 articles each); words in most
articles; phrases copied from article bodies; a phrase of two frequent words found in
~5% of articles; phrases of function words (the known slow case). Deterministic: the
same N gives the same archive.
"""

from __future__ import annotations

import gc
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from archive.index.search import search
from archive.index.store import Index
from archive.model import Article, Capture

FUNCTION_WORDS = [
    "og",
    "i",
    "det",
    "som",
    "er",
    "på",
    "til",
    "for",
    "med",
    "av",
    "at",
    "en",
    "et",
    "har",
    "de",
    "ikke",
    "den",
    "vil",
    "skal",
    "om",
    "fra",
    "også",
    "ved",
    "etter",
    "kan",
    "blir",
    "var",
    "seg",
    "nå",
    "år",
    "mer",
    "under",
    "mot",
    "alle",
    "mange",
    "denne",
    "disse",
    "dette",
]
CONTENT = [
    "regjeringen",
    "regjeringens",
    "departementet",
    "skatten",
    "skatter",
    "budsjettet",
    "kommunene",
    "statsråd",
    "statsministeren",
    "sier",
    "arbeidet",
    "tiltak",
    "norge",
    "landet",
    "økonomi",
    "næringslivet",
    "helse",
    "sykehus",
    "skole",
    "barnehage",
    "forsvaret",
    "klima",
    "miljø",
    "energi",
    "fiskeri",
    "landbruk",
]
ONSETS = [
    "b",
    "d",
    "f",
    "g",
    "h",
    "j",
    "k",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "t",
    "v",
    "sk",
    "st",
    "sp",
    "fr",
    "tr",
    "gr",
    "bl",
    "kl",
]
VOWELS = ["a", "e", "i", "o", "u", "y", "æ", "ø", "å", "ei", "au"]
CODAS = ["", "n", "r", "l", "s", "t", "kk", "nd", "ng", "st", "rt"]
SUFFIXES = ["", "", "en", "et", "er", "ene", "ens", "ing", "ingen", "lig"]
MINISTRIES = [
    "Finansdepartementet",
    "Helse- og omsorgsdepartementet",
    "Klima- og miljødepartementet",
    "Nærings- og fiskeridepartementet",
    "Statsministerens kontor",
]
TYPES = ["Pressemelding", "Nyhet", "Press release", "News story"]
PHRASE = "statsministeren sier"


def _vocabulary(rng: random.Random, size: int) -> list[str]:
    seen: dict[str, None] = {}
    while len(seen) < size:
        syllables = rng.choice((2, 2, 3))
        word = "".join(
            rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) for _ in range(syllables)
        )
        seen.setdefault(word, None)
    return list(seen)


class _Text:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.vocab = FUNCTION_WORDS + CONTENT + _vocabulary(rng, 60_000)
        self.weights = [1 / (rank + 1) for rank in range(len(self.vocab))]
        self.cumulative = list(_accumulate(self.weights))

    def words(self, n: int) -> list[str]:
        picked = self.rng.choices(self.vocab, cum_weights=self.cumulative, k=n)
        return [w + self.rng.choice(SUFFIXES) if len(w) > 5 else w for w in picked]

    def paragraph(self, n: int) -> str:
        words = self.words(n)
        if self.rng.random() < 0.9:
            words.insert(self.rng.randrange(len(words)), "regjeringen")
        if self.rng.random() < 0.01:
            words.insert(self.rng.randrange(len(words)), PHRASE)
        return " ".join(words).capitalize() + "."


def _accumulate(values: list[float]) -> list[float]:
    total, out = 0.0, []
    for value in values:
        total += value
        out.append(total)
    return out


def _article(text: _Text, article_id: int, rng: random.Random) -> Article:
    lang = "en" if rng.random() < 0.1 else rng.choice(("nb", "nb", "nb", "nn"))
    return Article(
        id=article_id,
        url=f"https://www.regjeringen.no/no/aktuelt/a/id{article_id}/",
        lang=lang,
        title=" ".join(text.words(8)).capitalize(),
        lead=text.paragraph(30),
        body="\n\n".join(text.paragraph(rng.randint(40, 90)) for _ in range(rng.randint(3, 7))),
        published=(datetime(2020, 1, 1) + timedelta(days=rng.randrange(2000))).date().isoformat(),
        type=rng.choice(TYPES),
        ministries=rng.sample(MINISTRIES, rng.choice((1, 1, 2))),
        topics=[],
    )


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50_ms": round(statistics.median(ordered), 2), "p95_ms": round(p95, 2)}


def _time(index: Index, queries: list[str], repeat: int = 3) -> tuple[dict[str, float], int]:
    """p50/p95 of ``search`` over every query, ``repeat`` times; and the hits per run."""
    samples: list[float] = []
    hits = 0
    for _ in range(repeat):
        for query in queries:
            start = time.perf_counter()
            results = search(index, query, limit=20)
            samples.append((time.perf_counter() - start) * 1000)
            hits += len(results)
    return _percentiles(samples), hits // repeat


def run(n_revisions: int, directory: Path | None = None) -> dict[str, object]:
    """Build an index of ``n_revisions`` revisions and measure search latency.

    One function for the one benchmark run: build, warm, time each query kind, report.
    """
    rng = random.Random(n_revisions)
    text = _Text(rng)
    n_articles = max(1, int(n_revisions * 0.8))
    with tempfile.TemporaryDirectory() as tmp:
        path = (directory or Path(tmp)) / "index.db"
        start = time.perf_counter()
        articles = build_index(path, n_revisions, rng, text)
        insert_seconds = time.perf_counter() - start
        with Index.open_readonly(path) as index:
            rare_words = text.vocab[-2000::40]
            common_words = ["regjering", "og", "departementet", "skatt OR moms"]
            # Phrases a reader would copy from an article: two or three adjacent words
            # of a random body, not starting or ending with a function word.
            phrases = _phrases(rng, articles, 30)
            frequent_phrases = [f'"{PHRASE}"', f'"{PHRASE}" budsjettet']
            stopword_phrases = ['"det er"', '"regjeringen og"']
            # This process holds every generated article; a search process does not.
            # Frozen, they are no longer walked by each full garbage collection (~10 ms,
            # landing on whichever search happens to trigger one).
            gc.collect()
            gc.freeze()
            search(index, "regjering", limit=20)  # warm the page cache once
            rare, rare_hits = _time(index, rare_words)
            common, common_hits = _time(index, common_words)
            phrase, phrase_hits = _time(index, phrases)
            frequent, _ = _time(index, frequent_phrases)
            stop, stop_hits = _time(index, stopword_phrases)
            gc.unfreeze()
        size_mb = (path.stat().st_size + _size(path.with_name("index.db-wal"))) / 1e6
    return {
        "revisions": n_revisions,
        "articles": n_articles,
        "insert_revisions_per_s": round(n_revisions / insert_seconds),
        "index_mb": round(size_mb, 1),
        "rare_word": {**rare, "queries": len(rare_words), "avg_hits": rare_hits / len(rare_words)},
        "common_word": {**common, "queries": common_words},
        "phrase": {**phrase, "queries": len(phrases), "avg_hits": phrase_hits / len(phrases)},
        "frequent_phrase": {**frequent, "queries": frequent_phrases},
        "stopword_phrase": {**stop, "queries": stopword_phrases},
    }


def build_index(
    path: Path, n_revisions: int, rng: random.Random | None = None, text: _Text | None = None
) -> list[Article]:
    """An index of ``n_revisions`` revisions at ``path``: 80 % first revisions, the rest a
    second revision (a paragraph added) of the first articles. Returns the first revisions."""
    rng = rng or random.Random(n_revisions)
    text = text or _Text(rng)
    n_articles = max(1, int(n_revisions * 0.8))
    when = datetime(2026, 1, 1, tzinfo=UTC)
    articles = [_article(text, 1_000_000 + i, rng) for i in range(n_articles)]
    revised = [
        Article(**{**a.__dict__, "body": a.body + "\n\n" + text.paragraph(30)})
        for a in articles[: n_revisions - n_articles]
    ]
    with Index(path, commit_every=5000) as index:
        for number, article in enumerate([*articles, *revised]):
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
    return articles


def _phrases(rng: random.Random, articles: list[Article], n: int) -> list[str]:
    found: list[str] = []
    while len(found) < n:
        words = rng.choice(articles).body.replace(".", "").split()
        size = rng.choice((2, 3))
        start = rng.randrange(len(words) - size)
        picked = [w.lower() for w in words[start : start + size]]
        if picked[0] not in FUNCTION_WORDS and picked[-1] not in FUNCTION_WORDS:
            found.append('"' + " ".join(picked) + '"')
    return found


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000), indent=2))
