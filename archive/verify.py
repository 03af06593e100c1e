"""Fixity: every record's digests, index ↔ WARC agreement, and a SHA-256 manifest.

Three checks, each reported as findings (``Finding``), never as an exception:

- the WARC files: every record's framing and digests, ``.open`` files a crawl left behind
  too (what their complete records hold; the next crawl repairs them), and anything in
  ``warcs/`` that is not a regular file (a planted link is never read through);
- the index against them: SQLite's check of its pages, then every capture points at a
  record with its id and digest, and every response or revisit record is in the index (an
  indexer that died mid-crawl leaves records only ``regarkiv reindex`` would find);
- the manifest (``archive.manifest``): recorded files keep their hash; new sound files are
  added. On read-only media the update is skipped and the report says so.

Verify only reads the index, and refuses to run while a crawl is writing the directory: its
open files and index are moving, and what it found would not hold.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from archive.completeness import Completeness, completeness
from archive.datadir import DataDir, NoArchive
from archive.index.store import Index, UnusableIndex
from archive.lock import DataDirLocked
from archive.manifest import check_manifest, sha256_file
from archive.verify_split import FileCheck, SplitWalk
from archive.warc.reader import Seen, read_record_at
from archive.warc.records import MalformedRecord

OPEN_SUFFIX = ".open"
CUT_SHORT = "gzip member is cut short"
# Record ids looked up in the index per query: far below SQLite's 32,766 variables.
BATCH = 500
MISSING = "WARC file is missing"
QUICK_CHECK_LINES = 3  # what SQLite says of a damaged index: its first few problems


@dataclass(frozen=True)
class Finding:
    # digest, open-file, not-a-file, index, index-mismatch, unindexed, missing-file,
    # unreferenced-file, fixity, manifest
    kind: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.where}: {self.message}"


@dataclass
class VerifyReport:
    files: int = 0
    open_files: int = 0
    records_checked: int = 0
    captures_checked: int = 0
    unindexed_records: int = 0
    findings: list[Finding] = field(default_factory=list)
    manifest_added: int = 0
    manifest_note: str | None = None  # why the manifest was not updated (read-only media)
    # What archived pages reference that the archive lacks (not a problem: see the module).
    completeness: Completeness | None = None

    @property
    def ok(self) -> bool:
        return not self.findings

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "files": self.files,
            "open_files": self.open_files,
            "records_checked": self.records_checked,
            "captures_checked": self.captures_checked,
            "unindexed_records": self.unindexed_records,
            "manifest_added": self.manifest_added,
            "manifest_note": self.manifest_note,
            "problems": [f.__dict__ for f in self.findings],
            "completeness": self.completeness.as_dict() if self.completeness else None,
        }


@dataclass
class _File:
    path: Path
    name: str  # the name captures use: an .open file's final name
    is_open: bool
    records: list[Seen] = field(default_factory=list)  # its response and revisit records
    sound: bool = True
    by_offset: dict[int, Seen] = field(default_factory=dict)  # records, once they are read


def verify(data: DataDir) -> VerifyReport:
    """Check everything in the data directory and record new sound files in the manifest."""
    pid = data.crawl_running()
    if pid is not None:
        raise DataDirLocked(
            f"a crawl is running on {data.root} (pid {pid}): verify once it has finished"
        )
    report = VerifyReport()
    files = list(_warc_files(data, report))
    # The records are checked by this process and a child forked now, before any thread
    # starts here (a fork copies other threads' locks in whatever state), on two cores.
    split = (os.cpu_count() or 1) >= 2 and threading.active_count() == 1
    walk = SplitWalk([warc.path for warc in files], split=split)
    try:
        # SQLite's check of the index's pages and each closed file's SHA-256 for the
        # manifest are made by threads meanwhile (hashlib and SQLite let go of the GIL):
        # of the 3,000-article benchmark archive's 0.48 s, 29 and 37 ms.
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="verify") as beside:
            checked = beside.submit(_quick_check, data) if data.has_index() else None
            hashes = {w.path: beside.submit(sha256_file, w.path) for w in files if not w.is_open}
            for warc, check in zip(files, walk.finish(), strict=True):
                _check_file(warc, check, report)
            quick_check = checked.result() if checked is not None else None
            _check_the_rest(data, files, report, quick_check, lambda path: hashes[path].result())
    finally:
        walk.close()
    return report


def _check_the_rest(
    data: DataDir,
    files: list[_File],
    report: VerifyReport,
    quick_check: list[str] | None,
    sha256: Callable[[Path], str],
) -> None:
    """The index against the files, completeness, and the manifest."""
    index = _open_index(data, report, bool(files))
    if index is not None:
        with index:
            try:
                if _index_is_whole(index, report, quick_check):
                    _check_index(index, files, report)
                    report.completeness = completeness(index, data.warcs)
            except sqlite3.DatabaseError as error:
                report.findings.append(Finding("index", "index.db", f"cannot read: {error}"))
    closed = [warc for warc in files if not warc.is_open]
    check = check_manifest(
        data, [w.path for w in closed], {w.name for w in closed if w.sound}, sha256
    )
    report.manifest_added, report.manifest_note = check.added, check.skipped
    for key, message in check.fixity:
        report.findings.append(Finding("fixity", key, message))
    for key in check.missing:
        report.findings.append(Finding("missing-file", key, "listed in the manifest"))
    for problem in check.unreadable:
        report.findings.append(Finding("manifest", "manifest-sha256.txt", problem))
    if check.write_error:
        report.findings.append(Finding("manifest", "manifest-sha256.txt", check.write_error))


def _warc_files(data: DataDir, report: VerifyReport) -> Iterator[_File]:
    """The WARC files, closed and open, that are regular files; the rest are findings."""
    if not data.has_warcs():
        return
    for path in sorted(data.warcs.iterdir()):
        if not path.name.endswith((".warc.gz", ".warc.gz" + OPEN_SUFFIX)):
            continue
        mode = path.lstat().st_mode
        if not stat.S_ISREG(mode):
            what = "a symbolic link" if stat.S_ISLNK(mode) else "not a regular file"
            message = f"{what}: not read, not recorded in the manifest"
            report.findings.append(Finding("not-a-file", f"warcs/{path.name}", message))
            continue
        is_open = path.name.endswith(OPEN_SUFFIX)
        report.files += 1
        report.open_files += is_open
        yield _File(path, path.name.removesuffix(OPEN_SUFFIX), is_open)


def _check_file(warc: _File, check: FileCheck, report: VerifyReport) -> None:
    problems, warc.records = check.problems, check.captures
    warc.by_offset = {seen.offset: seen for seen in warc.records}
    report.records_checked += len(warc.records)
    tail = None
    if warc.is_open and problems and problems[-1].message.startswith(CUT_SHORT):
        tail = problems.pop()  # the record being written when the crawl stopped
    for problem in problems:
        where = f"{warc.path.name}@{problem.offset}"
        report.findings.append(Finding("digest", where, problem.message))
    warc.sound = not problems
    if warc.is_open:
        warc.sound = False
        held = f"{len(warc.records)} complete response/revisit records"
        if tail is not None:
            held += f", then an incomplete record at offset {tail.offset}"
        report.findings.append(
            Finding(
                "open-file",
                warc.path.name,
                f"left open by a crawl that did not close it ({held}); "
                "the next crawl repairs it and indexes what it holds",
            )
        )


def _open_index(data: DataDir, report: VerifyReport, any_files: bool) -> Index | None:
    if not data.has_index():
        if any_files:
            message = "there is no index: `regarkiv reindex` builds it from the WARC files"
            report.findings.append(Finding("index", "index.db", message))
        return None
    try:
        return data.open_readonly()
    except (UnusableIndex, NoArchive) as error:
        report.findings.append(Finding("index", "index.db", str(error)))
        return None


def _quick_check(data: DataDir) -> list[str] | None:
    """``quick_check``'s lines over a connection of its own, or None where the index does
    not open (``_open_index`` then says why)."""
    try:
        with data.open_readonly() as index:
            return _quick_check_lines(index)
    except (UnusableIndex, NoArchive, sqlite3.Error):
        return None


def _quick_check_lines(index: Index) -> list[str]:
    return [row[0] for row in index.conn.execute(f"PRAGMA quick_check({QUICK_CHECK_LINES})")]


def _index_is_whole(index: Index, report: VerifyReport, found: list[str] | None) -> bool:
    """SQLite's own check of every page of the index (``quick_check``): damaged pages can
    read as rows that are not there, so nothing else is checked against a damaged index.
    ``found``: its lines, if it was made already."""
    if found is None:
        found = _quick_check_lines(index)
    if found == ["ok"]:
        return True
    lines = [line.strip() for text in found for line in text.splitlines()]
    detail = "; ".join(line for line in lines if line and not line.startswith("***"))
    hint = "`regarkiv reindex` rebuilds it from the WARC files"
    report.findings.append(Finding("index", "index.db", f"damaged ({detail}): {hint}"))
    return False


def _check_index(index: Index, files: list[_File], report: VerifyReport) -> None:
    """Every capture points at a record with its id and digest; every record is indexed."""
    by_name = {warc.name: warc for warc in files}
    referenced: set[str] = set()
    rows = index.conn.execute(
        "SELECT id, warc_file, offset, record_id, payload_digest FROM captures ORDER BY id"
    )
    for capture_id, warc_file, offset, record_id, digest in rows:
        report.captures_checked += 1
        referenced.add(warc_file)
        where = f"capture {capture_id} ({warc_file}@{offset})"
        message = _capture_problem(by_name.get(warc_file), offset, record_id, digest)
        if message is not None:
            kind = "missing-file" if message == MISSING else "index-mismatch"
            report.findings.append(Finding(kind, where, message))
            if warc_file in by_name and kind == "index-mismatch":
                by_name[warc_file].sound = False
    for warc in files:
        missing = _unindexed(index, warc.records)
        report.unindexed_records += len(missing)
        if missing:
            report.findings.append(
                Finding(
                    "unindexed",
                    warc.path.name,
                    f"{len(missing)} of {len(warc.records)} response/revisit records are not "
                    f"in the index (the first at offset {min(missing)}): "
                    "`regarkiv reindex` indexes them",
                )
            )
        elif warc.name not in referenced and not warc.is_open:
            message = "no capture in the index points at it (its records are indexed elsewhere)"
            report.findings.append(Finding("unreferenced-file", warc.path.name, message))


def _capture_problem(warc: _File | None, offset: int, record_id: str, digest: str) -> str | None:
    """What is wrong with the capture's record: checked against what the file pass read
    there (each record is read once), and read again only when the pass found no capture
    record at that offset (then reading it says why)."""
    if warc is None:
        return MISSING
    seen = warc.by_offset.get(offset)
    if seen is None or seen.payload_digest is None:
        try:
            record = read_record_at(warc.path, offset).capture
        except (MalformedRecord, OSError) as error:
            return f"unreadable: {error}"
        seen = Seen(record.record_id, offset, record.length, record.payload_digest)
    if seen.record_id != record_id:
        return f"record id {seen.record_id}, index says {record_id}"
    if seen.payload_digest != digest:
        return "payload digest differs from the index"
    return None


def _unindexed(index: Index, records: list[Seen]) -> list[int]:
    """The offsets of the records whose id no capture in the index has."""
    missing = []
    for start in range(0, len(records), BATCH):
        batch = records[start : start + BATCH]
        marks = ", ".join("?" * len(batch))
        known = {
            row[0]
            for row in index.conn.execute(
                f"SELECT record_id FROM captures WHERE record_id IN ({marks})",
                [seen.record_id for seen in batch],
            )
        }
        missing += [seen.offset for seen in batch if seen.record_id not in known]
    return missing
