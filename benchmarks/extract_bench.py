"""Extraction speed and exactness on replica article pages; reindex speed on a crawl's archive.

Extraction: ``archive.extract.article.extract_article`` and ``trafilatura.extract`` (default
options) each run over the same pages, best of a few passes; exactness compares our
Article with ``Site.expected`` field by field. Reindex: ``archive.reindex.rebuild`` timed
in a process of its own.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from archive.datadir import DataDir
from archive.extract.article import NotAnArticle, extract_article
from archive.reindex import rebuild
from replica.site import Site

ROOT = Path(__file__).resolve().parent.parent
COMPARED_FIELDS = ("title", "lead", "body", "published", "type", "ministries", "topics")


def article_pages(site: Site, n: int) -> list[tuple[int, str, str]]:
    """``n`` article pages spread over the whole site (both languages, every feature mix)."""
    ids = site.article_ids()
    step = max(1, len(ids) // n)
    chosen = ids[::step][:n]
    return [
        (
            article,
            site.base_url + site.article_url(article),
            site.render(site.article_url(article)).body.decode("utf-8"),
        )
        for article in chosen
    ]


def best_pass_seconds(
    function: Callable[[str, str], object], pages: list[tuple[int, str, str]], rounds: int
) -> float:
    function(pages[0][2], pages[0][1])  # imports, lazy setup
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _, url, html in pages:
            function(html, url)
        best = min(best, time.perf_counter() - start)
    return best


def _trafilatura(html: str, url: str) -> object:
    import trafilatura

    return trafilatura.extract(html)


def mismatches(site: Site, pages: list[tuple[int, str, str]]) -> Counter[str]:
    """Per field, how many pages our extraction got different from the ground truth."""
    wrong: Counter[str] = Counter()
    for article, url, html in pages:
        try:
            got = extract_article(html, url)
        except NotAnArticle:
            wrong["not_an_article"] += 1
            continue
        expected = site.expected(article)
        differing = [f for f in COMPARED_FIELDS if getattr(got, f) != getattr(expected, f)]
        wrong.update(differing)
        if differing:
            wrong["pages"] += 1
    return wrong


def extraction(articles: int, seed: int, n: int, rounds: int) -> dict[str, object]:
    site = Site(articles=articles, seed=seed)
    pages = article_pages(site, n)
    ours = best_pass_seconds(extract_article, pages, rounds)
    theirs = best_pass_seconds(_trafilatura, pages, rounds)
    wrong = mismatches(site, pages)
    exact = len(pages) - wrong.pop("pages", 0) - wrong.get("not_an_article", 0)
    return {
        "pages": len(pages),
        "kb_per_page": round(sum(len(p[2]) for p in pages) / len(pages) / 1000, 1),
        "ours_pages_per_s": round(len(pages) / ours, 1),
        "trafilatura_pages_per_s": round(len(pages) / theirs, 1),
        "speedup": round(theirs / ours, 2),
        "exact_share": round(exact / len(pages), 4),
        "mismatched_fields": dict(wrong),
    }


def reindex(data_dir: Path, runs: int = 5) -> dict[str, object]:
    """Time ``rebuild`` ``runs`` times, each in a fresh process as `regarkiv reindex` runs
    it: the run in the middle of their speeds (the faster middle one of an even count), and
    the spread of every run's articles/s and CPU.

    One run said little: this host's speed drifts 10-20% within minutes (README, ninth
    round). In the benchmark's own process every garbage collection would also walk the
    replica's few hundred MB of cached pages, which no reindex has to carry.
    """
    load = [round(x, 2) for x in os.getloadavg()]
    runs_done = [_rebuild_once(data_dir) for _ in range(max(1, runs))]
    done = sorted(runs_done, key=lambda run: _figure(run, "articles_per_s"))
    figures = dict(done[len(done) // 2])
    figures.update(runs=len(done), load_average_start=load)
    for name in ("articles_per_s", "cpu_ms_per_article"):
        figures[f"{name}_spread"] = _spread([_figure(run, name) for run in done])
    return figures


def _rebuild_once(data_dir: Path) -> dict[str, object]:
    code = (
        "import json, sys; from pathlib import Path;"
        "from benchmarks.extract_bench import timed_rebuild;"
        "print(json.dumps(timed_rebuild(Path(sys.argv[1]))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(data_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=3600,
        check=True,
    )
    figures: dict[str, object] = json.loads(done.stdout)
    return figures


def _figure(run: dict[str, object], name: str) -> float:
    """One of ``timed_rebuild``'s figures (its JSON's values are typed as objects)."""
    return float(str(run[name]))


def _spread(values: list[float]) -> list[float]:
    """min, median, max"""
    ordered = sorted(values)
    return [ordered[0], round(statistics.median(ordered), 3), ordered[-1]]


def timed_rebuild(data_dir: Path) -> dict[str, object]:
    start = time.perf_counter()
    report = rebuild(DataDir(data_dir))
    seconds = time.perf_counter() - start
    # This process and its pool's workers (reaped when the pool closed).
    cpu = sum(
        usage.ru_utime + usage.ru_stime
        for usage in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    )
    articles = report.stats.counts["new_articles"]
    return {
        "cpu_ms_per_article": round(1000 * cpu / max(articles, 1), 3),
        "articles": articles,
        "captures": report.captures,
        "seconds": round(seconds, 2),
        "articles_per_s": round(articles / seconds, 1),
        "captures_per_s": round(report.captures / seconds, 1),
    }
