"""The benchmark's targets (issue 13) and its text report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from benchmarks.requisites_rounds import render as requisites_render
from benchmarks.search_bench import KINDS
from benchmarks.wacz import render as wacz_render


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
        return f"  {self.name:44} {self.value:>10,.2f} {self.unit:3} {target:16} {verdict}"

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "pass": self.passed}


# benchmarks/archive_bench.py cold_cli: installed code starts from bytecode; the last is
# the same search with the project's modules compiled at every start (no bytecode cache).
COLD_LABELS = {
    "version": "cold `regarkiv --version`",
    "search": "cold `regarkiv search`",
    "search_from_source": "cold `regarkiv search` without bytecode (compiled at each start)",
}


def targets(results: dict[str, Any]) -> list[Target]:
    """Every target, checked on the rendering server's medians of per-round ratios."""
    rendering = results["crawl"]["servers"]["rendering"]
    ratios, ours = rendering["ratios"], rendering["contenders"]["regarkiv"]
    ext, rx, ver = results["extraction"], results["reindex"], results["verify"]
    search, cold = results["search"], results["cold_cli"]["search"]
    return [
        Target("crawl: regarkiv / bare, pages/s", ratios["regarkiv_vs_bare"]["median"], ">=",
               0.85, "x"),
        Target("crawl: regarkiv / bare, CPU per page", ratios["cpu_per_page_regarkiv_vs_bare"][
            "median"], "<=", 1.4, "x"),
        Target("crawl: regarkiv / wget, pages/s", ratios["regarkiv_vs_wget"]["median"], ">=",
               1.5, "x"),
        Target(f"crawl: peak RSS, sum of processes ({results['settings']['articles']} art.)",
               ours["peak_rss_sum_mb"], "<=", 300, "MB"),
        Target("extraction: speed-up on trafilatura", ext["speedup"], ">=", 6, "x"),
        Target("extraction: exact pages", ext["exact_share"] * 100, ">=", 100, "%"),
        Target("verify: MB of WARC per second", ver["mb_per_s"], ">=", 100, "MB"),
        Target("reindex: articles/s", rx["articles_per_s"], ">=", 2000, "/s"),
        *(Target(f"search: {kind.replace('_', ' ')} p95", search[kind]["p95_ms"], "<=", 20, "ms")
          for kind in KINDS),
        Target("cold `regarkiv search`, median wall", cold["wall_ms_median"], "<=", 120, "ms"),
        *distant_targets(results["crawl"]["servers"]),
        *wacz_targets(results["wacz"]),
        *requisites_targets(results["crawl_requisites"]),
        *requisites_targets(results.get("crawl_requisites_latency")),
    ]  # fmt: skip


def distant_targets(servers: dict[str, Any]) -> list[Target]:
    """The pages-only targets again, against the rendering server placed across a network."""
    found = []
    for figures in servers.values():
        if not figures.get("latency_ms"):
            continue
        where, ratios = f"{figures['latency_ms']:g} ms", figures["ratios"]
        found += [
            Target(f"crawl, {where}: regarkiv / bare, pages/s",
                   ratios["regarkiv_vs_bare"]["median"], ">=", 0.85, "x"),
            Target(f"crawl, {where}: regarkiv / bare, CPU per page",
                   ratios["cpu_per_page_regarkiv_vs_bare"]["median"], "<=", 1.4, "x"),
        ]  # fmt: skip
    return found


def requisites_targets(figures: dict[str, Any] | None) -> list[Target]:
    if figures is None:
        return []
    ratios = figures["ratios"]
    where = f", {figures['latency_ms']:g} ms" if figures.get("latency_ms") else ""
    return [
        Target(f"crawl+requisites{where}: regarkiv / bare, req/s",
               ratios["regarkiv_vs_bare"]["median"], ">=", 0.8, "x"),
        Target(f"crawl+requisites{where}: regarkiv / wget, req/s",
               ratios["regarkiv_vs_wget"]["median"], ">=", 1.5, "x"),
    ]  # fmt: skip


def wacz_targets(figures: dict[str, Any]) -> list[Target]:
    largest = figures["sizes"][max(figures["sizes"], key=int)]
    peak = max(size["peak_rss_mb"] for size in figures["sizes"].values())
    return [
        Target("export wacz: MB/s (largest archive)", largest["mb_per_s"], ">=", 150, "MB/s"),
        Target("export wacz: peak RSS, any size", peak, "<=", 100, "MB"),
    ]


def _triple(spread: list[float] | None) -> str:
    """min / median / max, as the figures hold them (absent from an older run's JSON)."""
    return " / ".join(f"{value:g}" for value in spread) if spread else "?"


