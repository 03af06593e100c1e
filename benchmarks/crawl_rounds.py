"""Crawl contenders in paired, rotated rounds, against two kinds of server.

Each round runs every contender once, one after another, in an order rotated from round to
round; the figures that compare two contenders are ratios *within* a round (both met the
same machine load, give or take seconds), reported as min / median / max over the rounds.
Keeping each contender's best round instead would pair one's lucky minute with the other's
unlucky one.

Servers:

- ``rendering`` (the default, and the one targets are checked against): the shipped replica
  as `regarkiv replica` serves it, rendering every page when it is asked for. Its CPU is on
  the same two cores as the crawl, as any server's is on this machine.
- ``prerendered``: every page rendered into the server's cache before the contender starts,
  so serving costs almost nothing; reported beside the other, as an upper bound.
- ``rendering_<N>ms`` (with ``latency_ms``): the rendering server waiting N ms before each
  answer, as a server across a network does (the real site is ~20-40 ms from Norway).
  Loopback with no wait leaves every contender bound by the two cores' CPU, which it
  shares with the server; here what a crawl does while it waits shows. wget is left out:
  one request at a time, each waiting N ms, a round would take minutes.

Cost is CPU per page (user + system, every process of the contender): the primary figure,
less moved by machine load than wall-clock throughput. wget fetches one page at a time (it
has no concurrency option); the other two run ``--concurrency`` requests at once.
"""

from __future__ import annotations

import functools
import resource
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.crawl_bench import CrawlResult, crawl_contender
from benchmarks.rounds import SHIPPED_CACHE, rotated, spread
from replica.site import Site

CONTENDERS = ("bare", "regarkiv", "wget")
SERVERS = ("rendering", "prerendered")
# Ratios reported for each server: (name, numerator, denominator, figure).
RATIOS = (
    ("regarkiv_vs_bare", "regarkiv", "bare", "pages_per_s"),
    ("regarkiv_vs_wget", "regarkiv", "wget", "pages_per_s"),
    ("cpu_per_page_regarkiv_vs_bare", "regarkiv", "bare", "cpu_ms_per_page"),
)
NOTE_WGET = "wget fetches one page at a time (it has no concurrency option)"


def _server_cpu_s() -> float:
    """CPU of this process so far: the replica server runs in its threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def server_rounds(
    server: str,
    rounds: int,
    make_site: Callable[[], Site],
    run: Callable[[str, Site, Path], CrawlResult],
    work: Path,
    log: Callable[[str], None],
    names: tuple[str, ...] = CONTENDERS,
) -> tuple[dict[str, Any], Path]:
    """Every contender ``rounds`` times against one kind of server; the figures of each
    round, per-contender medians and the per-round ratios. Also the regarkiv archive."""
    site = make_site()
    per_round: list[dict[str, dict[str, Any]]] = []
    archive = work
    for number in range(rounds):
        results: dict[str, dict[str, Any]] = {}
        for name in rotated(names, number):
            log(f"crawl, {server} server, round {number + 1}/{rounds}: {name}")
            data_dir = work / f"{server}-{number}-{name}"
            data_dir.mkdir()
            before = _server_cpu_s()
            result = run(name, site, data_dir)
            figures = result.as_dict()
            figures["server_cpu_ms_per_page"] = round(
                1000 * (_server_cpu_s() - before) / max(result.pages, 1), 2
            )
            results[name] = figures
            if name == "regarkiv":
                archive = data_dir
        per_round.append(results)
    contenders = {
        name: {
            **{
                key: statistics.median(r[name][key] for r in per_round)
                for key in ("pages_per_s", "cpu_ms_per_page", "server_cpu_ms_per_page")
            },
            **{key: max(r[name][key] for r in per_round) for key in _PEAKS},
            "pages": per_round[-1][name]["pages"],
            "requests": per_round[-1][name]["requests"],
            "warc_bytes": per_round[-1][name]["warc_bytes"],
            "rounds_pages_per_s": [r[name]["pages_per_s"] for r in per_round],
            "rounds_cpu_ms_per_page": [r[name]["cpu_ms_per_page"] for r in per_round],
        }
        for name in names
    }
    ratios = {
        key: spread([r[top][figure] / r[bottom][figure] for r in per_round])
        for key, top, bottom, figure in RATIOS
        if top in names and bottom in names
    }
    return {"contenders": contenders, "ratios": ratios, "rounds": per_round}, archive


_PEAKS = ("peak_rss_mb", "peak_tree_rss_mb", "peak_rss_sum_mb")


def _contender(
    name: str, site: Site, data_dir: Path, *, concurrency: int, timeout: float, warm_first: bool,
    latency_ms: float,
) -> CrawlResult:  # fmt: skip
    return crawl_contender(
        name, site, concurrency, timeout, data_dir, warm_first=warm_first, latency_ms=latency_ms
    )


def crawl_section(
    articles: int, seed: int, concurrency: int, rounds: int, timeout: float, work: Path,
    log: Callable[[str], None], latency_ms: float = 0.0,
) -> tuple[dict[str, Any], Path]:  # fmt: skip
    """Each server, ``rounds`` paired rounds each; the rendering server's regarkiv archive.
    With ``latency_ms``, a third: the rendering server that far away (bare and regarkiv)."""
    section: dict[str, Any] = {"note": NOTE_WGET, "concurrency": concurrency, "servers": {}}
    archive = work
    servers: list[tuple[str, float, tuple[str, ...]]] = [(s, 0.0, CONTENDERS) for s in SERVERS]
    if latency_ms > 0:
        servers.append((f"rendering_{latency_ms:g}ms", latency_ms, ("bare", "regarkiv")))
    for server, latency, names in servers:
        warm = server == "prerendered"
        cache = articles + 1000 if warm else SHIPPED_CACHE

        def make_site(cache: int = cache) -> Site:
            return Site(articles=articles, seed=seed, cache_size=cache)

        run = functools.partial(
            _contender, concurrency=concurrency, timeout=timeout, warm_first=warm,
            latency_ms=latency,
        )  # fmt: skip
        figures, regarkiv_dir = server_rounds(server, rounds, make_site, run, work, log, names)
        figures["latency_ms"] = latency
        section["servers"][server] = figures
        if server == "rendering":
            archive = regarkiv_dir
    return section, archive
