"""Every regarkiv performance figure from one run, each next to its target.

    python benchmarks/bench.py [--articles 3000] [--concurrency 32] [--quick] [--json]

1. Crawl throughput and peak RSS against the replica: a bare Scrapy spider, `regarkiv crawl`
   and `wget --recursive --warc-file`, one after another, each against a fresh server.
2. Extraction: extract_article against trafilatura.extract, and exactness against the
   replica's ground truth.
3. Reindex: archive.reindex.rebuild over the archive the regarkiv crawl wrote.
4. Search latency: benchmarks/search_bench.py.
5. ``export wacz``: benchmarks/wacz.py (throughput and peak RSS over two archive sizes).

Speed targets are checked here, never by timed assertions in tests. The figures are wall
clock on a shared machine: the load average is printed with them, and the crawl is run
``--rounds`` times with each contender's best round kept.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import search_bench, wacz  # noqa: E402
from benchmarks.crawl_bench import CrawlResult, crawl_contender, expected_requests  # noqa: E402
from benchmarks.extract_bench import extraction, reindex  # noqa: E402
from replica.site import Site  # noqa: E402

CONTENDERS = ("bare", "regarkiv", "wget")
DEFAULTS = {"articles": 3000, "rounds": 2, "extract_pages": 300, "revisions": 100_000}
QUICK = {"articles": 300, "rounds": 1, "extract_pages": 40, "revisions": 5_000}
WACZ_SIZES = {"default": "256,1024", "quick": "8,32"}  # MB of archive


@dataclass
class Target:
    name: str
    value: float
    op: str  # ">=" or "<="
    threshold: float
    unit: str

    @property
    def passed(self) -> bool:
        return self.value >= self.threshold if self.op == ">=" else self.value <= self.threshold

    def line(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        target = f"target {self.op} {self.threshold:g}"
        return f"  {self.name:38} {self.value:>10,.2f} {self.unit:3} {target:16} {verdict}"

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "pass": self.passed}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def crawl_section(args: argparse.Namespace, work: Path) -> tuple[dict[str, Any], Path]:
    """Every contender ``rounds`` times (rotating the order); each keeps its fastest round."""
    site = Site(articles=args.articles, seed=args.seed, cache_size=args.articles + 1000)
    expected = expected_requests(site)
    best: dict[str, CrawlResult] = {}
    rounds: dict[str, list[float]] = {name: [] for name in CONTENDERS}
    regarkiv_dir = work
    for number in range(args.rounds):
        order = CONTENDERS[number % 3 :] + CONTENDERS[: number % 3]
        for name in order:
            log(f"crawl round {number + 1}/{args.rounds}: {name}")
            data_dir = work / f"crawl-{number}-{name}"
            data_dir.mkdir()
            result = crawl_contender(name, site, args.concurrency, args.timeout, data_dir)
            rounds[name].append(round(result.pages_per_s, 1))
            if name not in best or result.pages_per_s > best[name].pages_per_s:
                best[name] = result
            if name == "regarkiv":
                regarkiv_dir = data_dir
    contenders = {}
    for name, result in best.items():
        figures = result.as_dict()
        figures["rounds_pages_per_s"] = rounds[name]
        figures["same_pages_as_expected"] = result.requests == expected
        contenders[name] = figures
    ours = best["regarkiv"].pages_per_s
    section = {
        "expected_requests": expected,
        "contenders": contenders,
        "regarkiv_vs_bare": round(ours / best["bare"].pages_per_s, 3),
        "regarkiv_vs_wget": round(ours / best["wget"].pages_per_s, 3),
    }
    return section, regarkiv_dir


def search_targets(search: dict[str, Any]) -> dict[str, float]:
    """p95 targets in ms for every query kind search_bench reports: 50 for common words,
    20 for rare words and for every kind of phrase."""
    kinds = [k for k, v in search.items() if isinstance(v, dict) and "p95_ms" in v]
    return {kind: 50.0 if kind == "common_word" else 20.0 for kind in kinds}


def targets(results: dict[str, Any]) -> list[Target]:
    crawl, ext, rx, search = (results[k] for k in ("crawl", "extraction", "reindex", "search"))
    return [
        Target("crawl: regarkiv / bare Scrapy", crawl["regarkiv_vs_bare"], ">=", 0.8, "x"),
        Target("crawl: regarkiv / wget", crawl["regarkiv_vs_wget"], ">=", 1.5, "x"),
        Target("extraction: speed-up on trafilatura", ext["speedup"], ">=", 6, "x"),
        Target("extraction: exact pages", ext["exact_share"] * 100, ">=", 100, "%"),
        Target("reindex: articles/s", rx["articles_per_s"], ">=", 1000, "/s"),
        *(
            Target(f"search: {kind.replace('_', ' ')} p95", search[kind]["p95_ms"], "<=", ms, "ms")
            for kind, ms in search_targets(search).items()
        ),
        *wacz_targets(results["wacz"]),
    ]


def wacz_targets(figures: dict[str, Any]) -> list[Target]:
    largest = figures["sizes"][max(figures["sizes"], key=int)]
    peak = max(size["peak_rss_mb"] for size in figures["sizes"].values())
    return [
        Target("export wacz: MB/s (largest archive)", largest["mb_per_s"], ">=", 150, "MB/s"),
        Target("export wacz: peak RSS, any size", peak, "<=", 100, "MB"),
    ]


def render(results: dict[str, Any], checks: list[Target]) -> str:
    s, crawl = results["settings"], results["crawl"]
    lines = [
        f"regarkiv benchmark: {s['articles']} articles (seed {s['seed']}), concurrency "
        f"{s['concurrency']}, best of {s['rounds']} round(s); {s['cpus']} CPUs, "
        f"load average {s['load_average']} at start",
        "",
        "1. Crawl (pages = robots.txt + listing pages + articles, as the server saw them;"
        " pages/s over the process's wall time)",
        f"  expected requests {crawl['expected_requests']}",
    ]
    for name, c in crawl["contenders"].items():
        same = "" if c["same_pages_as_expected"] else f"  DIFFERENT PAGES {c['requests']}"
        lines.append(
            f"  {name:9} {c['pages']:6} pages {c['wall_s']:7.2f} s {c['pages_per_s']:8.1f} "
            f"pages/s  cpu {c['cpu_ms_per_page']:5.2f} ms/page  "
            f"peak RSS {c['peak_tree_rss_mb']:6.1f} MB (largest process {c['peak_rss_mb']:5.1f})  "
            f"WARC {c['warc_bytes'] / 1e6:6.1f} MB  rounds {c['rounds_pages_per_s']}{same}"
        )
    e = results["extraction"]
    lines += [
        "",
        f"2. Extraction ({e['pages']} replica article pages, {e['kb_per_page']} kB each)",
        f"  extract_article {e['ours_pages_per_s']:8.1f} pages/s   trafilatura.extract "
        f"{e['trafilatura_pages_per_s']:6.1f} pages/s   mismatched fields "
        f"{e['mismatched_fields'] or 'none'}",
    ]
    r = results["reindex"]
    lines += [
        "",
        "3. Reindex (rebuild of the regarkiv crawl's archive)",
        f"  {r['articles']} articles, {r['captures']} captures in {r['seconds']} s: "
        f"{r['articles_per_s']:.1f} articles/s, {r['captures_per_s']:.1f} captures/s",
    ]
    q = results["search"]
    lines += ["", f"4. Search ({q['revisions']} synthetic revisions, {q['index_mb']} MB index, "
              f"built at {q['insert_revisions_per_s']} revisions/s)"]  # fmt: skip
    for kind in search_targets(q):
        p50, p95 = q[kind]["p50_ms"], q[kind]["p95_ms"]
        lines.append(f"  {kind:16} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms")
    lines += ["", "5. export wacz (" + wacz.render(results["wacz"]).split("\n", 1)[0] + ")"]
    lines += wacz.render(results["wacz"]).splitlines()[1:-1]
    lines += ["", "Targets"] + [check.line() for check in checks]
    passed = sum(check.passed for check in checks)
    lines.append(f"  {passed}/{len(checks)} targets met; total {results['seconds']:.0f} s")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, help="replica size (default 3000)")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, help="crawl rounds, best kept (default 2)")
    parser.add_argument("--extract-pages", type=int, help="pages to extract (default 300)")
    parser.add_argument("--revisions", type=int, help="search benchmark size (default 100000)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per contender")
    parser.add_argument("--quick", action="store_true", help="small sizes for a fast run")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    for key, value in (QUICK if args.quick else DEFAULTS).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


def run(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    results: dict[str, Any] = {
        "settings": {
            "articles": args.articles,
            "seed": args.seed,
            "concurrency": args.concurrency,
            "rounds": args.rounds,
            "cpus": os.cpu_count(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        }
    }
    with tempfile.TemporaryDirectory(prefix="regarkiv-bench-") as tmp:
        results["crawl"], regarkiv_dir = crawl_section(args, Path(tmp))
        log(f"extraction: {args.extract_pages} pages")
        results["extraction"] = extraction(args.articles, args.seed, args.extract_pages, 3)
        log("reindex")
        results["reindex"] = reindex(regarkiv_dir)
    log(f"search: {args.revisions} revisions")
    results["search"] = search_bench.run(args.revisions)
    sizes = WACZ_SIZES["quick" if args.quick else "default"]
    log(f"export wacz: {sizes} MB")
    rounds = "1" if args.quick else "3"
    results["wacz"] = wacz.run(wacz.parse_args(["--sizes", sizes, "--rounds", rounds]))
    results["seconds"] = round(time.perf_counter() - started, 1)
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
