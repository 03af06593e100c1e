"""Writing exchanges to WARC/1.1 files on a background thread.

The crawler runs on one reactor thread; ``submit`` only queues the exchange.
Digesting, gzip and disk I/O run on the writer thread (hashlib and zlib
release the GIL, so they use the second core). Records are written in
submission order, each pair as: response (or revisit), then its request.
"""

from __future__ import annotations

import logging
import os
import queue
import re
import socket
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from archive.capture import Capture, Exchange
from archive.cdxj import cdxj_line, write_cdxj_lines
from archive.warc_records import (
    HTTP_REQUEST,
    HTTP_RESPONSE,
    REVISIT_PROFILE,
    WARC_FIELDS,
    encode_record,
    gzip_member,
    http_head,
    new_record_id,
    sha1_digest,
    stored_response_headers,
    timestamp14,
    utc,
    warc_date,
    warc_fields,
)

log = logging.getLogger(__name__)

WARC_1_1_SPEC = "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"
OPEN_SUFFIX = ".open"

Lookup = Callable[[str, str], Capture | None]


class WarcWriteError(Exception):
    """Records could not be written (disk full, unwritable directory, ...).

    Every record completed before the failure stays in the file; the failed
    record is cut off again, so no file ever holds half a record.
    """


class WriterClosed(WarcWriteError):
    pass


@dataclass(frozen=True)
class WarcInfo:
    """What the warcinfo record at the start of every file says about the crawl."""

    software: str  # e.g. "regarkiv/0.1.0"
    job_id: str
    operator: str  # who runs the crawl and how to reach them
    user_agent: str
    robots: str  # e.g. "obey"
    base_url: str
    is_part_of: str = "regarkiv"
    description: str = ""
    settings: tuple[tuple[str, str], ...] = ()  # further crawl settings, written as given

    def fields(self) -> dict[str, str]:
        fields = [
            ("software", self.software),
            ("format", "WARC File Format 1.1"),
            ("conformsTo", WARC_1_1_SPEC),
            ("job-id", self.job_id),
            ("operator", self.operator),
            ("http-header-user-agent", self.user_agent),
            ("robots", self.robots),
            ("base-url", self.base_url),
            ("isPartOf", self.is_part_of),
        ]
        if self.description:
            fields.append(("description", self.description))
        return dict(fields + list(self.settings))


# Without these a warcinfo record does not say who crawled, how, or as whom.
REQUIRED_WARCINFO = ("software", "job-id", "operator", "http-header-user-agent", "robots")


@dataclass
class _OpenFile:
    path: Path  # with the .open suffix
    fd: int
    warcinfo_id: str
    size: int = 0
    cdxj: list[str] = field(default_factory=list)

    @property
    def final_path(self) -> Path:
        return self.path.with_name(self.path.name.removesuffix(OPEN_SUFFIX))


@dataclass(frozen=True)
class _Flush:
    future: Future[None]


