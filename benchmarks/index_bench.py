"""The indexer's work besides extraction: index rows, stems and FTS, commits (CPU a capture).

    python benchmarks/index_bench.py DATA [--passes 3]

DATA is a crawl's data directory (``regarkiv crawl`` of the replica, say). Every record of
its WARC files is prepared once (``archive.ingest.prepare``: gunzip and extraction, not
timed); then each pass applies them all, in file order, to a fresh index, as the crawl's
indexer process does: ``apply`` for each capture, a commit every ``BATCH_SIZE``
(archive/indexer.py), the same page cache. CPU time (``time.process_time``) of ``apply``
and of the commits (the FTS rows are written just before each COMMIT) is printed per
capture, for each pass. Run it in two trees in turn (A B B A ...) to compare code.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from archive.index.store import Index  # noqa: E402
from archive.indexer import BATCH_SIZE, INDEXER_CACHE_KIB, collect_less  # noqa: E402
from archive.ingest import Prepared, apply, prepare  # noqa: E402
from archive.ingest_counts import IngestStats  # noqa: E402
from archive.reindex import ReindexReport, _items  # noqa: E402


def prepared(data: Path) -> list[tuple[str | None, Prepared]]:
    """Every record of ``data``'s WARC files, prepared, with its job id, in file order."""
    files = sorted((data / "warcs").glob("*.warc.gz"))
    return [(job, prepare(*args)) for job, args in _items(files, ReindexReport(), set())]


def one_pass(items: list[tuple[str | None, Prepared]]) -> dict[str, float]:
    """Apply ``items`` to a fresh index as the indexer does; CPU ms a capture."""
    apply_s = commit_s = 0.0
    with tempfile.TemporaryDirectory() as work:
        index = Index(Path(work) / "index.db", cache_kib=INDEXER_CACHE_KIB)
        stats = IngestStats()
        for number, (job, item) in enumerate(items, 1):
            start = time.process_time()
            apply(index, item, job, stats)
            applied = time.process_time()
            apply_s += applied - start
            if number % BATCH_SIZE == 0:
                index.commit()
                commit_s += time.process_time() - applied
        start = time.process_time()
        index.close()
        commit_s += time.process_time() - start
    count = max(len(items), 1)
    return {
        "apply_ms": round(1000 * apply_s / count, 4),
        "commit_ms": round(1000 * commit_s / count, 4),
        "total_ms": round(1000 * (apply_s + commit_s) / count, 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, help="a crawl's data directory")
    parser.add_argument("--passes", type=int, default=3)
    args = parser.parse_args()
    items = prepared(args.data)
    collect_less()  # as the indexer process: the prepared captures are frozen out of gc
    load = Path("/proc/loadavg").read_text().split()[0]
    for number in range(args.passes):
        figures = one_pass(items)
        print(json.dumps({"pass": number + 1, "captures": len(items), **figures, "load": load}))


if __name__ == "__main__":
    main()
