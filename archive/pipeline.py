"""The WARC writer and the indexer feed, in a process of their own during a crawl.

Scrapy's reactor thread is the crawl's bottleneck. A WARC writer *thread* in the
same process still takes the GIL for every record it builds (headers, digests'
bookkeeping, CDXJ line, hand-off to the indexer), and measured that way the
reactor waited for it about as long as the writer worked. So the crawl process
only pickles each exchange into a pipe; this child process writes each one as it
arrives (archive/warc/direct.py: here a thread of its own would only cost CPU) and feeds
the indexer process (archive/indexer.py) from it.

Failure model, the same as with the thread: the child dies with the crawl
(``kill -9`` of the crawl leaves at most a partial last record, which the next
start cuts off), a write error reaches the crawl at its next submit and stops it,
and ``close`` returns what was written and what the indexer made of it.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import logging
import os
import signal
import sqlite3
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING

from archive.child import ChildProcess, die_with_parent
from archive.handoff import END, Readable, dump_exchange, load_exchange, send
from archive.index.connection import connect
from archive.indexer import CLOSE_WAIT_S, EXIT_WAIT_S, Indexer, collect_less
from archive.ingest_counts import IngestResult
from archive.model import Exchange
from archive.warc.direct import DirectWarcWriter
from archive.warc.exchange import WarcInfo
from archive.warc.series import WarcSeries, WarcWriteError

if TYPE_CHECKING:
    from archive.index.store import Index

log = logging.getLogger(__name__)

_M_TRIM_THRESHOLD = -1  # malloc.h (glibc)
HEAP_KEPT = 4 << 20
# Longer than the child itself may wait for the indexer, so that a slow index is never
# mistaken for a dead writer (the margin: closing the last WARC file and its CDXJ).
CLOSE_TIMEOUT_S = CLOSE_WAIT_S + EXIT_WAIT_S + 240.0
LOOKUP_CACHE_KIB = 2 * 1024  # the writer's revisit lookups: a few B-tree pages each


@dataclass(frozen=True)
class ArchiverConfig:
    warc_dir: Path
    warcinfo: WarcInfo
    host: str
    max_size: int
    gzip_level: int
    index_path: Path
    job_id: str | None


@dataclass
class ArchiverReport:
    """What the child says when it ends."""

    closed_files: list[Path] = field(default_factory=list)
    error: str | None = None  # the WARC files could not be written (completely)
    ingest: IngestResult = field(default_factory=IngestResult)
    # The child died before it could report: its last WARC file is still open, and the
    # counts of what it indexed died with it.
    died: bool = False


class Archiver:
    """Parent side: ``submit`` exchanges, then ``close`` for the report."""

    def __init__(self, config: ArchiverConfig) -> None:
        # A fresh interpreter (archive/child.py): never fork a threaded process.
        self._process = ChildProcess("regarkiv-archiver", _archiver_main, (config, os.getpid()))
        self._conn = self._process.conn
        self._readable = Readable(self._conn)
        self.error: str | None = None
        self.report: ArchiverReport | None = None
        # A crawl that ends without close() (a crash) must still let the child finish:
        # at exit we close the pipe and wait for it.
        atexit.register(self._abandon)

    def submit(self, exchange: Exchange) -> None:
        """Hand an exchange to the child; blocks only while the child is far behind.

        Raises WarcWriteError once the child has said it cannot write.
        """
        try:
            if self.error is None and self._readable():  # it speaks only to say it failed
                self._read_message()
            if self.error is None:
                send(self._conn, dump_exchange(exchange))
        except (EOFError, OSError) as error:  # it died (killed, out of memory)
            detail = f": {error}" if str(error) else ""
            self.error = self.error or f"the WARC writer process stopped unexpectedly{detail}"
        if self.error is not None:
            raise WarcWriteError(self.error)

    def close(self, timeout: float = CLOSE_TIMEOUT_S) -> ArchiverReport:
        """Let the child write what it has, close its files and the indexer; its report."""
        if self.report is not None:
            return self.report
        with contextlib.suppress(OSError):
            self._conn.send_bytes(END)
        try:
            while self.report is None and self._conn.poll(timeout):
                self._read_message()
        except (EOFError, OSError):
            pass
        self._process.join(timeout=EXIT_WAIT_S)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._conn.close()
        atexit.unregister(self._abandon)
        if self.report is None:
            self.error = self.error or f"the WARC writer process died ({self._process.exitcode})"
            self.report = ArchiverReport(error=self.error, died=True)
        return self.report

    def _abandon(self) -> None:
        if self.report is None:
            with contextlib.suppress(OSError):
                self._conn.close()  # the child writes what it has, then exits
            self._process.join()

    def _read_message(self) -> None:
        kind, payload = self._conn.recv()
        if kind == "failed":
            self.error = self.error or payload
        elif kind == "closed":
            self.report = payload
            self.error = self.error or payload.error


def _die_with_parent(parent_pid: int) -> None:
    """Like the writer thread it replaces, the child must not outlive a killed crawl
    (``die_with_parent``).

    And the heap keeps what is freed at its top, up to HEAP_KEPT: glibc gives it back to
    the kernel from 128 KiB on, and zlib's deflate state (~260 KiB, made afresh for each
    gzip member: two an exchange) is such memory, so every member paid ~18 page faults to
    get it back, 20-50 µs (measured; ~1 µs kept)."""
    die_with_parent(parent_pid)
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).mallopt(_M_TRIM_THRESHOLD, HEAP_KEPT)


def _archiver_main(conn: Connection, config: ArchiverConfig, parent_pid: int) -> None:
    _die_with_parent(parent_pid)
    # Ctrl-C reaches the whole process group; the crawl decides when we stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s [%(name)s] %(levelname)s: %(message)s"
    )
    report = ArchiverReport()
    indexer = _start_indexer(config.index_path, config.job_id)
    lookup_index = _open_lookup(config.index_path) if _held_responses(config.index_path) else None
    writer: DirectWarcWriter | None = None
    try:
        series = WarcSeries(
            config.warc_dir,
            config.warcinfo,
            host=config.host,
            max_size=config.max_size,
            gzip_level=config.gzip_level,
            lookup=lookup_index.lookup_capture if lookup_index is not None else None,
        )
        writer = DirectWarcWriter(series, indexer.written if indexer is not None else None)
    except WarcWriteError as error:
        report.error = str(error)
        _tell(conn, ("failed", report.error))
    collect_less()
    while True:
        try:
            data = conn.recv_bytes()
        except (EOFError, OSError):
            break  # the crawl closed the pipe without a word: write what we have
        if data == END:
            break
        if writer is None or report.error:
            continue  # keep draining so the crawl never blocks on a full pipe
        try:
            writer.submit(load_exchange(data))
        except WarcWriteError as error:
            report.error = str(error)
            _tell(conn, ("failed", report.error))
    if writer is not None:
        try:
            writer.close()
        except WarcWriteError as error:
            report.error = report.error or str(error)
        report.closed_files = list(writer.series.closed_files)
    if indexer is not None:
        indexer.close()
        report.ingest = IngestResult(
            counts=dict(indexer.stats.counts),
            errors=indexer.errors,
            fatal=indexer.fatal,
            restarts=indexer.restarts,
        )
    else:
        report.ingest = IngestResult(fatal="the indexer process could not be started")
    if lookup_index is not None:
        with contextlib.suppress(sqlite3.Error):
            lookup_index.close()
    _tell(conn, ("closed", report))


def _start_indexer(index_path: Path, job_id: str | None) -> Indexer | None:
    try:
        return Indexer(index_path, job_id)
    except OSError as error:
        log.error("cannot start the indexer process: %s", error)
        return None


def _held_responses(index_path: Path) -> bool:
    """Whether the index held a 2xx capture when the crawl began (or cannot say).

    A revisit refers to the URL's newest 2xx response: one written in this run is known to
    the series itself (archive/warc/latest.py), so an index that held none, as on a first
    crawl, has nothing to look up, and ~25 µs a record in SQLite are saved."""
    try:
        conn = connect(index_path, readonly=True, cache_kib=LOOKUP_CACHE_KIB)
        try:
            sql = "SELECT 1 FROM captures WHERE status BETWEEN 200 AND 299 LIMIT 1"
            return conn.execute(sql).fetchone() is not None
        finally:
            conn.close()
    except (sqlite3.Error, OSError):
        return True  # the full open below says what is wrong


def _open_lookup(index_path: Path) -> Index | None:
    """A read-only index connection for revisit lookups; None: write full responses."""
    # The index's reading code (~30 ms to import) only where there is something to look
    # up: a first crawl's writer starts without it (see _held_responses).
    from archive.index.store import Index, IndexNotFound, UnusableIndex

    try:
        return Index.open_readonly(index_path, cache_kib=LOOKUP_CACHE_KIB)
    except (IndexNotFound, UnusableIndex, sqlite3.Error, OSError) as error:
        log.warning("revisit lookups unavailable (%s): writing full responses", error)
        return None


def _tell(conn: Connection, message: tuple[str, object]) -> None:
    with contextlib.suppress(OSError):  # the crawl is gone: nobody to tell
        conn.send(message)
