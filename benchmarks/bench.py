"""Every regarkiv performance figure from one run, each next to its target.

    python benchmarks/bench.py [--articles 3000] [--concurrency 32] [--rounds 3] [--quick]
                               [--requisites-articles 600] [--requisites-latency-ms 50]
                               [--reindex-runs 5] [--json] [--search-index DIR]

1. Crawl: a bare Scrapy spider, `regarkiv crawl` and `wget --recursive --warc-file` in
   paired, rotated rounds against the shipped replica (rendering each page when asked),
   and again against a pre-rendered one (benchmarks/crawl_rounds.py). Ratios are taken
   within each round and reported as min / median / max; CPU per page is the cost figure.
   1b. The same with page requisites and attachments (a bare spider that finds and fetches
   them as regarkiv does, `wget --page-requisites`), on a smaller replica
   (``--requisites-articles``, benchmarks/requisites_rounds.py).
   1c. 1b again with a server that waits ``--requisites-latency-ms`` (50) before each
   answer, as one across a network does (0 leaves it out).
2. Extraction: extract_article against trafilatura.extract, and exactness.
3. Reading the archive the regarkiv crawl wrote: WARC readers compared, `regarkiv
   verify`, and `regarkiv reindex` (benchmarks/archive_bench.py, extract_bench.py): the
   rebuild ``--reindex-runs`` times, each alone, reported as its median and min / max.
4. Search: latency of six kinds of query on a Zipf corpus (benchmarks/search_bench.py),
   and the cold start of `regarkiv search` beside it.
5. ``export wacz``: benchmarks/wacz.py (throughput and peak RSS over two archive sizes).

Speed targets are checked here, never by timed assertions in tests. The machine is shared:
the load average at start and at the end is printed with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import archive_bench, requisites_rounds, search_bench, wacz  # noqa: E402
from benchmarks.crawl_bench import expected_requests, run_measured  # noqa: E402
from benchmarks.crawl_rounds import crawl_section  # noqa: E402
from benchmarks.extract_bench import extraction, reindex  # noqa: E402
from benchmarks.report import render, targets  # noqa: E402
from replica.site import Site  # noqa: E402

DEFAULTS = {
    "articles": 3000,
    "rounds": 3,
    "extract_pages": 300,
    "revisions": 200_000,
    "cold_runs": 20,
    "requisites_articles": 600,
    "requisites_latency_ms": 50.0,
    "crawl_latency_ms": 50.0,
    "reindex_runs": 5,
}
WACZ_SIZES = {"default": "256,1024", "quick": "8,32"}  # MB of archive
QUICK = {
    "articles": 300, "rounds": 1, "extract_pages": 40, "revisions": 5_000, "cold_runs": 4,
    "requisites_articles": 30, "requisites_latency_ms": 50.0, "crawl_latency_ms": 50.0,
    "reindex_runs": 2,
}  # fmt: skip


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, help="replica size (default 3000)")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, help="paired crawl rounds (default 3)")
    parser.add_argument(
        "--requisites-articles", type=int, help="replica size, crawl with requisites (600)"
    )
    parser.add_argument(
        "--requisites-latency-ms", type=float, help="server latency for section 1c (50; 0: none)"
    )
    parser.add_argument(
        "--crawl-latency-ms", type=float, help="a third crawl server this far away (50; 0: none)"
    )
    parser.add_argument("--extract-pages", type=int, help="pages to extract (default 300)")
    parser.add_argument("--revisions", type=int, help="search benchmark size (default 200000)")
    parser.add_argument("--search-index", type=Path, help="keep (or reuse) the search index here")
    parser.add_argument("--cold-runs", type=int, help="cold CLI starts (default 20)")
    parser.add_argument("--reindex-runs", type=int, help="rebuilds timed, each alone (default 5)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per contender")
    parser.add_argument("--quick", action="store_true", help="small sizes for a fast run")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    for key, value in (QUICK if args.quick else DEFAULTS).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Every section in turn; the crawl's archive is read by the later ones."""
    started = time.perf_counter()
    # Every contender runs as installed, from bytecode: PYTHONDONTWRITEBYTECODE (set on some
    # machines) would otherwise have each of regarkiv's processes compile it again.
    archive_bench.compile_bytecode()
    results: dict[str, Any] = {
        "settings": {
            "bytecode": "compiled first (as an install has it)",
            "articles": args.articles,
            "seed": args.seed,
            "concurrency": args.concurrency,
            "rounds": args.rounds,
            "cpus": os.cpu_count(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        }
    }
    with tempfile.TemporaryDirectory(prefix="regarkiv-bench-") as tmp:
        site = Site(articles=args.articles, seed=args.seed)
        crawl, archive = crawl_section(
            args.articles, args.seed, args.concurrency, args.rounds, args.timeout, Path(tmp), log,
            args.crawl_latency_ms,
        )  # fmt: skip
        results["crawl"] = {"expected_requests": expected_requests(site), **crawl}
        log(f"crawl with requisites and attachments: {args.requisites_articles} articles")
        results["crawl_requisites"] = requisites_rounds.section(
            args.requisites_articles, args.seed, args.concurrency, args.rounds, args.timeout,
            Path(tmp), log,
        )  # fmt: skip
        if args.requisites_latency_ms > 0:
            log(f"the same, the server {args.requisites_latency_ms:g} ms away")
            (Path(tmp) / "latency").mkdir()
            results["crawl_requisites_latency"] = requisites_rounds.section(
                args.requisites_articles, args.seed, args.concurrency, args.rounds,
                args.timeout, Path(tmp) / "latency", log, args.requisites_latency_ms,
            )  # fmt: skip
        log(f"extraction: {args.extract_pages} pages")
        results["extraction"] = extraction(args.articles, args.seed, args.extract_pages, 3)
        log("readers, verify, reindex")
        warcs = sorted((archive / "warcs").glob("*.warc.gz"))
        results["readers"] = archive_bench.readers(max(warcs, key=lambda p: p.stat().st_size))
        results["verify"] = archive_bench.verify(archive, run_measured)
        results["reindex"] = reindex(archive, args.reindex_runs)
        log("cold starts of the CLI")
        results["cold_cli"] = archive_bench.cold_cli(archive, args.cold_runs)
    log(f"search: {args.revisions} revisions")
    results["search"] = search_bench.run(args.revisions, args.search_index)
    sizes = WACZ_SIZES["quick" if args.quick else "default"]
    log(f"export wacz: {sizes} MB")
    rounds = "1" if args.quick else "3"
    results["wacz"] = wacz.run(wacz.parse_args(["--sizes", sizes, "--rounds", rounds]))
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    return results


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # SIGTERM unwinds like Ctrl-C: contenders are killed, servers stopped, temp dirs removed.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        results = run(args)
    except KeyboardInterrupt:
        log("interrupted: every contender and server stopped, temporary files removed")
        return 130
    checks = targets(results)
    results["targets"] = [check.as_dict() for check in checks]
    results["all_pass"] = all(check.passed for check in checks)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(render(results, checks))
    return 0


if __name__ == "__main__":
    sys.exit(main())
