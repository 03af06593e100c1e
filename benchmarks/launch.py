"""Run one command and report its wall time, CPU time and peak RSS as JSON.

    python benchmarks/launch.py REPORT.json COMMAND [ARG...]

A child's ``ru_maxrss`` starts at the RSS of the process it was forked from (Linux records
the old address space's high-water mark at exec), so a contender launched straight from
the benchmark would inherit the benchmark's few hundred MB of replica pages. This small
fresh process forks the contender instead; ``RUSAGE_CHILDREN`` then covers the contender
and every process it waited for.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time


def main(report: str, command: list[str]) -> int:
    start = time.perf_counter()
    returncode = subprocess.call(command)
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures = {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,  # kilobytes on Linux
        "returncode": returncode,
    }
    with open(report, "w") as fh:
        json.dump(figures, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
