"""CPU per archived page: `regarkiv crawl` beside the bare Scrapy spider, process by process.

    python benchmarks/cpu_bench.py [--articles 3000] [--rounds 3] [--requisites none|all]

Both run against one warmed ReplicaServer (in this process, so the server's CPU is
nobody's), in rotated, paired rounds: A B, B A, A B, ... The primary figure is CPU time
(user + system) of the whole process tree, from ``wait4`` on the contender; each process's
share (regarkiv: the crawl with Scrapy's reactor, the WARC writer, the indexer) is read from
/proc while it runs (Linux), so the shares can miss the last few ms of a process. Pages are
what the server saw (robots.txt, listings, articles, and with ``--requisites all`` the
requisites and attachments, which the bare spider does not fetch). The ratios are taken
round by round and reported as min / median / max, with the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.archive_bench import compile_bytecode  # noqa: E402
from benchmarks.crawl_bench import bare_command, python_env, warm  # noqa: E402
from benchmarks.rounds import rotated  # noqa: E402
from replica.server import ReplicaServer  # noqa: E402
from replica.site import Site  # noqa: E402

_TICK = os.sysconf("SC_CLK_TCK")
SAMPLE_S = 0.05


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds so far) of a live process, or None."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK


def _role(pid: int, parent: int, root: int, roles: dict[int, str]) -> str:
    """crawl, writer (the crawl's spawned child), indexer (the writer's child) or other."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        cmdline = b""
    if pid == root:
        return "crawl"
    if b"resource_tracker" in cmdline:
        return "other"
    if parent == root:
        return "writer"
    return "indexer" if roles.get(parent) == "writer" else "other"


def run_tree(command: list[str], cwd: Path) -> dict[str, Any]:
    """Run ``command``; its wall time, the tree's CPU time and each role's CPU time."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env=python_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    roles: dict[int, str] = {}
    seen: dict[int, float] = {}
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        parents: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit() and (found := _stat(int(entry))):
                parents.setdefault(found[0], []).append(int(entry))
        family = [process.pid]
        while family:
            member = family.pop()
            if (found := _stat(member)) is not None:
                roles.setdefault(member, _role(member, found[0], process.pid, roles))
                seen[member] = found[1]
            family.extend(parents.get(member, []))
        time.sleep(SAMPLE_S)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if process.returncode != 0:
        raise RuntimeError(f"{command[:3]} exited {process.returncode}: {stderr[-1000:]}")
    by_role: dict[str, float] = {}
    for member, cpu in seen.items():
        by_role[roles[member]] = by_role.get(roles[member], 0.0) + cpu
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "roles": by_role}


def regarkiv_command(base_url: str, concurrency: int, data_dir: Path, requisites: str) -> list[str]:
    return [
        sys.executable, "-m", "regarkiv", "crawl", "--data-dir", str(data_dir),
        "--base-url", base_url, "--delay", "0", "--concurrency", str(concurrency), "--json",
        "--requisites", requisites, "--attachments", requisites,
    ]  # fmt: skip


def one_run(name: str, server: ReplicaServer, args: argparse.Namespace) -> dict[str, Any]:
    server.requests.clear()
    with tempfile.TemporaryDirectory() as work:
        if name == "bare":
            command = bare_command(server.base_url, args.concurrency)
        else:
            command = regarkiv_command(
                server.base_url, args.concurrency, Path(work), args.requisites
            )
        figures = run_tree(command, ROOT)
    figures["pages"] = len(server.requests.targets())
    return figures


def spread(values: list[float]) -> str:
    return f"{min(values):.3f} / {statistics.median(values):.3f} / {max(values):.3f}"


def summary(runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Per-page medians for each contender and role; the paired ratios, round by round."""
    out: dict[str, Any] = {}
    for name, results in runs.items():
        roles = sorted({role for r in results for role in r["roles"]})
        out[name] = {
            "pages": results[0]["pages"],
            "cpu_ms_per_page": statistics.median(1000 * r["cpu_s"] / r["pages"] for r in results),
            "pages_per_s": statistics.median(r["pages"] / r["wall_s"] for r in results),
            "roles_ms_per_page": {
                role: statistics.median(
                    1000 * r["roles"].get(role, 0.0) / r["pages"] for r in results
                )
                for role in roles
            },
        }
    pairs = list(zip(runs["regarkiv"], runs["bare"], strict=True))
    out["cpu_per_page_ratio"] = [
        (a["cpu_s"] / a["pages"]) / (b["cpu_s"] / b["pages"]) for a, b in pairs
    ]
    out["throughput_ratio"] = [
        (a["pages"] / a["wall_s"]) / (b["pages"] / b["wall_s"]) for a, b in pairs
    ]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--requisites", choices=("none", "all"), default="none")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    compile_bytecode()  # as installed; see benchmarks/archive_bench.py
    load_start = os.getloadavg()
    site = Site(articles=args.articles, seed=args.seed, cache_size=args.articles + 1000)
    runs: dict[str, list[dict[str, Any]]] = {"regarkiv": [], "bare": []}
    with ReplicaServer(site) as server:
        warm(site, server.base_url)
        for number in range(args.rounds):
            for name in rotated(("regarkiv", "bare"), number):
                print(f"round {number + 1}/{args.rounds}: {name}", file=sys.stderr, flush=True)
                runs[name].append(one_run(name, server, args))
    result = summary(runs)
    result.update(load_average_start=load_start, load_average_end=os.getloadavg(), runs=runs)
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(
        f"{args.articles} articles, requisites {args.requisites}, {args.rounds} paired rounds; "
        f"load average {load_start[0]:.2f} at start, {os.getloadavg()[0]:.2f} at end"
    )
    for name in ("bare", "regarkiv"):
        figures = result[name]
        roles = ", ".join(f"{r} {ms:.2f}" for r, ms in figures["roles_ms_per_page"].items())
        print(
            f"  {name:9} {figures['pages']:5} pages  {figures['cpu_ms_per_page']:.2f} ms CPU "
            f"per page ({roles})  {figures['pages_per_s']:.0f} pages/s"
        )
    for label, key in (("CPU per page", "cpu_per_page_ratio"), ("throughput", "throughput_ratio")):
        print(f"  {label}, regarkiv / bare (min / median / max): {spread(result[key])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
