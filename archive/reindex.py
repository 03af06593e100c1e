"""Rebuilding the index from the WARC files, which are the source of truth.

``rebuild`` writes a new index from ``DATA/warcs/`` alone and swaps it in, unless it
covers less than the index it would replace (fewer articles, revisions or captures: a WARC
file damaged or gone since) and ``force`` is not given; ``catch_up`` ingests the records
a crashed crawl wrote to WARC but never got into the index. Both go through
``archive.ingest.ingest_response``, the same path as the live crawl, so the results are
equal.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.pool import Pool
from pathlib import Path

from archive.datadir import DataDir
from archive.index.grams import fill_grams, forget_grams
from archive.index.store import DamagedIndex, ForeignIndex, Index, OutdatedIndex
from archive.ingest import Prepared, apply, prepare
from archive.ingest_counts import IngestStats
from archive.model import Capture
from archive.reindex_workers import WorkerFailed, Workers
from archive.warc.members import iter_members
from archive.warc.reader import ReadReport, Skipped, iter_records
from archive.warc.records import MalformedRecord, parse_record

log = logging.getLogger(__name__)

# What an index covers, compared before a rebuilt one replaces it.
COVERAGE = ("articles", "revisions", "captures")


class ReindexError(Exception):
    """The index could not be rebuilt; the current one is unchanged."""


class IndexWouldShrink(ReindexError):
    """The rebuilt index covers less than the current one, which is kept."""


@dataclass
class ReindexReport:
    files: int = 0
    captures: int = 0
    skipped_records: int = 0
    already_indexed: int = 0
    stats: IngestStats = field(default_factory=IngestStats)
    warnings: list[str] = field(default_factory=list)
    # What the replaced index covered that the new one does not: (before, after) counts.
    lost: dict[str, tuple[int, int]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "files": self.files,
            "captures": self.captures,
            "skipped_records": self.skipped_records,
            "already_indexed": self.already_indexed,
            **self.stats.as_dict(),
            "lost": {name: list(counts) for name, counts in self.lost.items()},
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


# A rebuild builds every FTS table in one bulk pass: a large page cache, in a process of
# its own, never beside a crawl's.
REBUILD_CACHE_KIB = 64 * 1024
# Below this many records a process pool costs more (spawn start-up) than it saves.
POOL_THRESHOLD = 400
CHUNK = 32
# The search tables are written every this many captures, in one run each (FTS5 buffers a
# run; a write to another table between two FTS rows would flush it as a tiny segment).
# What is not yet written when the workers are done is written with a core idle: 500, not
# 1,000. Every tenth write is a commit.
FLUSH = 500
COMMIT = 10 * FLUSH


def _prepare(item: tuple[Capture, bytes | None, str | None]) -> Prepared:
    return prepare(*item)


def _items(
    paths: Iterable[Path], report: ReindexReport, known: set[str]
) -> Iterator[tuple[str | None, tuple[Capture, bytes | None, str | None]]]:
    """(job id, prepare arguments) for every readable record, in file order."""
    for path in paths:
        job_id = warcinfo_job_id(path)
        read = ReadReport()
        for record in iter_records(path, read):
            capture = record.capture
            if capture.record_id in known:
                report.already_indexed += 1
                continue
            body = record.body if capture.record_type == "response" else None
            yield job_id, (capture, body, record.header("Content-Encoding"))
        _skipped(path, read.skipped, report)


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
        _apply_all(index, ((job_id, prepare(*args)) for job_id, args in items), report)
        return
    jobs: list[str | None] = []

    def arguments() -> Iterator[tuple[Capture, bytes | None, str | None]]:
        for job_id, args in items:
            jobs.append(job_id)
            yield args

    with contextlib.ExitStack() as stack:
        if pool is None:
            pool = stack.enter_context(_pool(workers))
        prepared = pool.imap(_prepare, arguments(), chunksize=CHUNK)
        _apply_all(index, ((jobs[number], each) for number, each in enumerate(prepared)), report)


def ingest_by_workers(index: Index, workers: Workers, report: ReindexReport) -> None:
    """Ingest every record of the files ``workers`` read, in order (``rebuild``'s way)."""
    _apply_all(index, _entries(workers, report), report, before_flush=workers.lend)


def _entries(workers: Workers, report: ReindexReport) -> Iterator[tuple[str | None, Prepared]]:
    """(job id, prepared capture) in file order; what the workers skipped, as warnings
    after each file's records (as ``_items`` gives them)."""
    paths = workers.paths
    jobs = [warcinfo_job_id(path) for path in paths]
    skipped: list[list[Skipped]] = [[] for _ in paths]
    done = 0
    for number, entry in workers.entries():
        for finished in range(done, number):
            _skipped(paths[finished], skipped[finished], report)
        done = max(done, number)
        if isinstance(entry, Skipped):
            skipped[number].append(entry)
        else:
            yield jobs[number], entry
    for finished in range(done, len(paths)):
        _skipped(paths[finished], skipped[finished], report)


def _skipped(path: Path, skipped: list[Skipped], report: ReindexReport) -> None:
    report.files += 1
    report.skipped_records += len(skipped)
    for each in skipped:
        report.warnings.append(f"{path.name}@{each.offset}: skipped ({each.reason})")


def _apply_all(
    index: Index,
    prepared: Iterable[tuple[str | None, Prepared]],
    report: ReindexReport,
    before_flush: Callable[[], None] | None = None,
) -> None:
    """Apply ``prepared`` in order; ``before_flush`` is called before each write of the
    search tables (and each commit, which writes them)."""
    for number, (job_id, each) in enumerate(prepared, start=1):
        apply(index, each, job_id, report.stats)
        report.captures += 1
        if number % FLUSH:
            continue
        if before_flush is not None:
            before_flush()
        if number % COMMIT:
            index.flush_search()
        else:
            index.commit()
    index.commit()


def _workers(workers: int | None) -> int:
    return workers if workers is not None else min(os.cpu_count() or 1, 4)


def _worth_a_pool(paths: list[Path], workers: int | None) -> bool:
    # ~15 kB a gzip'd record: only worth a pool for a real archive.
    size = sum(path.stat().st_size for path in paths)
    return _workers(workers) >= 2 and size >= POOL_THRESHOLD * 15_000


def _pool(workers: int | None) -> Pool:
    """Fresh interpreters: the crawl process that catches up has threads (Twisted's), which
    a fork would copy in whatever state they hold."""
    return multiprocessing.get_context("spawn").Pool(_workers(workers))


def _extraction(files: list[Path]) -> Workers | Pool | contextlib.nullcontext[None]:
    """Where ``rebuild`` extracts: workers forked from this process, which has imported
    extraction already (spawned ones imported it again, ~0.1 s of CPU each), and read the
    WARC files themselves (``archive.reindex_workers``). Before the new index is opened,
    and only from a process of one thread (as `regarkiv reindex` is): a fork copies other
    threads' locks in whatever state they are; from any other, a pool of spawned ones.
    Nothing for a small archive."""
    if not _worth_a_pool(files, None):
        return contextlib.nullcontext()
    if threading.active_count() > 1:
        return _pool(None)
    return Workers(files, _workers(None))


def rebuild(data: DataDir, *, force: bool = False) -> ReindexReport:
    """Build ``index.db`` anew from ``warcs/``; the old index is replaced only on success,
    and only by one that covers as much (``IndexWouldShrink``), unless ``force``.

    Jobs are not in the WARC files beyond their id and settings, so the job
    records of the old index are carried over.
    """
    target = data.index_path
    fresh = target.with_name(target.name + ".rebuild")
    _remove(fresh)
    report = ReindexReport()
    before = _coverage_before(target, report)
    try:
        after = _build(data, fresh, report, carry_jobs_from=target if before is not None else None)
    except BaseException as error:
        why = _why(error, target.parent)
        _remove(fresh)
        if why is not None:
            raise ReindexError(
                f"cannot build the new index: {why}; {target} is unchanged"
            ) from None
        raise
    report.lost = {
        name: (before[name], after[name])
        for name in COVERAGE
        if before is not None and after[name] < before[name]
    }
    if report.lost and not force:
        _remove(fresh)
        raise IndexWouldShrink(_shrink_message(data, report))
    for suffix in ("-wal", "-shm"):
        stale = Path(str(target) + suffix)
        if stale.exists():
            stale.unlink()
    os.replace(fresh, target)
    return report


def _why(error: BaseException, directory: Path) -> str | None:
    """What stopped the build, in words: None for what is not the system's refusal."""
    if isinstance(error, OSError):
        return error.strerror or str(error)
    if isinstance(error, WorkerFailed):
        return str(error)
    if not isinstance(error, sqlite3.Error):
        return None
    # SQLite says "disk I/O error" for some writes to a full disk: name the cause.
    with contextlib.suppress(OSError):
        if os.statvfs(directory).f_bavail == 0:
            return f"{error}: no space left on the device"
    return str(error)


def _build(
    data: DataDir, fresh: Path, report: ReindexReport, carry_jobs_from: Path | None
) -> dict[str, int]:
    """Build the new index at ``fresh``; returns its coverage."""
    files = sorted(data.warcs.glob("*.warc.gz")) if data.warcs.is_dir() else []
    with contextlib.ExitStack() as stack:
        extraction = stack.enter_context(_extraction(files))
        index = stack.enter_context(Index(fresh, cache_kib=REBUILD_CACHE_KIB))
        _journal(index, "MEMORY")
        # The search tables follow the revisions as they are recorded, while the workers
        # extract (built in one pass at the end, the workers waited ~0.9 s for it); only
        # the grams wait for the end, where the common stems are known.
        with index.transaction():
            forget_grams(index.conn)
        if isinstance(extraction, Workers):
            ingest_by_workers(index, extraction, report)
        else:
            ingest_files(index, files, report, pool=extraction)
        with index.transaction():
            fill_grams(index.conn, extraction.grams if isinstance(extraction, Workers) else None)
        if carry_jobs_from is not None:
            _copy_jobs(carry_jobs_from, index, report)
        index.commit()
        _journal(index, "WAL")  # the index readers and crawls share
        return _counts(index)


def _journal(index: Index, mode: str) -> None:
    """Set the new index's journal mode. While it is built, a rollback journal in memory:
    WAL wrote every page twice (to the log, then to the file), and a crash leaves only
    a ``.rebuild`` file, which is never swapped in and is removed by the next rebuild.
    Measured over 5,000 articles: 0.2 s less CPU (3%), 2.65-2.72 -> 2.45-2.54 s in the
    process that writes."""
    found = index.conn.execute(f"PRAGMA journal_mode = {mode}").fetchone()[0]
    if found.upper() != mode:
        raise ReindexError(f"cannot set the new index's journal mode to {mode} (it is {found})")


def _counts(index: Index) -> dict[str, int]:
    return {
        name: index.conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in COVERAGE
    }


def coverage(path: Path) -> dict[str, int]:
    """How many articles, revisions and captures the index at ``path`` holds."""
    with Index.open_readonly(path) as index:
        return _counts(index)


def _coverage_before(target: Path, report: ReindexReport) -> dict[str, int] | None:
    """The current index's coverage; None when there is none or it cannot be read (then
    rebuilding it is the repair). A file that is not regarkiv's is never replaced."""
    if not target.exists():
        return None
    try:
        return coverage(target)
    except ForeignIndex as error:
        raise ReindexError(f"{error}; reindex replaces only regarkiv's own index") from None
    except (DamagedIndex, OutdatedIndex, sqlite3.DatabaseError) as error:
        why = error.reason if isinstance(error, DamagedIndex) else str(error)
        report.warnings.append(
            f"the current index cannot be read ({why}): it is replaced, "
            "and its crawl jobs are not carried over"
        )
        return None


def _shrink_message(data: DataDir, report: ReindexReport) -> str:
    losses = ", ".join(f"{name} {old} → {new}" for name, (old, new) in report.lost.items())
    damaged = (
        f"; {report.skipped_records} damaged records were skipped" if report.skipped_records else ""
    )
    still_open = len(list(data.warcs.glob("*.warc.gz.open")))
    if still_open:  # a crawl's records it indexed live, which only its repair makes readable
        damaged += f"; {still_open} WARC files are still open: the next crawl repairs them"
    return (
        f"the rebuilt index would cover less than {data.index_path} ({losses}{damaged}): "
        "the current index is kept; see `regarkiv verify`, or use --force to replace it anyway"
    )


def _remove(fresh: Path) -> None:
    """A half-built or refused new index and its journal files (links are removed, never
    followed)."""
    for leftover in fresh.parent.glob(fresh.name + "*"):
        leftover.unlink()


def _copy_jobs(old_path: Path, index: Index, report: ReindexReport) -> None:
    index.commit()
    try:
        index.conn.execute("ATTACH DATABASE ? AS old", (str(old_path),))
    except sqlite3.DatabaseError as error:
        report.warnings.append(f"the crawl jobs of the current index are not carried over: {error}")
        return
    try:
        index.conn.execute("INSERT OR IGNORE INTO jobs SELECT * FROM old.jobs")
    except sqlite3.DatabaseError as error:
        report.warnings.append(f"the crawl jobs of the current index are not carried over: {error}")
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
