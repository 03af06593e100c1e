"""One WARC file while it is written: ``<name>.warc.gz.open`` until it is finished.

The file only ever grows by whole gzip members. A failed write is cut off
again, so the file holds complete records only; if even that fails, the file
keeps its ``.open`` name and the repair at the next start cuts it.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from archive.warc.cdxj import write_cdxj_lines
from archive.warc.cdxj_runs import CdxjRuns

log = logging.getLogger(__name__)

OPEN_SUFFIX = ".open"


def warc_name(prefix: str, timestamp14: str, serial: int, host: str) -> str:
    """IIPC's recommended ``Prefix-Timestamp-Serial-Crawlhost.warc.gz``."""
    return f"{prefix}-{timestamp14}-{serial:05d}-{host}.warc.gz"


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


@dataclass
class WarcFile:
    path: Path  # with the .open suffix
    fd: int
    size: int = 0
    cdxj: CdxjRuns = field(init=False)  # lines for the records written so far
    damaged: bool = False  # a failed record could not be cut off: leave the file to repair
    # Computed once: the writer names the file in every capture, and Path is slow.
    final_path: Path = field(init=False)
    final_name: str = field(init=False)

    def __post_init__(self) -> None:
        self.final_path = self.path.with_name(self.path.name.removesuffix(OPEN_SUFFIX))
        self.final_name = self.final_path.name
        self.cdxj = CdxjRuns(self.path.parent)

    @classmethod
    def create(cls, directory: Path, name: str) -> WarcFile:
        """Create ``name.open``; FileExistsError if it, or the finished file, exists."""
        if (directory / name).exists():
            raise FileExistsError(directory / name)
        path = directory / (name + OPEN_SUFFIX)
        return cls(path, os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))

    def append(self, members: list[bytes], *, fsync: bool = False) -> int:
        """Append whole gzip members, or nothing; returns the offset of the first.

        Each member goes to the OS in one write call, so a killed process
        leaves only complete members behind (a power cut may still leave a
        partial one, which repair removes).
        """
        offset = self.size
        try:
            for member in members:
                _write_all(self.fd, member)
            if fsync:
                os.fsync(self.fd)
        except OSError:
            self._cut_back()
            raise
        self.size += sum(len(member) for member in members)
        return offset

    def _cut_back(self) -> None:
        try:
            os.ftruncate(self.fd, self.size)
            os.lseek(self.fd, self.size, os.SEEK_SET)
        except OSError:
            log.exception("could not cut %s back to %d bytes", self.path, self.size)
            self.damaged = True

    def sync(self) -> None:
        os.fsync(self.fd)

    def finish(self) -> Path:
        """Sync, close, take the final name, write the CDXJ; returns the final path.

        A damaged file is only closed: it keeps its ``.open`` name for repair.
        """
        try:
            if self.damaged:
                self.cdxj.close()
                return self.path
            os.fsync(self.fd)
        finally:
            os.close(self.fd)
        os.rename(self.path, self.final_path)
        _fsync_directory(self.path.parent)
        try:
            write_cdxj_lines(self.final_path, self.cdxj.sorted(), presorted=True)
        finally:
            self.cdxj.close()
        return self.final_path

    def discard(self) -> None:
        """Close and delete: for a file whose warcinfo record could not be written."""
        os.close(self.fd)
        self.cdxj.close()
        self.path.unlink(missing_ok=True)


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable, not just the file's bytes."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
