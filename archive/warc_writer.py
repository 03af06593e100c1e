"""Writing exchanges to WARC/1.1 files on a background thread.

The crawler runs on one reactor thread; ``submit`` only queues the exchange.
Digesting, gzip and disk I/O run on the writer thread (hashlib and zlib
release the GIL, so they use the second core). Records are written in
submission order, each pair as: response (or revisit), then its request.
"""

from __future__ import annotations

import logging
import queue
import re
import socket
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from archive.capture import Capture, Exchange
from archive.cdxj import cdxj_line
from archive.warc_exchange import (
    REQUIRED_WARCINFO,
    WarcInfo,
    request_record,
    response_record,
    warcinfo_record,
)
from archive.warc_file import WarcFile, warc_name
from archive.warc_records import (
    gzip_member,
    new_record_id,
    sha1_digest,
    timestamp14,
    utc,
    warc_date,
)

log = logging.getLogger(__name__)

Lookup = Callable[[str, str], Capture | None]


class WarcWriteError(Exception):
    """Records could not be written (disk full, unwritable directory, ...).

    Every record completed before the failure stays in the file; the failed
    record is cut off again, so no file ever holds half a record.
    """


class WriterClosed(WarcWriteError):
    pass


@dataclass(frozen=True)
class _Flush:
    future: Future[None]


_STOP = object()


