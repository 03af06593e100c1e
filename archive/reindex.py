"""Rebuilding the index from the WARC files, which are the source of truth.

``rebuild`` writes a new index from ``DATA/warcs/`` alone and swaps it in;
``catch_up`` ingests the records a crashed crawl wrote to WARC but never got
into the index. Both go through ``archive.ingest.ingest_response``, the same
path as the live crawl, so the results are equal.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from archive.index import Index
from archive.ingest import IngestStats, ingest_response
from archive.warc_reader import (
    ReadReport,
    UnsupportedEncoding,
    iter_members,
    iter_records,
)
from archive.warc_records import MalformedRecord, parse_record

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


def ingest_files(
    index: Index,
    paths: Iterable[Path],
    report: ReindexReport,
    *,
    skip_known: bool = False,
    on_file: Callable[[Path], None] | None = None,
) -> None:
    known: set[str] = set()
    if skip_known:
        known = {row[0] for row in index.conn.execute("SELECT record_id FROM captures")}
    for path in paths:
        report.files += 1
        job_id = warcinfo_job_id(path)
        read = ReadReport()
        for record in iter_records(path, read):
            capture = record.capture
            if capture.record_id in known:
                report.already_indexed += 1
                continue
            body = None
            if capture.record_type == "response":
                try:
                    body = record.decoded_body()
                except (UnsupportedEncoding, OSError, ValueError) as error:
                    report.warnings.append(f"{path.name}@{capture.offset}: {error}")
                    body = None
            ingest_response(index, capture, body, job_id, report.stats)
            report.captures += 1
        report.skipped_records += len(read.skipped)
        for skipped in read.skipped:
            report.warnings.append(f"{path.name}@{skipped.offset}: skipped ({skipped.reason})")
        index.commit()
        if on_file:
            on_file(path)


def rebuild(data_dir: Path, on_file: Callable[[Path], None] | None = None) -> ReindexReport:
    """Build ``index.db`` anew from ``warcs/``; the old index is replaced only on success.

    Jobs are not in the WARC files beyond their id and settings, so the job
    records of the old index are carried over.
    """
    warc_dir = data_dir / "warcs"
    target = data_dir / "index.db"
    fresh = data_dir / "index.db.rebuild"
    for leftover in data_dir.glob("index.db.rebuild*"):
        leftover.unlink()
    report = ReindexReport()
    files = sorted(warc_dir.glob("*.warc.gz")) if warc_dir.is_dir() else []
    with Index(fresh) as index:
        ingest_files(index, files, report, on_file=on_file)
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
