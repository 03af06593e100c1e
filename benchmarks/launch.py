"""Run one command and report its wall time, CPU time and peak memory as JSON.

    python benchmarks/launch.py REPORT.json COMMAND [ARG...]

A child's ``ru_maxrss`` starts at the RSS of the process it was forked from (Linux records
the old address space's high-water mark at exec), so a contender launched straight from
the benchmark would inherit the benchmark's few hundred MB of replica pages. This small
fresh process forks the contender instead; ``RUSAGE_CHILDREN`` then covers the contender
and every process it waited for.

``ru_maxrss`` is the peak of the *largest* process, though, and `regarkiv crawl` runs in
three (crawl, WARC writer, indexer). So the whole process tree's RSS is also sampled
every ``SAMPLE_S`` seconds from /proc and its peak reported as ``peak_tree_rss_mb``; the
sum of each process's own peak as ``peak_rss_sum_mb`` (at least the tree's peak).
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

SAMPLE_S = 0.1
_PAGE = os.sysconf("SC_PAGE_SIZE")


def tree_rss(root: int) -> int:
    """Bytes resident in ``root`` and all its descendants (0 for those already gone)."""
    return sum(process_rss(root).values())


def process_rss(root: int) -> dict[tuple[int, str], int]:
    """Bytes resident in ``root`` and in each of its descendants, by (pid, name)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    names: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            statm = (entry / "statm").read_text()
        except OSError:
            continue
        pid = int(entry.name)
        parents[pid] = int(stat.rsplit(")", 1)[1].split()[1])
        rss[pid] = int(statm.split()[1]) * _PAGE
        names[pid] = _name(entry, stat.split("(", 1)[1].rsplit(")", 1)[0], parents[pid])
    family, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        family.update(children)
        frontier.extend(children)
    return {(pid, names.get(pid, "")): rss[pid] for pid in family if pid in rss}


def _name(entry: Path, comm: str, parent: int) -> str:
    """``comm``, and for Python's children what they are: the crawl's writer or indexer
    (archive/child.py names its role on the command line), a child started by
    multiprocessing's spawn (named by its parent, to tell the processes apart) or
    multiprocessing's resource tracker."""
    try:
        command = (entry / "cmdline").read_bytes()
    except OSError:
        return comm
    for role in (b"regarkiv-archiver", b"regarkiv-indexer"):
        if b"archive.child" in command and role in command.split(b"\0"):
            return f"{comm} {role.decode()}"
    if b"spawn_main" in command:
        return f"{comm} spawned by {parent}"
    if b"resource_tracker" in command:
        return f"{comm} resource tracker"
    return comm


def main(report: str, command: list[str]) -> int:
    start = time.perf_counter()
    process = subprocess.Popen(command)
    peak_tree = 0
    peaks: dict[tuple[int, str], int] = {}  # each process's own peak
    while process.poll() is None:
        sample = process_rss(process.pid)
        peak_tree = max(peak_tree, sum(sample.values()))
        for key, value in sample.items():
            peaks[key] = max(peaks.get(key, 0), value)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(SAMPLE_S)
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures = {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,  # kilobytes on Linux
        # Sampling can miss a short peak; the largest process alone is a floor.
        "peak_tree_rss_mb": max(peak_tree / 2**20, usage.ru_maxrss / 1024),
        # The sum of each process's own peak: what the processes need at most, together.
        "peak_rss_sum_mb": max(sum(peaks.values()) / 2**20, usage.ru_maxrss / 1024),
        "processes": {f"{pid} {name}": round(v / 2**20, 1) for (pid, name), v in peaks.items()},
        "returncode": process.returncode,
    }
    with open(report, "w") as fh:
        json.dump(figures, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
