"""The indexer process beside a crawl, and its feed, which survives the process dying.

The WARC writer thread (archive/pipeline.py) hands every capture it wrote to
``Indexer.written``; the process ingests them (``archive.ingest``, the path reindex
takes too) and commits in batches. After each commit it tells the feed how many
captures it has committed and its counts as of that commit, and the feed forgets
those. When the process dies (kill -9, out of memory), the feed starts a new one and
sends it what was not committed. The new process skips what the dead one had
committed after all (it died between its commit and saying so), counting it as the
dead one did (``ingest.recount``). So the index misses nothing and the figures count
every capture once. After ``MAX_RESTARTS`` deaths, or when the index cannot be
written (disk full), the feed gives up: the job fails saying why, and the next crawl
indexes from the WARC files what the index lacks (``archive.recovery``).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import signal
import sqlite3
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archive.child import ChildProcess
from archive.handoff import END, Readable, dump_written, load_written, send
from archive.ingest_counts import IngestResult, IngestStats
from archive.model import Capture, Exchange

if TYPE_CHECKING:
    from archive.index.store import Index

# The indexer's page cache (see archive.index.connection): its FTS inserts touch the newest
# pages of each segment; merges read older ones once. Ingesting 20,000 articles cost the same
# CPU per capture with 8, 16 or 64 MiB (0.40-0.43 ms, within a loaded machine's noise); with
# 16 MiB the indexer process of a 20,000-article crawl peaked at 55 MB instead of 114 MB.
INDEXER_CACHE_KIB = 16 * 1024

log = logging.getLogger(__name__)

Item = tuple[Capture, bytes | None, str | None]  # a capture, its body as stored, its coding

# Commit in batches: one transaction per response would cap the crawl at disk sync speed.
# 400, not 200: FTS5 writes each commit's terms as new segments and merges them, and half
# as many commits cost 0.073 -> 0.050 ms of CPU a capture at COMMIT (5,000 articles); the
# feed keeps up to 400 uncommitted captures with their bodies (~14 kB each on the replica).
BATCH_SIZE = 400
BATCH_SECONDS = 1.0
# Measured on 2 cores: nice 5 made a 3,000-article local crawl ~5% faster, nice 10 slower
# (the indexer fell behind, and a crawl ends only when its index has caught up).
INDEXER_NICENESS = 5
# How long closing waits for the indexer to finish its backlog, then to exit.
CLOSE_WAIT_S = 600.0
EXIT_WAIT_S = 60.0
# A process that dies this often dies of something a new one meets again (a page that
# crashes the parser, memory): stop and say so rather than loop.
MAX_RESTARTS = 3
# Gen-0 garbage collection threshold in the writer and indexer processes (collect_less).
GC_THRESHOLD = 10_000


@dataclass
class _Progress:
    """Where the indexer process stands: what it has received, committed and said."""

    inbox: Connection
    stats: IngestStats = field(default_factory=IngestStats)
    errors: list[str] = field(default_factory=list)
    received: int = 0
    committed: int = 0
    told_errors: int = 0
    last_commit: float = field(default_factory=time.monotonic)

    def commit_due(self) -> bool:
        waiting = self.received - self.committed
        late = time.monotonic() - self.last_commit >= BATCH_SECONDS
        return waiting > 0 and (waiting >= BATCH_SIZE or late)

    def committed_now(self) -> None:
        """Tell the feed: the first ``received`` captures are in the index, counted so."""
        self.committed, self.last_commit = self.received, time.monotonic()
        new_errors = self.errors[self.told_errors :]
        _tell(self.inbox, ("committed", self.committed, dict(self.stats.counts), new_errors))
        self.told_errors = len(self.errors)


def collect_less() -> None:
    """Fewer garbage collections in a crawl's child process, as on the reactor thread
    (crawler/run.py): what is alive after start-up (modules, the index) is frozen out of
    collection, and gen 0 is collected every GC_THRESHOLD allocations, not every 700.
    Extraction makes and drops many small objects per page; cycles are still collected."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])


def _indexer_main(inbox: Connection, index_path: Path, job_id: str | None, replays: int) -> None:
    """The indexer process: ingest what arrives until a None (or the feed is gone).

    The first ``replays`` captures are ones a dead predecessor may have committed.
    """
    # Fetching goes first: the index is derived data and catches up at the end, while
    # a fetch delayed by an indexer holding the CPU delays everything after it.
    with contextlib.suppress(OSError):
        os.nice(INDEXER_NICENESS)
    # Ctrl-C reaches the whole process group; the crawl decides when we stop,
    # and we must commit what we have first.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s [%(name)s] %(levelname)s: %(message)s"
    )
    progress = _Progress(inbox)
    # The index's writing code in the indexer process alone: the WARC writer process, which
    # imports this module for the feed, starts ~30 ms of CPU sooner without it.
    from archive.index.store import Index

    index: Index | None = None
    fatal: str | None = None
    try:
        index = Index(index_path, cache_kib=INDEXER_CACHE_KIB)
    except (sqlite3.Error, OSError) as error:
        fatal = str(error)
        _tell(inbox, ("fatal", fatal))
    collect_less()
    waiting = Readable(inbox)
    while True:
        try:
            data = inbox.recv_bytes() if waiting.within(BATCH_SECONDS) else None
        except (EOFError, OSError):
            break  # the feed is gone (the crawl died): keep what we have
        if data == END:
            break
        item = load_written(data) if data is not None else ()
        if index is None or fatal:
            continue  # keep draining so the feed never blocks on a full pipe
        try:
            if item:
                progress.received += 1
                replay = progress.received <= replays
                _ingest(index, item, job_id, progress.stats, progress.errors, replay)
            if progress.commit_due():
                index.commit()
                progress.committed_now()
        except sqlite3.Error as error:  # disk full, I/O error: the WARCs still have it all
            fatal = str(error)
            log.error("index write failed: %s", error)
            _tell(inbox, ("fatal", fatal))
    if index is not None:
        try:
            index.close()
        except sqlite3.Error as error:
            fatal = fatal or str(error)
    errors = progress.errors[progress.told_errors :]
    _tell(inbox, ("done", IngestResult(dict(progress.stats.counts), errors, fatal)))


