"""Crawl throughput with page requisites and attachments: regarkiv, a bare spider, wget.

    python benchmarks/requisites_rounds.py [--articles 600] [--rounds 3] [--concurrency 32]
                                           [--latency-ms 0] [--json]

The contenders fetch the pages *and what they need*:

- ``bare``: benchmarks/bare_spider.py ``--requisites``, a stock Scrapy spider that finds
  requisites and attachments as regarkiv does (archive/extract/requisites.py) and fetches
  each once, writing nothing;
- ``regarkiv``: `regarkiv crawl --requisites all --attachments all` (WARCs, index, text);
- ``wget``: ``wget --recursive --page-requisites --warc-file``, one request at a time (it
  has no concurrency option), the replica's asset paths accepted, the 50 MB image
  rejected (wget has no per-file size limit; the others abort it on its Content-Length).

Paired, rotated rounds against the shipped replica (rendering each page when asked, as
`regarkiv replica` does; one server for every contender of a round, its request log
cleared between them), as benchmarks/crawl_rounds.py. Throughput is requests answered per
second of the contender's wall time; the ratios are per round (min / median / max). CPU
per request covers every process of the contender. Each contender's set of requested
targets is compared with regarkiv's: ``differs`` lists what one asked for and the other
did not (a sample), and ``repeats`` counts targets asked for more than once.

``--latency-ms N`` makes the replica wait N ms before answering each request (an asyncio
sleep: no CPU, no thread held), as a server across a network does. On loopback with no
latency every contender is bound by the CPU of the two cores it shares with the server, so
concurrency buys nothing and wget's one connection keeps up; with latency, what each
contender does while it waits shows.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from archive.urls import is_document  # noqa: E402
from benchmarks.crawl_bench import (  # noqa: E402
    ContenderFailed,
    bare_command,
    kind_of,
    python_env,
    regarkiv_command,
    run_measured,
    wget_command,
)
from benchmarks.rounds import SHIPPED_CACHE, rotated, spread  # noqa: E402
from replica.server import ReplicaServer  # noqa: E402
from replica.site import Site  # noqa: E402

CONTENDERS = ("bare", "regarkiv", "wget")
NOTE = (
    "every contender fetches pages, requisites and attachments; wget fetches one at a time "
    "(it has no concurrency option)"
)
SAMPLE = 5  # differing targets listed per side


def kind(target: str) -> str:
    """robots, listing, article, attachment or requisite."""
    found = kind_of(target)
    if found != "other":
        return found
    return "attachment" if is_document(target.split("?", 1)[0]) else "requisite"


def command(name: str, site: Site, base_url: str, concurrency: int, work: Path) -> list[str]:
    if name == "bare":
        return bare_command(base_url, concurrency, requisites=True)
    if name == "regarkiv":
        return regarkiv_command(base_url, concurrency, work, requisites=True)
    return wget_command(site, base_url, work, requisites=True)


def one_run(
    name: str, site: Site, server: ReplicaServer, concurrency: int, timeout: float, work: Path
) -> tuple[dict[str, Any], list[str]]:
    """One contender once: its figures and every target it requested, in order."""
    server.requests.clear()
    load = os.getloadavg()[0]
    measured = run_measured(
        command(name, site, server.base_url, concurrency, work), timeout, env=python_env()
    )
    targets = server.requests.targets()
    # wget exits 8 when the server answered an error somewhere (the robots-disallowed
    # pages' 404s, for one): its request set says whether it fetched the crawl.
    if measured.returncode != 0 and not (name == "wget" and measured.returncode == 8):
        raise ContenderFailed(f"{name} exited {measured.returncode}: {measured.stderr[-2000:]}")
    requests = len(targets)
    figures = {
        "requests": requests,
        "requests_per_s": round(requests / measured.wall_s, 1),
        "wall_s": round(measured.wall_s, 2),
        "cpu_ms_per_request": round(1000 * measured.cpu_s / max(requests, 1), 3),
        "by_kind": dict(Counter(kind(target) for target in targets)),
        "repeats": requests - len(set(targets)),
        "load_average": round(load, 2),
    }
    return figures, targets


def differs(ours: set[str], theirs: set[str]) -> dict[str, Any]:
    only_ours, only_theirs = sorted(ours - theirs), sorted(theirs - ours)
    return {
        "only_regarkiv": len(only_ours),
        "only_regarkiv_sample": only_ours[:SAMPLE],
        "only_other": len(only_theirs),
        "only_other_sample": only_theirs[:SAMPLE],
    }


def section(
    articles: int, seed: int, concurrency: int, rounds: int, timeout: float, work: Path,
    log: Callable[[str], None], latency_ms: float = 0.0,
) -> dict[str, Any]:  # fmt: skip
    """``rounds`` paired, rotated rounds of the three contenders; figures and ratios."""
    site = Site(articles=articles, seed=seed, cache_size=SHIPPED_CACHE)
    per_round: list[dict[str, dict[str, Any]]] = []
    request_sets: dict[str, set[str]] = {}
    with ReplicaServer(site) as server:
        if latency_ms > 0:
            server.faults.add("*", "slow", delay=latency_ms / 1000)
        for number in range(rounds):
            results: dict[str, dict[str, Any]] = {}
            for name in rotated(CONTENDERS, number):
                log(f"crawl with requisites, round {number + 1}/{rounds}: {name}")
                data_dir = work / f"requisites-{number}-{name}"
                data_dir.mkdir()
                results[name], targets = one_run(name, site, server, concurrency, timeout, data_dir)
                request_sets[name] = set(targets)
            per_round.append(results)
    contenders = {
        name: {
            **per_round[-1][name],
            "requests_per_s": statistics.median(r[name]["requests_per_s"] for r in per_round),
            "cpu_ms_per_request": statistics.median(
                r[name]["cpu_ms_per_request"] for r in per_round
            ),
            "rounds_requests_per_s": [r[name]["requests_per_s"] for r in per_round],
        }
        for name in CONTENDERS
    }
    ratios = {
        f"regarkiv_vs_{other}": spread(
            [r["regarkiv"]["requests_per_s"] / r[other]["requests_per_s"] for r in per_round]
        )
        for other in ("bare", "wget")
    }
    ratios["cpu_per_request_regarkiv_vs_bare"] = spread(
        [r["regarkiv"]["cpu_ms_per_request"] / r["bare"]["cpu_ms_per_request"] for r in per_round]
    )
    return {
        "note": NOTE,
        "latency_ms": latency_ms,
        "articles": articles,
        "concurrency": concurrency,
        "rounds": per_round,
        "contenders": contenders,
        "ratios": ratios,
        "request_sets": {
            other: differs(request_sets["regarkiv"], request_sets[other])
            for other in ("bare", "wget")
        },
    }


def render(figures: dict[str, Any]) -> list[str]:
    """The section's lines in bench.py's text report."""
    latency = figures.get("latency_ms", 0)
    lines = [
        f"  ({figures['note']}; the others run {figures['concurrency']} at once; the server "
        + (f"waits {latency:g} ms before each answer)" if latency else "answers at once)")
    ]
    for name, c in figures["contenders"].items():
        lines.append(
            f"    {name:9} {c['requests']:6} requests {c['requests_per_s']:8.1f} /s  "
            f"cpu {c['cpu_ms_per_request']:6.3f} ms/request  {c['by_kind']}  "
            f"repeats {c['repeats']}  rounds {c['rounds_requests_per_s']}"
        )
    for key, ratio in figures["ratios"].items():
        lines.append(
            f"    {key:34} min {ratio['min']:.2f}  median {ratio['median']:.2f}  "
            f"max {ratio['max']:.2f}"
        )
    for other, diff in figures["request_sets"].items():
        lines.append(
            f"    requests vs {other}: {diff['only_regarkiv']} only regarkiv's "
            f"{diff['only_regarkiv_sample']}, {diff['only_other']} only {other}'s "
            f"{diff['only_other_sample']}"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=600)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=900, help="seconds per contender")
    parser.add_argument(
        "--latency-ms", type=float, default=0.0, help="the server's wait before each answer"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    start_load = [round(x, 2) for x in os.getloadavg()]
    with tempfile.TemporaryDirectory(prefix="regarkiv-reqbench-") as tmp:
        figures = section(
            args.articles, args.seed, args.concurrency, args.rounds, args.timeout, Path(tmp),
            lambda message: print(message, file=sys.stderr, flush=True), args.latency_ms,
        )  # fmt: skip
    figures["load_average"] = start_load
    figures["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"load average {start_load}, at the end {figures['load_average_end']}")
        print("\n".join(render(figures)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