_STOP = object()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


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
        self._file: _OpenFile | None = None
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
                os.fsync(self._file.fd)
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
        response = self._response_member(exchange, warc, response_id, payload_digest, original)
        request = self._request_member(exchange, warc, request_id, response_id)
        offset = warc.size
        self._append(warc, [response, request])
        capture = Capture(
            url=exchange.url,
            fetched_at=fetched_at,
            status=exchange.status,
            record_type="revisit" if original else "response",
            record_id=response_id,
            warc_file=warc.final_path.name,
            offset=offset,
            length=len(response),
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

    def _response_member(
        self,
        exchange: Exchange,
        warc: _OpenFile,
        record_id: str,
        payload_digest: str,
        original: Capture | None,
    ) -> bytes:
        headers = [
            ("WARC-Type", "revisit" if original else "response"),
            ("WARC-Record-ID", record_id),
            ("WARC-Date", warc_date(exchange.fetched_at)),
            ("WARC-Target-URI", exchange.url),
        ]
        if exchange.ip_address:
            headers.append(("WARC-IP-Address", exchange.ip_address))
        headers.append(("WARC-Warcinfo-ID", warc.warcinfo_id))
        http = http_head(
            exchange.status_line,
            stored_response_headers(exchange.response_headers, len(exchange.body)),
        )
        if original is None:
            block = [http, exchange.body]
        else:
            headers += [
                ("WARC-Profile", REVISIT_PROFILE),
                ("WARC-Refers-To", original.record_id),
                ("WARC-Refers-To-Target-URI", original.url),
                ("WARC-Refers-To-Date", warc_date(original.fetched_at)),
            ]
            block = [http]
        headers += [("WARC-Payload-Digest", payload_digest), ("Content-Type", HTTP_RESPONSE)]
        return gzip_member(encode_record(headers, block), self.gzip_level)

    def _request_member(
        self, exchange: Exchange, warc: _OpenFile, record_id: str, response_id: str
    ) -> bytes:
        headers = [
            ("WARC-Type", "request"),
            ("WARC-Record-ID", record_id),
            ("WARC-Date", warc_date(exchange.fetched_at)),
            ("WARC-Target-URI", exchange.url),
            ("WARC-Warcinfo-ID", warc.warcinfo_id),
            ("WARC-Concurrent-To", response_id),
            ("Content-Type", HTTP_REQUEST),
        ]
        block = [exchange.request_head, exchange.request_body]
        return gzip_member(encode_record(headers, block), self.gzip_level)

    def _open_file(self) -> _OpenFile:
        stamp = timestamp14(self.clock())
        while True:
            name = f"{self.prefix}-{stamp}-{self._serial:05d}-{self._file_host}.warc.gz"
            self._serial += 1
            path = self.directory / (name + OPEN_SUFFIX)
            if (self.directory / name).exists():
                continue
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                continue
            break
        warc = _OpenFile(path, fd, self.record_ids())
        headers = [
            ("WARC-Type", "warcinfo"),
            ("WARC-Record-ID", warc.warcinfo_id),
            ("WARC-Date", warc_date(self.clock())),
            ("WARC-Filename", name),
            ("Content-Type", WARC_FIELDS),
        ]
        block = warc_fields(self.warcinfo.items())
        try:
            self._append(warc, [gzip_member(encode_record(headers, [block]), self.gzip_level)])
        except OSError:
            os.close(fd)
            path.unlink(missing_ok=True)
            raise
        self._file = warc
        return warc

    def _append(self, warc: _OpenFile, members: list[bytes]) -> None:
        """Append whole members, or nothing: a failed write is cut off again."""
        try:
            for member in members:
                _write_all(warc.fd, member)
            if self.fsync_each_record:
                os.fsync(warc.fd)
        except OSError:
            try:
                os.ftruncate(warc.fd, warc.size)
                os.lseek(warc.fd, warc.size, os.SEEK_SET)
            except OSError:
                # Leave the file as .open: repair cuts the partial record at the next start.
                log.exception("could not cut %s back to %d bytes", warc.path, warc.size)
                warc.size = -1
            raise
        warc.size += sum(len(member) for member in members)

    def _finish_file(self) -> None:
        warc, self._file = self._file, None
        if warc is None:
            return
        try:
            if warc.size < 0:
                os.close(warc.fd)
                return
            os.fsync(warc.fd)
            os.close(warc.fd)
            os.rename(warc.path, warc.final_path)
            _fsync_directory(self.directory)
            self.closed_files.append(warc.final_path)
            write_cdxj_lines(warc.final_path, warc.cdxj)
        except OSError as exc:
            log.error("closing %s failed: %s", warc.path, exc)
            if self._error is None:
                self._error = WarcWriteError(f"closing {warc.path.name} failed: {exc}")
                self._error.__cause__ = exc


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable, not just the file's bytes."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
