"""A series of rolling WARC files and the records written into them.

``regarkiv-<timestamp>-<serial>-<host>.warc.gz``, each opening with its warcinfo record,
rolled over at ``max_size``; a response whose payload the same URL already had is written
as a revisit record. Single-threaded: ``WarcWriter`` calls it from its writer thread.
"""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from archive.model import Capture, Exchange
from archive.warc import DEFAULT_GZIP_LEVEL, DEFAULT_MAX_SIZE
from archive.warc.cdxj import cdxj_line
from archive.warc.exchange import (
    REQUIRED_WARCINFO,
    RESPONSE_PAYLOAD_PART,
    Original,
    WarcInfo,
    payload_is_compressed,
    request_record,
    response_record,
    warcinfo_record,
)
from archive.warc.file import WarcFile, warc_name
from archive.warc.latest import LatestResponses
from archive.warc.records import (
    gzip_member,
    new_record_id,
    sha1_digest,
    timestamp14,
    utc,
    warc_date,
)

log = logging.getLogger(__name__)


class _Response(NamedTuple):
    """A response this run wrote, as a revisit of its URL refers to it."""

    record_id: str
    url: str
    fetched_at: datetime


Lookup = Callable[[str, str], Capture | None]


class WarcWriteError(Exception):
    """Records could not be written (disk full, unwritable directory, ...).

    Every record completed before the failure stays in the file; the failed
    record is cut off again, so no file ever holds half a record.
    """


class WarcSeries:
    """The files of one writer: see ``WarcWriter`` for the arguments."""

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
        # Each URL's newest 2xx payload in this run and the response holding it, packed:
        # one entry per URL written (archive/warc/latest.py).
        self._latest = LatestResponses()

    def sync(self) -> None:
        if self._file is not None:
            self._file.sync()

    def write(self, exchange: Exchange) -> Capture:
        """Write the exchange's records (response or revisit, then request); its capture."""
        fetched_at = utc(exchange.fetched_at)
        status = exchange.status
        payload_digest = sha1_digest([exchange.body])
        original = self._original(exchange, status, payload_digest)
        warc = self._file or self._open_file()
        response_id, request_id = self.record_ids(), self.record_ids()
        info_id, level = self._warcinfo_id, self.gzip_level
        response = response_record(exchange, response_id, info_id, payload_digest, original)
        request = request_record(exchange, request_id, info_id, response_id)
        stored = (
            RESPONSE_PAYLOAD_PART if original is None and payload_is_compressed(exchange) else None
        )
        members = [gzip_member(response, level, stored), gzip_member(request, level)]
        offset = warc.append(members, fsync=self.fsync_each_record)
        capture = Capture(
            url=exchange.url,
            fetched_at=fetched_at,
            status=status,
            record_type="revisit" if original else "response",
            record_id=response_id,
            warc_file=warc.final_name,
            offset=offset,
            length=len(members[0]),
            payload_digest=payload_digest,
            content_type=exchange.header("Content-Type"),
            refers_to=original.record_id if original else None,
        )
        warc.cdxj.append(cdxj_line(capture))
        if 200 <= status < 300:
            holder = original if original is not None else capture
            self._latest.put(exchange.url, payload_digest, holder.record_id, holder.fetched_at)
        if warc.size >= self.max_size:
            self.finish()
        return capture

    def _original(self, exchange: Exchange, status: int, payload_digest: str) -> Original | None:
        """The earlier response this one may refer to: same URL and payload, both 2xx, and
        nothing else 2xx of that URL in between (A, B, A is a full response again)."""
        if not 200 <= status < 300:
            return None
        original: Capture | None = None
        latest = self._latest.get(exchange.url)
        if latest is not None:
            digest, record_id, fetched_at = latest
            if digest != payload_digest:
                return None
            return _Response(record_id, exchange.url, fetched_at)  # written as a response
        if self.lookup is not None:
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

    def finish(self) -> None:
        """Close, sync and rename the current file; WarcWriteError if that failed."""
        warc, self._file = self._file, None
        if warc is None:
            return
        try:
            warc.finish()
        except OSError as exc:
            log.error("closing %s failed: %s", warc.path.name, exc)
            if warc.final_path.exists():
                self.closed_files.append(warc.final_path)
            raise WarcWriteError(f"closing {warc.path.name} failed: {exc}") from exc
        if warc.final_path.exists():
            self.closed_files.append(warc.final_path)
