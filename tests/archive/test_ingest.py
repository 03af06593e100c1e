"""The indexer process that a crawl feeds."""

from __future__ import annotations

import os
from pathlib import Path

from archive.index.store import Index
from archive.indexer import INDEXER_NICENESS, Indexer


def niceness(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[16])


def test_the_indexer_yields_the_cpu_to_fetching(tmp_path: Path) -> None:
    Index(tmp_path / "index.db").close()
    ingester = Indexer(tmp_path / "index.db", "job-1")
    try:
        for _ in range(200):
            if niceness(ingester._process.pid) != niceness(os.getpid()):
                break
            ingester._process.join(0.05)
        assert niceness(ingester._process.pid) == niceness(os.getpid()) + INDEXER_NICENESS
    finally:
        ingester.close()
    assert ingester.fatal is None


def test_a_revisit_of_an_article_counts_as_seen_unchanged(
    tmp_path: Path, make_article, make_capture, record
) -> None:
    from dataclasses import replace

    from archive.ingest import Prepared, apply
    from archive.ingest_counts import IngestStats

    with Index(tmp_path / "index.db") as index:
        record(index, make_article(), 0)
        revisit = replace(make_capture(5), record_type="revisit", refers_to="<urn:uuid:x>")
        stats = IngestStats()
        apply(index, Prepared(revisit, 3169214), "job2", stats)
        assert stats.counts["unchanged"] == 1
        assert index.get_article(3169214).last_seen == "2026-07-04T17:00:00Z"
