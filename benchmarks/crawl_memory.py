"""The crawl's memory as an archive grows: `regarkiv crawl` (pages only, as in the crawl
table) against the shipped, rendering replica of N articles, its process tree sampled by
benchmarks/launch.py.

    python benchmarks/crawl_memory.py 5000 50000   [--concurrency 32] [--timeout S]

Prints, per size, the sum of each process's own peak RSS (the README's "crawl tree peak
RSS"), the tree's sampled peak, and each process's peak, so that the one that grows shows:
the crawl (Scrapy's reactor), the archiver it spawned (WARC writer, extraction), the indexer
the archiver spawned, and multiprocessing's resource tracker. Target (issue 13): ≤ 300 MB
at 50,000 articles and within 20% of the 5,000-article figure.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.crawl_bench import crawl_contender
from benchmarks.crawl_rounds import SHIPPED_CACHE
from replica.site import Site


def measure(articles: int, concurrency: int, timeout: float, seed: int = 1) -> dict[str, Any]:
    """One crawl of a fresh ``articles``-article replica into a fresh data directory."""
    site = Site(articles=articles, seed=seed, cache_size=SHIPPED_CACHE)
    load_at_start = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        result = crawl_contender(
            "regarkiv", site, concurrency, timeout, Path(tmp), warm_first=False
        )
    processes = result.extra.get("processes", {})
    return {
        "articles": articles,
        "load_average_at_start": load_at_start,
        "pages": result.pages,
        "wall_s": round(result.wall_s, 1),
        "cpu_s": round(result.cpu_s, 1),
        "peak_rss_sum_mb": round(result.peak_rss_sum_mb, 1),
        "peak_tree_rss_mb": round(result.peak_tree_rss_mb, 1),
        "processes_mb": processes,
        "load_average_at_end": os.getloadavg(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("articles", type=int, nargs="+", help="replica sizes, in turn")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--timeout", type=float, default=7200, help="seconds per crawl")
    args = parser.parse_args(argv)
    for articles in args.articles:
        print(json.dumps(measure(articles, args.concurrency, args.timeout)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
