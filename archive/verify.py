"""Fixity: every record's digests, index ↔ WARC agreement, and a SHA-256 manifest.

The manifest (``DATA/manifest-sha256.txt``, ``<sha256>  warcs/<name>`` lines as
``sha256sum`` and BagIt write them) covers closed WARC files only: an ``.open``
file is still growing. A file already in the manifest whose hash changed is a
fixity failure, never silently re-recorded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from archive.datadir import DataDir
from archive.index.store import Index
from archive.warc.reader import read_record_at, verify_file
from archive.warc.records import MalformedRecord


@dataclass(frozen=True)
class Finding:
    kind: str  # digest, framing, index-mismatch, missing-file, unreferenced-file, fixity
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.where}: {self.message}"


@dataclass
class VerifyReport:
    files: int = 0
    records_checked: int = 0
    captures_checked: int = 0
    findings: list[Finding] = field(default_factory=list)
    manifest_added: int = 0

    @property
    def ok(self) -> bool:
        return not self.findings

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "files": self.files,
            "captures_checked": self.captures_checked,
            "manifest_added": self.manifest_added,
            "problems": [f.__dict__ for f in self.findings],
        }


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_manifest(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    entries = {}
    for line in path.read_text().splitlines():
        if line.strip():
            digest, _, name = line.partition("  ")
            entries[name.strip()] = digest.strip()
    return entries


def _captures(index: Index) -> Iterator[tuple[int, str, int, str, str]]:
    yield from index.conn.execute(
        "SELECT id, warc_file, offset, record_id, payload_digest FROM captures ORDER BY id"
    )


def verify(data: DataDir, index: Index | None) -> VerifyReport:
    """Check everything in the data directory and update the manifest with new closed files."""
    report = VerifyReport()
    files = sorted(data.warcs.glob("*.warc.gz")) if data.has_warcs() else []
    report.files = len(files)
    for path in files:
        for problem in verify_file(path):
            report.findings.append(
                Finding("digest", f"{path.name}@{problem.offset}", problem.message)
            )
    if index is not None:
        _check_index(data, index, files, report)
    _check_manifest(data, files, report)
    return report


def _check_index(data: DataDir, index: Index, files: list[Path], report: VerifyReport) -> None:
    """Every capture points at a record with its id and digest; every file is referenced."""
    referenced: set[str] = set()
    present = {path.name for path in files}
    for capture_id, warc_file, offset, record_id, digest in _captures(index):
        report.captures_checked += 1
        referenced.add(warc_file)
        where = f"capture {capture_id} ({warc_file}@{offset})"
        if warc_file not in present:
            if not (data.warcs / (warc_file + ".open")).exists():
                report.findings.append(Finding("missing-file", where, "WARC file is missing"))
            continue
        try:
            record = read_record_at(data.warcs / warc_file, offset)
        except (MalformedRecord, OSError) as error:
            report.findings.append(Finding("index-mismatch", where, f"unreadable: {error}"))
            continue
        if record.capture.record_id != record_id:
            found = record.capture.record_id
            message = f"record id {found}, index says {record_id}"
            report.findings.append(Finding("index-mismatch", where, message))
        elif record.capture.payload_digest != digest:
            message = "payload digest differs from the index"
            report.findings.append(Finding("index-mismatch", where, message))
    for name in sorted(present - referenced):
        report.findings.append(
            Finding("unreferenced-file", name, "no capture in the index points at it")
        )


def _check_manifest(data: DataDir, files: list[Path], report: VerifyReport) -> None:
    """Closed files keep the hash the manifest first recorded; new ones are added to it."""
    manifest = read_manifest(data.manifest)
    for path in files:
        key = f"warcs/{path.name}"
        digest = sha256_file(path)
        if key not in manifest:
            manifest[key] = digest
            report.manifest_added += 1
        elif manifest[key] != digest:
            report.findings.append(
                Finding("fixity", key, f"sha256 {digest} differs from the manifest's")
            )
    for key in sorted(manifest):
        if not (data.root / key).exists():
            report.findings.append(Finding("missing-file", key, "listed in the manifest"))
    if files or manifest:
        tmp = data.manifest.with_suffix(".tmp")
        tmp.write_text("".join(f"{manifest[k]}  {k}\n" for k in sorted(manifest)))
        tmp.replace(data.manifest)