class WarcWriter:
    """Writes exchanges into rolling ``regarkiv-<timestamp>-<serial>-<host>.warc.gz`` files.

    ``warcinfo`` holds the fields of each file's warcinfo record, written in
    the given order (a ``WarcInfo`` or any mapping with the REQUIRED_WARCINFO
    keys). ``lookup(url, payload_digest)`` finds an earlier capture of the same URL
    with the same payload; it is called on the writer thread, so it must not
    share an SQLite connection with other threads. ``clock`` and ``record_ids``
    exist so tests can write byte-identical files.
    """

    def __init__(
        self,
        directory: Path | str,
        warcinfo: WarcInfo | Mapping[str, str],
        *,
        prefix: str = "regarkiv",
        host: str | None = None,
        max_size: int = 1_000_000_000,
        gzip_level: int = 6,
        lookup: Lookup | None = None,
        queue_size: int = 64,
        fsync_each_record: bool = False,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        record_ids: Callable[[], str] = new_record_id,
    ) -> None:
        self.directory = Path(directory)
        fields = warcinfo.fields() if isinstance(warcinfo, WarcInfo) else dict(warcinfo)
        missing = [name for name in REQUIRED_WARCINFO if not fields.get(name)]
        if missing:
            raise ValueError(f"warcinfo lacks {', '.join(missing)}")
        self.warcinfo = fields
        self.prefix = prefix
        self.hostname = host or socket.gethostname()
        self.max_size = max_size
        self.gzip_level = gzip_level
        self.lookup = lookup
        self.fsync_each_record = fsync_each_record
        self.clock = clock
        self.record_ids = record_ids
        self.closed_files: list[Path] = []
        self.lookup_failures = 0
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WarcWriteError(f"cannot create WARC directory {self.directory}: {exc}") from exc
        self._file_host = re.sub(r"[^A-Za-z0-9.]+", "", self.hostname) or "localhost"
        self._serial = 0
        self._file: WarcFile | None = None
        self._warcinfo_id = ""
        self._originals: dict[tuple[str, str], Capture] = {}
        self._error: WarcWriteError | None = None
        self._closed = False
        self._queue: queue.Queue[object] = queue.Queue(maxsize=queue_size)
        self._thread = threading.Thread(target=self._run, name="regarkiv-warc-writer", daemon=True)
        self._thread.start()

    def submit(self, exchange: Exchange) -> Future[Capture]:
        """Queue an exchange; blocks only while the queue is full (back-pressure).

        The future's callbacks run on the writer thread.
        """
        self._check_usable()
        future: Future[Capture] = Future()
        self._queue.put((exchange, future))
        return future

    def write(self, exchange: Exchange) -> Capture:
        if threading.current_thread() is self._thread:
            raise RuntimeError("write() from the writer thread would wait for itself")
        return self.submit(exchange).result()

    def flush(self) -> None:
        """Wait until everything submitted so far is written and synced to disk."""
        self._check_usable()
        done: Future[None] = Future()
        self._queue.put(_Flush(done))
        done.result()

    def close(self) -> list[Path]:
        """Write what is queued; sync, close and rename the file and write its CDXJ.

        Returns every WARC file this writer has closed. Raises WarcWriteError
        (once) if anything failed; the files then hold every completed record.
        """
        if not self._closed:
            self._closed = True
            self._queue.put(_STOP)
            self._thread.join()
            if self._error is not None:
                raise self._error
        return list(self.closed_files)

    def __enter__(self) -> WarcWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _check_usable(self) -> None:
        if self._error is not None:
            raise WarcWriteError(f"the WARC writer has failed: {self._error}") from self._error
        if self._closed:
            raise WriterClosed("the WARC writer is closed")

    def _run(self) -> None:
        # The loop keeps taking items after a failure, so a submitter blocked
        # on a full queue is always released and gets the error.
        while True:
            item = self._queue.get()
            if item is _STOP:
                break
            if isinstance(item, _Flush):
                self._flush_to_disk(item.future)
                continue
            exchange, future = item  # type: ignore[misc]
            if not future.set_running_or_notify_cancel():
                continue
            if self._error is not None:
                future.set_exception(self._error)
                continue
            try:
                future.set_result(self._write_exchange(exchange))
            except OSError as exc:
                self._error = WarcWriteError(f"writing {exchange.url} failed: {exc}")
                self._error.__cause__ = exc
                log.error("%s", self._error)
                future.set_exception(self._error)
            except Exception as exc:  # a bad exchange; nothing was written for it
                future.set_exception(exc)
        self._finish_file()

    def _flush_to_disk(self, done: Future[None]) -> None:
        try:
            if self._file is not None and self._error is None:
                self._file.sync()
        except OSError as exc:
            done.set_exception(WarcWriteError(f"fsync failed: {exc}"))
        else:
            done.set_result(None)

    def _write_exchange(self, exchange: Exchange) -> Capture:
        fetched_at = utc(exchange.fetched_at)
        payload_digest = sha1_digest([exchange.body])
        original = self._original(exchange, payload_digest)
        warc = self._file or self._open_file()
        response_id, request_id = self.record_ids(), self.record_ids()
        info_id, level = self._warcinfo_id, self.gzip_level
        response = response_record(exchange, response_id, info_id, payload_digest, original)
        request = request_record(exchange, request_id, info_id, response_id)
        members = [gzip_member(response, level), gzip_member(request, level)]
        offset = warc.append(members, fsync=self.fsync_each_record)
        capture = Capture(
            url=exchange.url,
            fetched_at=fetched_at,
            status=exchange.status,
            record_type="revisit" if original else "response",
            record_id=response_id,
            warc_file=warc.final_path.name,
            offset=offset,
            length=len(members[0]),
            payload_digest=payload_digest,
            content_type=exchange.header("Content-Type"),
            refers_to=original.record_id if original else None,
        )
        warc.cdxj.append(cdxj_line(capture))
        if original is None and 200 <= exchange.status < 300:
            self._originals[(exchange.url, payload_digest)] = capture
        if warc.size >= self.max_size:
            self._finish_file()
        return capture

    def _original(self, exchange: Exchange, payload_digest: str) -> Capture | None:
        """The earlier capture this one may refer to: same URL, same payload, both 2xx."""
        if not 200 <= exchange.status < 300:
            return None
        original = self._originals.get((exchange.url, payload_digest))
        if original is None and self.lookup is not None:
            try:
                original = self.lookup(exchange.url, payload_digest)
            except Exception:  # a full response is never wrong; a failed lookup must not stop us
                self.lookup_failures += 1
                if self.lookup_failures == 1:
                    log.exception("revisit lookup failed for %s; writing responses", exchange.url)
                return None
        # A revisit must point at a record holding the payload, not at another revisit.
        if original is None or original.record_type != "response":
            return None
        return original

    def _open_file(self) -> WarcFile:
        stamp = timestamp14(self.clock())
        while True:
            name = warc_name(self.prefix, stamp, self._serial, self._file_host)
            self._serial += 1
            try:
                warc = WarcFile.create(self.directory, name)
                break
            except FileExistsError:
                continue
        self._warcinfo_id = self.record_ids()
        info = warcinfo_record(self._warcinfo_id, warc_date(self.clock()), name, self.warcinfo)
        try:
            warc.append([gzip_member(info, self.gzip_level)])
        except OSError:
            warc.discard()
            raise
        self._file = warc
        return warc

    def _finish_file(self) -> None:
        warc, self._file = self._file, None
        if warc is None:
            return
        try:
            warc.finish()
        except OSError as exc:
            log.error("closing %s failed: %s", warc.path.name, exc)
            if self._error is None:
                self._error = WarcWriteError(f"closing {warc.path.name} failed: {exc}")
                self._error.__cause__ = exc
        if warc.final_path.exists():
            self.closed_files.append(warc.final_path)
