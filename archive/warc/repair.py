"""Finishing WARC files that a crashed crawl left open.

The writer appends whole gzip members and hands each to the OS at once, so
after ``kill -9`` an ``.open`` file holds complete records followed by at
most one partial member. Repair keeps the complete records, cuts the rest,
and gives the file its final name and CDXJ, as a clean close would have.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from archive.warc.cdxj import cdxj_path, write_cdxj
from archive.warc.file import OPEN_SUFFIX
from archive.warc.members import iter_members
from archive.warc.records import MalformedRecord, digest_matches, parse_record

log = logging.getLogger(__name__)


class RepairError(Exception):
    """An open file could not be repaired; it is left as it was."""


@dataclass(frozen=True)
class RepairReport:
    open_path: Path
    warc_path: Path | None  # the repaired file; None when the file was removed
    records_kept: int
    bytes_cut: int
    reason: str | None = None  # why the tail was cut, if it was

    @property
    def removed(self) -> bool:
        return self.warc_path is None


def repair_open_files(directory: Path) -> list[RepairReport]:
    """Repair every ``*.warc.gz.open`` in ``directory``; run before a crawl starts.

    A file without one complete record (the crash came before its warcinfo
    record was written) holds nothing worth keeping and is removed. Finished
    WARC files whose CDXJ is missing (a crash between rename and index) get it.
    """
    directory = Path(directory)
    reports = [repair_file(path) for path in sorted(directory.glob("*.warc.gz" + OPEN_SUFFIX))]
    for stale in directory.glob("*.cdxj.tmp"):
        stale.unlink()
    for warc in sorted(directory.glob("*.warc.gz")):
        if not cdxj_path(warc).exists():
            log.warning("%s has no CDXJ; writing it", warc.name)
            write_cdxj(warc)
    return reports


def repair_file(open_path: Path) -> RepairReport:
    final = open_path.with_name(open_path.name.removesuffix(OPEN_SUFFIX))
    if final == open_path or final.exists():
        raise RepairError(f"cannot repair {open_path}: {final.name} already exists")
    kept, good_end, reason = _complete_prefix(open_path)
    size = open_path.stat().st_size
    if kept == 0:
        open_path.unlink()
        log.warning("%s: no complete record, removed (%d bytes)", open_path.name, size)
        return RepairReport(open_path, None, 0, size, reason)
    with open(open_path, "r+b") as fh:
        fh.truncate(good_end)
        fh.flush()
        os.fsync(fh.fileno())
    os.rename(open_path, final)
    write_cdxj(final)
    cut = size - good_end
    if cut:
        log.warning("%s: cut %d bytes after %d records: %s", final.name, cut, kept, reason)
    return RepairReport(open_path, final, kept, cut, reason)


def _complete_prefix(path: Path) -> tuple[int, int, str | None]:
    """Records in the longest run of complete, valid records; where it ends; why it ends."""
    kept = 0
    end = 0
    with open(path, "rb") as fh:
        for member in iter_members(fh, resync=False):
            if member.data is None:
                return kept, end, member.error
            try:
                record = parse_record(member.data)
            except MalformedRecord as exc:
                return kept, end, str(exc)
            digest = record.header("WARC-Block-Digest")
            if digest is not None and not digest_matches(digest, record.block):
                return kept, end, "block digest mismatch"
            if kept == 0 and record.record_type != "warcinfo":
                return kept, end, "file does not start with a warcinfo record"
            kept += 1
            end = member.offset + member.length
    return kept, end, None
