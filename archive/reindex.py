"""Rebuilding the index from the WARC files, which are the source of truth.

``rebuild`` writes a new index from ``DATA/warcs/`` alone and swaps it in;
``catch_up`` ingests the records a crashed crawl wrote to WARC but never got
into the index. Both go through ``archive.ingest.ingest_response``, the same
path as the live crawl, so the results are equal.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.pool import Pool
from pathlib import Path

from archive.datadir import DataDir
from archive.index.store import Index, stems_of
from archive.ingest import IngestStats, Prepared, apply, prepare
from archive.model import Capture
from archive.warc.reader import ReadReport, iter_records
from archive.warc.records import MalformedRecord, iter_members, parse_record

log = logging.getLogger(__name__)


@dataclass
class ReindexReport:
    files: int = 0
    captures: int = 0
    skipped_records: int = 0
    already_indexed: int = 0
    stats: IngestStats = field(default_factory=IngestStats)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "files": self.files,
            "captures": self.captures,
            "skipped_records": self.skipped_records,
            "already_indexed": self.already_indexed,
            **self.stats.as_dict(),
        }


def warcinfo_job_id(path: Path) -> str | None:
    """The crawl job named in a WARC file's warcinfo record."""
    with open(path, "rb") as fh:
        member = next(iter_members(fh), None)
    if member is None or member.data is None:
        return None
    try:
        record = parse_record(member.data)
    except MalformedRecord:
        return None
    if record.record_type != "warcinfo":
        return None
    for line in record.block.decode("utf-8", "replace").splitlines():
        name, _, value = line.partition(":")
        if name.strip() == "job-id":
            return value.strip()
    return None


# Below this many records a process pool costs more (spawn start-up) than it saves.
POOL_THRESHOLD = 400
CHUNK = 32


def _prepare(item: tuple[Capture, bytes | None, str | None]) -> Prepared:
    return prepare(*item)


def _items(
    paths: Iterable[Path], report: ReindexReport, known: set[str]
) -> Iterator[tuple[str | None, tuple[Capture, bytes | None, str | None]]]:
    """(job id, prepare arguments) for every readable record, in file order."""
    for path in paths:
        report.files += 1
        job_id = warcinfo_job_id(path)
        read = ReadReport()
        for record in iter_records(path, read):
            capture = record.capture
            if capture.record_id in known:
                report.already_indexed += 1
                continue
            body = record.body if capture.record_type == "response" else None
            yield job_id, (capture, body, record.header("Content-Encoding"))
        report.skipped_records += len(read.skipped)
        for skipped in read.skipped:
            report.warnings.append(f"{path.name}@{skipped.offset}: skipped ({skipped.reason})")


def ingest_files(
    index: Index,
    paths: Iterable[Path],
    report: ReindexReport,
    *,
    skip_known: bool = False,
    workers: int | None = None,
    pool: Pool | None = None,
) -> None:
    """Ingest every record of ``paths`` in order; extraction runs in ``workers`` processes
    (or in ``pool``).

    The index is written by this process alone and in file order, exactly as the
    live crawl wrote it, so the result is the same.
    """
    paths = list(paths)
    known: set[str] = set()
    if skip_known:
        known = {row[0] for row in index.conn.execute("SELECT record_id FROM captures")}
    items = _items(paths, report, known)
    if pool is None and not _worth_a_pool(paths, workers):
        for job_id, args in items:
            apply(index, prepare(*args), job_id, report.stats)
            report.captures += 1
        index.commit()
        return
    jobs: list[str | None] = []

    def arguments() -> Iterator[tuple[Capture, bytes | None, str | None]]:
        for job_id, args in items:
            jobs.append(job_id)
            yield args

    with contextlib.ExitStack() as stack:
        if pool is None:
            pool = stack.enter_context(_pool(workers))
        for number, prepared in enumerate(pool.imap(_prepare, arguments(), chunksize=CHUNK)):
            apply(index, prepared, jobs[number], report.stats)
            report.captures += 1
            if number % 5000 == 4999:
                index.commit()
    index.commit()


def _workers(workers: int | None) -> int:
    return workers if workers is not None else min(os.cpu_count() or 1, 4)


def _worth_a_pool(paths: list[Path], workers: int | None) -> bool:
    # ~15 kB a gzip'd record: only worth a pool for a real archive.
    size = sum(path.stat().st_size for path in paths)
    return _workers(workers) >= 2 and size >= POOL_THRESHOLD * 15_000


def _pool(workers: int | None) -> Pool:
    return multiprocessing.get_context("spawn").Pool(_workers(workers))


def rebuild(data: DataDir) -> ReindexReport:
    """Build ``index.db`` anew from ``warcs/``; the old index is replaced only on success.

    Jobs are not in the WARC files beyond their id and settings, so the job
    records of the old index are carried over.
    """
    warc_dir = data.warcs
    target = data.index_path
    fresh = target.with_name(target.name + ".rebuild")
    for leftover in target.parent.glob(target.name + ".rebuild*"):
        leftover.unlink()
    report = ReindexReport()
    files = sorted(warc_dir.glob("*.warc.gz")) if warc_dir.is_dir() else []
    with Index(fresh, defer_search=True) as index, contextlib.ExitStack() as stack:
        pool = stack.enter_context(_pool(None)) if _worth_a_pool(files, None) else None
        ingest_files(index, files, report, pool=pool)
        index.defer_search = False
        # One bulk pass, far faster than per revision; the same pool stems it.
        index.rebuild_search(
            (lambda rows: pool.map_async(stems_of, rows, chunksize=50)) if pool else None
        )
        if target.exists():
            _copy_jobs(target, index)
    for suffix in ("-wal", "-shm"):
        stale = Path(str(target) + suffix)
        if stale.exists():
            stale.unlink()
    os.replace(fresh, target)
    return report


def _copy_jobs(old_path: Path, index: Index) -> None:
    index.commit()
    index.conn.execute("ATTACH DATABASE ? AS old", (str(old_path),))
    try:
        index.conn.execute("INSERT OR IGNORE INTO jobs SELECT * FROM old.jobs")
    finally:
        index.conn.execute("DETACH DATABASE old")


def catch_up(index: Index, warc_dir: Path, since_name: str = "") -> ReindexReport:
    """Ingest records in WARC files (named at or after ``since_name``) missing from the index."""
    report = ReindexReport()
    files = [p for p in sorted(warc_dir.glob("*.warc.gz")) if p.name >= since_name]
    ingest_files(index, files, report, skip_known=True)
    if report.captures:
        log.warning("indexed %d captures a previous crawl had not indexed", report.captures)
    return report