def _crawl_lines(crawl: dict[str, Any]) -> list[str]:
    lines = [f"  ({crawl['note']}; the others run {crawl['concurrency']} at once)"]
    for server, figures in crawl["servers"].items():
        latency = figures.get("latency_ms")
        away = f", {latency:g} ms before each answer" if latency else ""
        lines.append(f"  {server} server{away}: medians over the rounds")
        for name, c in figures["contenders"].items():
            lines.append(
                f"    {name:9} {c['pages']:6} pages {c['pages_per_s']:8.1f} pages/s  "
                f"cpu {c['cpu_ms_per_page']:5.2f} ms/page "
                f"(server {c['server_cpu_ms_per_page']:4.2f})"
                f"  peak RSS sum {c['peak_rss_sum_mb']:6.1f} MB (tree {c['peak_tree_rss_mb']:6.1f}"
                f", largest {c['peak_rss_mb']:5.1f})  rounds {c['rounds_pages_per_s']}"
            )
        for key, spread in figures["ratios"].items():
            lines.append(
                f"    {key:30} min {spread['min']:.3f}  median {spread['median']:.3f}  "
                f"max {spread['max']:.3f}  (per-round ratios)"
            )
    return lines


def render(results: dict[str, Any], checks: list[Target]) -> str:
    s = results["settings"]
    lines = [
        f"regarkiv benchmark: {s['articles']} articles (seed {s['seed']}), concurrency "
        f"{s['concurrency']}, {s['rounds']} paired round(s); {s['cpus']} CPUs; load average "
        f"{s['load_average']} at start, {results['load_average_end']} at the end; the project's "
        f"bytecode {s.get('bytecode', 'as found')}",
        "",
        "1. Crawl (pages = robots.txt + listing pages + articles, as the server saw them)",
        f"  expected requests {results['crawl']['expected_requests']}",
        *_crawl_lines(results["crawl"]),
        "",
        f"1b. Crawl with requisites and attachments ({results['crawl_requisites']['articles']}"
        " articles, the shipped replica; requests as the server saw them)",
        *requisites_render(results["crawl_requisites"]),
    ]
    if "crawl_requisites_latency" in results:
        lines += [
            "",
            "1c. The same, the server answering after a wait (as one across a network)",
            *requisites_render(results["crawl_requisites_latency"]),
        ]
    e, r, v, rd = (results[k] for k in ("extraction", "reindex", "verify", "readers"))
    lines += [
        "",
        f"2. Extraction ({e['pages']} replica article pages, {e['kb_per_page']} kB each)",
        f"  extract_article {e['ours_pages_per_s']:8.1f} pages/s   trafilatura.extract "
        f"{e['trafilatura_pages_per_s']:6.1f} pages/s   mismatched fields "
        f"{e['mismatched_fields'] or 'none'}",
        "",
        f"3. Reading the regarkiv crawl's archive ({rd['warc_mb']} MB of WARC)",
        *(
            f"  reader {name:9} {rd[name].get('records_per_cpu_s', 0):8} records/CPU-s "
            f"{rd[name].get('mb_per_cpu_s', 0):7} MB/CPU-s {rd[name].get('error', '')}"
            for name in ("regarkiv", "warcio", "fastwarc")
        ),
        f"  verify   {v['mb_per_s']:6.1f} MB/s wall, {v['mb_per_cpu_s']:6.1f} MB/CPU-s "
        f"({v['records']} records, {v['wall_s']} s, ok {v['ok']})",
        f"  reindex  {r['articles_per_s']:.1f} articles/s, the median of {r.get('runs', 1)} "
        f"runs ({r['articles']} articles, {r['captures']} captures in {r['seconds']} s, "
        f"{r.get('cpu_ms_per_article', '?')} ms CPU per article, every process)",
        f"           min / median / max: {_triple(r.get('articles_per_s_spread'))} articles/s, "
        f"{_triple(r.get('cpu_ms_per_article_spread'))} ms CPU per article; load average at "
        f"start {r.get('load_average_start', '?')}",
    ]
    q, cold = results["search"], results["cold_cli"]
    lines += [
        "",
        f"4. Search ({q['revisions']} revisions, {q['distinct_words']} distinct word forms, "
        f"{q['index_mb']} MB index)",
        *(
            f"  {kind:16} p50 {q[kind]['p50_ms']:7.2f}  p95 {q[kind]['p95_ms']:7.2f}  max "
            f"{q[kind]['max_ms']:7.2f} ms  (CPU p95 {q[kind]['cpu_p95_ms']:6.2f} ms; "
            f"{q[kind]['queries']} queries, {q[kind]['avg_hits']} hits)"
            for kind in KINDS
        ),
        *(
            f"  {COLD_LABELS.get(name, name)}: wall median {c['wall_ms_median']} ms (min "
            f"{c['wall_ms_min']}), CPU median {c['cpu_ms_median']} ms ({c['runs']} starts)"
            for name, c in cold.items()
        ),
        "",
        "5. export wacz (" + wacz_render(results["wacz"]).split("\n", 1)[0] + ")",
        *wacz_render(results["wacz"]).splitlines()[1:-1],
        "",
        "Targets",
        *(check.line() for check in checks),
    ]
    passed = sum(check.passed for check in checks)
    lines.append(f"  {passed}/{len(checks)} targets met; total {results['seconds']:.0f} s")
    return "\n".join(lines)
