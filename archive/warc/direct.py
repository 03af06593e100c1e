"""Writing exchanges to WARC files on the caller's thread, for a process that only writes.

``WarcWriter`` (writer.py) hands each exchange to a thread of its own, so that a crawl's
reactor never waits for gzip or the disk. The writer process beside a crawl
(archive/pipeline.py) has nothing else to do, and there the thread only cost CPU: a
future, a queue hand-off and a wake-up per record, and the two threads taking the GIL
from each other (measured: 0.23 against 0.17 ms of CPU per article page, written alone).
So that process writes here, in the order it receives: same files, records and failure
model as ``WarcWriter``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path

from archive.model import Capture, Exchange
from archive.warc.exchange import WarcInfo
from archive.warc.series import Lookup, WarcSeries, WarcWriteError

log = logging.getLogger(__name__)

OnWritten = Callable[[Capture, Exchange], None]


class DirectWarcWriter:
    """``WarcWriter``'s ``submit`` and ``close``, done at once on the calling thread.

    After a write error every later ``submit`` raises WarcWriteError; ``close`` still
    closes (and renames) the file, and raises the first error once. ``on_written`` is
    called after each record is handed to the OS; what it raises is logged.
    """

    def __init__(
        self,
        directory: Path | str,
        warcinfo: WarcInfo | Mapping[str, str],
        *,
        host: str | None = None,
        max_size: int,
        gzip_level: int,
        lookup: Lookup | None = None,
        on_written: OnWritten | None = None,
    ) -> None:
        self.series = WarcSeries(
            directory, warcinfo, host=host, max_size=max_size, gzip_level=gzip_level, lookup=lookup
        )
        self.on_written = on_written
        self._error: WarcWriteError | None = None
        self._closed = False

    def submit(self, exchange: Exchange) -> None:
        """Write the exchange's records; WarcWriteError if they cannot be written."""
        if self._error is not None:
            raise WarcWriteError(f"the WARC writer has failed: {self._error}") from self._error
        try:
            capture = self.series.write(exchange)
        except OSError as exc:
            self._error = WarcWriteError(f"writing {exchange.url} failed: {exc}")
            log.error("%s", self._error)
            raise self._error from exc
        except Exception:  # a bad exchange; nothing was written for it
            log.exception("cannot write %s", exchange.url)
            return
        if self.on_written is not None:
            try:
                self.on_written(capture, exchange)
            except Exception:  # the record is written; a failing callback must not stop us
                log.exception("on_written failed for %s", exchange.url)

    def close(self) -> list[Path]:
        """Sync, close and rename the file and write its CDXJ; every file closed."""
        if not self._closed:
            self._closed = True
            try:
                self.series.finish()
            except WarcWriteError as error:
                self._error = self._error or error
            if self._error is not None:
                raise self._error
        return list(self.series.closed_files)

    @property
    def closed_files(self) -> list[Path]:
        return self.series.closed_files
