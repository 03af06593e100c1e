"""Writing exchanges to WARC/1.1 files on a background thread.

The crawler runs on one reactor thread, the crawl's bottleneck, so ``submit``
only appends the exchange to a deque: no lock, and in a busy crawl no wake-up
call either. Digesting, gzip and disk I/O run on the writer thread (hashlib and
zlib release the GIL, so they use the second core). Records are written in
submission order, each pair as: response (or revisit), then its request.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any, final

from archive.model import Capture, Exchange
from archive.warc import DEFAULT_GZIP_LEVEL, DEFAULT_MAX_SIZE
from archive.warc.direct import DirectWarcWriter, OnWritten
from archive.warc.exchange import WarcInfo
from archive.warc.records import new_record_id
from archive.warc.series import Lookup, WarcSeries, WarcWriteError

__all__ = ["DEFAULT_GZIP_LEVEL", "DEFAULT_MAX_SIZE", "WarcWriteError", "WarcWriter", "WriterClosed"]

log = logging.getLogger(__name__)

# Waking a sleeping thread costs the submitting thread a futex call (~15 µs here, far
# more when the GIL is contended), once per response if the writer slept after each
# record. So an idle writer first lingers: it looks at the queue every POLL_S seconds
# and is woken early only by a backlog, a flush or close. After LINGER_POLLS empty
# looks it sleeps until the next submit wakes it, so a writer with no work costs nothing.
POLL_S = 0.005
LINGER_POLLS = 20


class WriterClosed(WarcWriteError):
    pass


@final  # so that ``type(item) is _Flush`` tells the type checker what the other items are
@dataclass(frozen=True)
class _Flush:
    future: Future[None]


class _Stop(Enum):
    STOP = "stop"


_STOP = _Stop.STOP
# What the writer thread takes off its queue: an exchange to write, a flush, or the end.
_Item = tuple[Exchange, Future[Capture]] | _Flush | _Stop


class WarcWriter:
    """Writes exchanges into rolling ``regarkiv-<timestamp>-<serial>-<host>.warc.gz`` files.

    ``warcinfo`` holds the fields of each file's warcinfo record, written in
    the given order (a ``WarcInfo`` or any mapping with the REQUIRED_WARCINFO
    keys). ``lookup(url, payload_digest)`` finds an earlier capture of the same URL
    with the same payload; it is called on the writer thread, so it must not
    share an SQLite connection with other threads. ``on_written(capture, exchange)``
    is called on the writer thread once a record is handed to the OS, before its
    future resolves; what it raises is logged and otherwise ignored. ``clock`` and
    ``record_ids`` exist so tests can write byte-identical files.
    """

    def __init__(
        self,
        directory: Path | str,
        warcinfo: WarcInfo | Mapping[str, str],
        *,
        prefix: str = "regarkiv",
        host: str | None = None,
        max_size: int = DEFAULT_MAX_SIZE,
        gzip_level: int = DEFAULT_GZIP_LEVEL,
        lookup: Lookup | None = None,
        on_written: OnWritten | None = None,
        queue_size: int = 64,
        fsync_each_record: bool = False,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        record_ids: Callable[[], str] = new_record_id,
    ) -> None:
        self.series = WarcSeries(
            directory,
            warcinfo,
            prefix=prefix,
            host=host,
            max_size=max_size,
            gzip_level=gzip_level,
            lookup=lookup,
            fsync_each_record=fsync_each_record,
            clock=clock,
            record_ids=record_ids,
        )
        self._records = DirectWarcWriter(self.series, on_written)
        self._error: WarcWriteError | None = None
        self._closed = False
        # deque.append and popleft are atomic, so submitters and the writer share the
        # queue without a lock. Submitters only read the writer's state below and wake
        # it when it asks to be woken.
        self._pending: deque[_Item] = deque()
        self._bound = queue_size if queue_size > 0 else sys.maxsize  # as queue.Queue
        self._early_wake = max(1, min(self._bound, 64) // 4)
        self._wake_at = sys.maxsize  # the queue length at which a submitter wakes the writer
        self._wake = threading.Lock()  # held; a release is the wake-up
        self._wake.acquire()
        self._space = threading.Condition()  # only for submitters held back by a full queue
        self._space_waiters = 0
        # A submitter held back by a full queue is woken once the writer has made room
        # for a few items, not after each one: waking it per item cost both threads a
        # futex call and a GIL hand-off for every record of a crawl (the writer process
        # keeps the queue full whenever the crawl outpaces it).
        self._low_water = self._bound - self._early_wake if queue_size > 0 else sys.maxsize
        self._thread = threading.Thread(target=self._run, name="regarkiv-warc-writer", daemon=True)
        self._thread.start()

    def submit(self, exchange: Exchange) -> Future[Capture]:
        """Queue an exchange; blocks only while ``queue_size`` exchanges wait (back-pressure).

        The future's callbacks run on the writer thread.
        """
        if self._error is not None or self._closed:
            self._check_usable()
        pending = self._pending
        if len(pending) >= self._bound:
            self._wait_for_space()
        future: Future[Capture] = Future()
        item = (exchange, future)
        pending.append(item)
        if len(pending) >= self._wake_at:
            self._wake_writer()
        if self._closed:
            self._withdraw(item)
        return future

    def write(self, exchange: Exchange) -> Capture:
        if threading.current_thread() is self._thread:
            raise RuntimeError("write() from the writer thread would wait for itself")
        future = self.submit(exchange)
        self._wake_writer()  # we wait for it, so the writer must not linger
        return future.result()

    def flush(self) -> None:
        """Wait until everything submitted so far is written and synced to disk."""
        self._check_usable()
        done: Future[None] = Future()
        item = _Flush(done)
        self._pending.append(item)
        self._wake_writer()
        if self._closed:
            self._withdraw(item)
        done.result()

    def close(self) -> list[Path]:
        """Write what is queued; sync, close and rename the file and write its CDXJ.

        Returns every WARC file this writer has closed. Raises WarcWriteError
        (once) if anything failed; the files then hold every completed record.
        """
        if not self._closed:
            self._closed = True
            self._pending.append(_STOP)
            self._wake_writer()
            self._thread.join()
            if self._error is not None:
                raise self._error
        return list(self.series.closed_files)

    @property
    def closed_files(self) -> list[Path]:
        return self.series.closed_files

    @property
    def lookup_failures(self) -> int:
        return self.series.lookup_failures

    def __enter__(self) -> WarcWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _check_usable(self) -> None:
        if self._error is not None:
            raise WarcWriteError(f"the WARC writer has failed: {self._error}") from self._error
        if self._closed:
            raise WriterClosed("the WARC writer is closed")

    def _wake_writer(self) -> None:
        self._wake_at = sys.maxsize  # one wake-up is enough until the writer waits again
        with contextlib.suppress(RuntimeError):  # released already: a wake-up is pending
            self._wake.release()

    def _wait_for_space(self) -> None:
        """Back-pressure: wait until the writer has taken something off a full queue."""
        if threading.current_thread() is self._thread:
            return  # a submit from a callback: the writer cannot wait for itself
        with self._space:
            self._space_waiters += 1
            try:
                while len(self._pending) >= self._bound:
                    if self._error is not None or self._closed or not self._thread.is_alive():
                        break
                    self._wake_writer()
                    # The writer notifies once the queue is down to its low-water mark;
                    # the timeout is a safety net, not the mechanism.
                    self._space.wait(1.0)
            finally:
                self._space_waiters -= 1
        self._check_usable()

    def _withdraw(self, item: _Item) -> None:
        """``close`` ran while ``item`` was queued: take it back unless the writer has it."""
        try:
            self._pending.remove(item)
        except ValueError:
            return  # the writer took it: it writes it, or fails it after _STOP
        raise WriterClosed("the WARC writer is closed")

    def _run(self) -> None:
        # The loop keeps taking items after a failure, so every future is resolved
        # and a submitter held back by a full queue is released.
        pending = self._pending
        item: _Item | None = None
        try:
            while True:
                if not pending:
                    self._wait_for_work()
                    continue
                item = pending.popleft()
                if self._space_waiters and len(pending) <= self._low_water:
                    with self._space:
                        self._space.notify_all()
                if item is _STOP:
                    break
                if type(item) is _Flush:
                    self._flush_to_disk(item.future)
                else:
                    self._write_item(*item)
        except BaseException as exc:
            # A bug here must not leave futures unresolved and submitters waiting forever.
            log.exception("the WARC writer thread failed")
            if self._error is None:
                self._error = WarcWriteError(f"the WARC writer thread failed: {exc!r}")
                self._error.__cause__ = exc
            if item is not None:
                pending.appendleft(item)  # its future may not be resolved yet
        finally:
            self._finish_file()
            self._refuse_leftovers()

    def _finish_file(self) -> None:
        try:
            self.series.finish()
        except WarcWriteError as error:
            if self._error is None:
                self._error = error

    def _wait_for_work(self) -> None:
        """Return when something may be queued: linger first, then sleep (see POLL_S)."""
        pending = self._pending
        self._wake_at = self._early_wake
        for _ in range(LINGER_POLLS):
            if self._wake.acquire(timeout=POLL_S) or pending:
                self._wake_at = sys.maxsize
                return
        self._wake_at = 1
        # Checked after asking to be woken: a submitter that appended before it could
        # see that request did not wake us.
        if not pending:
            self._wake.acquire()
        self._wake_at = sys.maxsize

    def _write_item(self, exchange: Exchange, future: Future[Capture]) -> None:
        if not future.set_running_or_notify_cancel():
            return
        if self._error is not None:
            future.set_exception(self._error)
            return
        try:
            capture = self._records.write(exchange)  # on_written runs in there
        except WarcWriteError as exc:
            self._error = exc
            future.set_exception(exc)
            return
        except Exception as exc:  # a bad exchange; nothing was written for it
            future.set_exception(exc)
            return
        future.set_result(capture)

    def _refuse_leftovers(self) -> None:
        """Fail what was queued after _STOP (a submit racing close), release any waiter."""
        error = self._error or WriterClosed("the WARC writer is closed")
        while self._pending:
            item = self._pending.popleft()
            if isinstance(item, _Flush):
                future: Future[Any] = item.future
            elif isinstance(item, tuple):
                future = item[1]
            else:
                continue
            if not future.done() and (future.running() or future.set_running_or_notify_cancel()):
                future.set_exception(error)
        with self._space:
            self._space.notify_all()

    def _flush_to_disk(self, done: Future[None]) -> None:
        try:
            if self._error is None:
                self.series.sync()
        except OSError as exc:
            done.set_exception(WarcWriteError(f"fsync failed: {exc}"))
        else:
            done.set_result(None)