def _ingest(
    index: Index,
    item: Item,
    job_id: str | None,
    stats: IngestStats,
    errors: list[str],
    replay: bool,
) -> None:
    # Extraction is imported in the indexer process alone: the WARC writer process, which
    # imports this module for the feed, starts ~0.08 s of CPU sooner without it.
    from archive.ingest import apply, prepare, recount

    capture, body, encoding = item
    try:
        prepared = prepare(capture, body, encoding)
        counted = recount(index, prepared) if replay else None
        if counted is None:
            apply(index, prepared, job_id, stats)
        else:
            stats.counts.update(counted)
    except sqlite3.Error:
        raise
    except Exception as error:  # one bad page must not stop indexing the crawl
        errors.append(f"{capture.url}: {error}")
        log.exception("indexing %s failed", capture.url)


def _tell(conn: Connection, message: tuple[Any, ...]) -> None:
    with contextlib.suppress(OSError):  # the feed is gone: nobody to tell
        conn.send(message)


class Indexer:
    """Feeds written captures to the indexer process, and starts a new one if it dies.

    ``written`` runs on the WARC writer thread, so the crawl's reactor thread does no
    indexing work at all; ``close`` runs once the writer thread is done.
    """

    def __init__(self, index_path: Path, job_id: str | None) -> None:
        self._index_path = Path(index_path)
        self._job_id = job_id
        self._pending: deque[bytes] = deque()  # sent to the process, not committed yet
        self._carried: Counter[str] = Counter()  # what dead processes had committed
        self._result: IngestResult | None = None
        self.stats = IngestStats()  # once closed: everything the index holds from us
        self.errors: list[str] = []
        self.fatal: str | None = None  # why some captures may be missing from the index
        self.restarts = 0
        self._start(replays=0)

    def _start(self, replays: int) -> None:
        # A fresh interpreter (archive/child.py): never fork a threaded process.
        self._process = ChildProcess(
            "regarkiv-indexer", _indexer_main, (self._index_path, self._job_id, replays)
        )
        self._conn = self._process.conn
        self._readable = Readable(self._conn)
        self._committed = 0  # of the captures sent to this process
        self._counts: Counter[str] = Counter()  # this process's, as of its last commit

    def written(self, capture: Capture, exchange: Exchange) -> None:
        """The WARC writer's ``on_written`` callback: runs on the writer thread, in file order."""
        if self.fatal:
            return
        body = exchange.body if capture.record_type == "response" else None
        data = dump_written(capture, body, exchange.header("Content-Encoding"))
        self._pending.append(data)
        try:
            self._read_messages()
            send(self._conn, data)
        except (OSError, EOFError):
            self._restart()

    def close(self) -> None:
        """Wait until everything sent is committed, then end the process."""
        while not self.fatal and self._result is None:
            try:
                self._conn.send_bytes(END)
                if not self._await_result():
                    self._give_up(f"the indexer did not finish within {CLOSE_WAIT_S:.0f} s")
            except (OSError, EOFError):
                self._restart()
        counts = Counter(self._carried)
        counts.update(self._result.counts if self._result else self._counts)
        self.stats = IngestStats(counts)
        self._stop()

    def _await_result(self) -> bool:
        deadline = time.monotonic() + CLOSE_WAIT_S
        while self._result is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._conn.poll(remaining):
                return False
            self._on_message(self._conn.recv())
        return True

    def _read_messages(self) -> None:
        while self._readable():
            self._on_message(self._conn.recv())

    def _on_message(self, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "committed":
            _, committed, counts, errors = message
            for _ in range(min(committed - self._committed, len(self._pending))):
                self._pending.popleft()
            self._committed, self._counts = committed, Counter(counts)
            self.errors += errors
        elif kind == "fatal":
            self._give_up(f"the index could not be written: {message[1]}")
        elif kind == "done":
            result: IngestResult = message[1]
            self.errors += result.errors
            if result.fatal:
                self._give_up(f"the index could not be written: {result.fatal}")
            self._result = result

    def _restart(self) -> None:
        """The process died: start another and send it what the dead one had not committed."""
        while not self.fatal:
            code = self._stop()
            self._carried.update(self._counts)
            if self.restarts >= MAX_RESTARTS:
                self._give_up(
                    f"the indexer process died {self.restarts + 1} times (last exit code {code})"
                )
                return
            self.restarts += 1
            log.warning(
                "the indexer process died (exit code %s): started another, which indexes "
                "the %d captures it had not committed",
                code,
                len(self._pending),
            )
            self._start(replays=len(self._pending))
            try:
                for data in list(self._pending):
                    self._read_messages()
                    send(self._conn, data)
                return
            except (OSError, EOFError):
                continue

    def _stop(self) -> int | None:
        """End the process and read what it said before it ended; its exit code."""
        self._process.join(timeout=EXIT_WAIT_S if self._result is not None else 0.5)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        with contextlib.suppress(EOFError, OSError):
            while self._result is None and self._conn.poll():
                self._on_message(self._conn.recv())
        self._conn.close()
        return self._process.exitcode

    def _give_up(self, why: str) -> None:
        """Stop indexing: the WARC files hold the rest, for the next crawl to index."""
        if not self.fatal:
            self.fatal = why
            log.error("%s; the WARC files hold every capture: the next crawl indexes the rest", why)
        self._pending.clear()
