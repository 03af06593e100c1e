"""The crawl's memory as an archive grows: `regarkiv crawl` (pages only, as in the crawl
table) against the shipped, rendering replica of N articles, its process tree sampled by
benchmarks/launch.py.

    python benchmarks/crawl_memory.py 5000 50000   [--concurrency 32] [--timeout S]
                                                   [--again new|recent|changed|all]

Prints, per size, the sum of each process's own peak RSS (the README's "crawl tree peak
RSS"), the tree's sampled peak, and each process's peak, so that the one that grows shows:
the crawl (Scrapy's reactor), the archiver it spawned (WARC writer, extraction), the indexer
the archiver started (and, in code before archive/child.py, multiprocessing's resource
tracker). Target (issue 13): ≤ 300 MB at 50,000 articles and within 20% of the
5,000-article figure. ``--again MODE`` crawls the same replica a second time into the
same data directory with ``--recrawl MODE``, and reports that crawl too ("again"): what
opening an existing archive of that size costs.
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

from benchmarks.crawl_bench import (
    ContenderFailed,
    count_requests,
    python_env,
    regarkiv_command,
    run_measured,
)
from benchmarks.rounds import SHIPPED_CACHE
from replica.server import ReplicaServer
from replica.site import Site


def measure(
    articles: int, concurrency: int, timeout: float, again: str | None = None, seed: int = 1
) -> dict[str, Any]:
    """One crawl of a fresh ``articles``-article replica into a fresh data directory (and,
    with ``again``, a second one of the same replica into the same directory)."""
    site = Site(articles=articles, seed=seed, cache_size=SHIPPED_CACHE)
    load_at_start = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp, ReplicaServer(site) as server:
        data_dir = Path(tmp)
        first = _crawl(server, concurrency, timeout, data_dir, ())
        second = None
        if again is not None:
            second = _crawl(server, concurrency, timeout, data_dir, ("--recrawl", again))
    figures = {"articles": articles, "load_average_at_start": load_at_start, **first}
    if second is not None:
        figures["again"] = {"recrawl": again, **second}
    figures["load_average_at_end"] = os.getloadavg()
    return figures


def _crawl(
    server: ReplicaServer,
    concurrency: int,
    timeout: float,
    data_dir: Path,
    extra: tuple[str, ...],
) -> dict[str, Any]:
    server.requests.clear()
    command = [*regarkiv_command(server.base_url, concurrency, data_dir), *extra]
    measured = run_measured(command, timeout, env=python_env())
    if measured.returncode != 0:
        raise ContenderFailed(f"regarkiv exited {measured.returncode}: {measured.stderr[-2000:]}")
    requests = count_requests(server.requests.targets())
    return {
        "pages": sum(requests.values()),
        "wall_s": round(measured.wall_s, 1),
        "cpu_s": round(measured.cpu_s, 1),
        "peak_rss_sum_mb": round(measured.peak_rss_sum_mb, 1),
        "peak_tree_rss_mb": round(measured.peak_tree_rss_mb, 1),
        "processes_mb": measured.processes,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("articles", type=int, nargs="+", help="replica sizes, in turn")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--timeout", type=float, default=7200, help="seconds per crawl")
    parser.add_argument(
        "--again", choices=["new", "recent", "changed", "all"], help="then recrawl so"
    )
    args = parser.parse_args(argv)
    for articles in args.articles:
        figures = measure(articles, args.concurrency, args.timeout, args.again)
        print(json.dumps(figures), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
