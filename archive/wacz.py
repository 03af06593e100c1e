"""Packaging an archive as a WACZ file (Web Archive Collection Zipped, version 1.1.1), the
file ReplayWeb.page opens and py-wacz validates.

```
OUT.wacz (ZIP)
  archive/regarkiv-….warc.gz   the WARC files, whole and byte for byte, STORED (already gzip)
  indexes/index.cdxj           the CDXJ lines of those files, merged in order (DEFLATED)
  pages/pages.jsonl            a header, then one page per article and listing page
  datapackage.json             every file above with its path, sha256 and size
  datapackage-digest.json      the sha256 of datapackage.json
```

Which files and pages a selection brings is ``archive.wacz_pages``. Memory stays constant
whatever the archive's size: each WARC file is streamed into the ZIP in ``CHUNK`` pieces,
hashed as it goes; the index is a streaming merge of the sorted ``.cdxj`` files beside the
WARC files; the page list is read from the index with a cursor. A WARC file whose SHA-256
differs from the one the fixity manifest recorded is not exported (the export fails).

The WACZ is written to a new temporary file beside ``OUT`` and renamed into place only
when whole, so ``OUT`` is either the finished file or untouched.
"""

from __future__ import annotations

import contextlib
import hashlib
import heapq
import io
import itertools
import json
import os
import tempfile
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from archive import __version__
from archive.datadir import DataDir
from archive.index.jobs import get_job
from archive.manifest import read_manifest
from archive.wacz_pages import (
    ExportError,
    Page,
    Selection,
    article_pages,
    listing_pages,
    selected_files,
)
from archive.warc.cdxj import cdxj_line, cdxj_path
from archive.warc.reader import iter_records

__all__ = ["ExportError", "ExportReport", "Selection", "export_wacz"]

WACZ_VERSION = "1.1.1"
# Large enough that the copy runs at the disk's and SHA-256's pace, small enough not to count.
CHUNK = 1024 * 1024
PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "All Pages", "hasText": True}


@dataclass
class ExportReport:
    """What ``export_wacz`` wrote."""

    path: str
    selection: str
    warc_files: int = 0
    warc_bytes: int = 0
    pages: int = 0
    index_lines: int = 0
    wacz_bytes: int = 0
    seconds: float = 0.0
    skipped_open: list[str] = field(default_factory=list)  # files a crawl is still writing

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Resource:
    """A ``datapackage.json`` resource: one file of the WACZ."""

    path: str
    hash: str
    bytes: int

    def as_dict(self) -> dict[str, Any]:
        name = Path(self.path).name.lower()
        return {"name": name, "path": self.path, "hash": self.hash, "bytes": self.bytes}


def export_wacz(
    data: DataDir, out: Path, selection: Selection | None = None, *, force: bool = False
) -> ExportReport:
    """Write the selected part of the archive (all of it by default) as the WACZ file
    ``out``; raises ``ExportError`` (or ``NoArchive``, ``JobNotFound``) with a one-line
    reason."""
    started = time.monotonic()
    out, selection = Path(out), selection or Selection()
    _check_target(out, force)
    index = data.open_readonly()
    try:
        if selection.job_id is not None:
            job = get_job(index, selection.job_id)
            selection = Selection(job_id=job.id, since=selection.since)
        names = _warc_names(data, selection, selected_files(index.conn, selection))
        report = ExportReport(path=str(out), selection=selection.describe())
        report.skipped_open = [name for name in names if _still_open(data, name)]
        names = [name for name in names if name not in report.skipped_open]
        if not names:
            raise ExportError(f"nothing to export: no closed WARC file holds {report.selection}")
        # Listing pages are read now (a few hundred), so the article cursor streams later.
        listings = list(listing_pages(index.conn, selection, data.warcs))
        pages = itertools.chain(listings, article_pages(index.conn, selection))
        with _atomic_zip(out, force) as package:
            _write_package(package, data, names, pages, selection, report)
    finally:
        index.close()
    report.wacz_bytes = out.stat().st_size
    report.seconds = round(time.monotonic() - started, 3)
    return report


def _write_package(
    package: Package,
    data: DataDir,
    names: list[str],
    pages: Iterable[Page],
    selection: Selection,
    report: ExportReport,
) -> None:
    manifest, _ = read_manifest(data.manifest)
    for name in names:
        resource = package.copy_file(data.warcs / name, f"archive/{name}")
        recorded = manifest.get(f"warcs/{name}")
        if recorded is not None and resource.hash != f"sha256:{recorded}":
            raise ExportError(
                f"{data.warcs / name} changed since the manifest recorded it: not exported "
                "(run `regarkiv verify`)"
            )
        report.warc_files += 1
        report.warc_bytes += resource.bytes
    lines = _index_lines(data.warcs, names)
    report.index_lines = package.write_lines("indexes/index.cdxj", lines)
    page_lines = (json.dumps(page.as_dict(), ensure_ascii=False) + "\n" for page in pages)
    header = json.dumps(PAGES_HEADER) + "\n"
    report.pages = (
        package.write_lines("pages/pages.jsonl", itertools.chain([header], page_lines)) - 1
    )
    package.finish(title=f"regjeringen.no: {selection.describe()}")


def _check_target(out: Path, force: bool) -> None:
    if out.suffix != ".wacz":
        raise ExportError(f"{out}: a WACZ file's name must end in .wacz")
    if out.is_dir():
        raise ExportError(f"{out} is a directory")
    if out.exists() and not force:
        raise ExportError(f"{out} exists (use --force to replace it)")
    if not out.parent.is_dir():
        raise ExportError(f"cannot write {out}: no directory {out.parent}")


def _warc_names(data: DataDir, selection: Selection, indexed: list[str]) -> list[str]:
    """The index's names for a selection; for the whole archive, every WARC file there is
    (the WARC files are the source of truth: one the index lacks is exported too)."""
    missing = [name for name in indexed if not _present(data, name)]
    if missing:
        raise ExportError(
            f"{len(missing)} WARC files named by the index are not in {data.warcs} "
            f"({missing[0]}, ...): run `regarkiv verify`"
        )
    if not selection.everything:
        return indexed
    on_disk = {path.name for path in data.warcs.glob("*.warc.gz") if path.is_file()}
    return sorted(on_disk | set(indexed))


def _present(data: DataDir, name: str) -> bool:
    return (data.warcs / name).is_file() or _still_open(data, name)


def _still_open(data: DataDir, name: str) -> bool:
    return not (data.warcs / name).is_file() and (data.warcs / f"{name}.open").is_file()


def _index_lines(warcs: Path, names: list[str]) -> Iterator[str]:
    """The CDXJ lines of the files, in order: a streaming merge of their sorted ``.cdxj``
    files (one open file each); a file without one is indexed from its records."""
    with contextlib.ExitStack() as stack:
        sources: list[Iterable[str]] = []
        for name in names:
            cdxj = cdxj_path(warcs / name)
            if cdxj.is_file():
                sources.append(stack.enter_context(open(cdxj, encoding="utf-8")))
            else:
                lines = (cdxj_line(record.capture) for record in iter_records(warcs / name))
                sources.append(sorted(lines))
        yield from heapq.merge(*sources)


@contextlib.contextmanager
def _atomic_zip(out: Path, force: bool) -> Iterator[Package]:
    """A ``Package`` writing to a new file beside ``out``, renamed to ``out`` when whole."""
    try:
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    except OSError as error:
        raise ExportError(f"cannot write {out}: {error.strerror}") from None
    try:
        with os.fdopen(fd, "w+b") as raw, zipfile.ZipFile(raw, "w", allowZip64=True) as zf:
            package = Package(zf)
            yield package
        os.chmod(tmp, 0o644)
        with open(tmp, "rb") as done:
            os.fsync(done.fileno())
        if force:
            os.replace(tmp, out)
        else:  # never over a file that appeared meanwhile
            os.link(tmp, out)
            os.unlink(tmp)
    except FileExistsError:
        raise ExportError(f"{out} exists (use --force to replace it)") from None
    except OSError as error:
        raise ExportError(f"cannot write {out}: {error.strerror}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


class Package:
    """The ZIP being written, and the resources ``datapackage.json`` will list."""

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        self.resources: list[Resource] = []
        self.created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def _entry(self, path: str, compress: int, size: int = 0) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(path, date_time=time.gmtime()[:6])
        info.compress_type = compress
        info.file_size = size  # a size past 2 GiB makes zipfile write ZIP64 headers
        info.external_attr = 0o644 << 16
        return info

    def copy_file(self, source: Path, path: str) -> Resource:
        """Stream ``source`` into the ZIP, STORED, hashing it on the way."""
        digest, size = hashlib.sha256(), 0
        buffer = bytearray(CHUNK)  # one buffer, reused: no allocation per chunk
        view = memoryview(buffer)
        with _reading(source) as fh:
            info = self._entry(path, zipfile.ZIP_STORED, os.fstat(fh.fileno()).st_size)
            with self.zf.open(info, "w") as entry:
                while count := _read_into(source, fh, buffer):
                    chunk = view[:count]
                    digest.update(chunk)
                    entry.write(chunk)
                    size += count
        return self._add(path, digest, size)

    def write_lines(self, path: str, lines: Iterable[str]) -> int:
        """Write text lines, DEFLATED, hashing them; returns how many there were."""
        digest, size, count = hashlib.sha256(), 0, 0
        info = self._entry(path, zipfile.ZIP_DEFLATED)
        with self.zf.open(info, "w") as entry:
            buffer: list[bytes] = []
            for line in lines:
                buffer.append(line.encode("utf-8"))
                count += 1
                if len(buffer) >= 1024:
                    size += _write(entry, digest, b"".join(buffer))
                    buffer.clear()
            size += _write(entry, digest, b"".join(buffer))
        self._add(path, digest, size)
        return count

    def _add(self, path: str, digest: Any, size: int) -> Resource:
        resource = Resource(path=path, hash=f"sha256:{digest.hexdigest()}", bytes=size)
        self.resources.append(resource)
        return resource

    def finish(self, title: str) -> None:
        """Write ``datapackage.json`` and ``datapackage-digest.json``."""
        package = {
            "profile": "data-package",
            "resources": [resource.as_dict() for resource in self.resources],
            "title": title,
            "created": self.created,
            "wacz_version": WACZ_VERSION,
            "software": f"regarkiv {__version__}",
        }
        encoded = json.dumps(package, indent=2, ensure_ascii=False).encode("utf-8")
        self.zf.writestr(self._entry("datapackage.json", zipfile.ZIP_DEFLATED), encoded)
        digest = {
            "path": "datapackage.json",
            "hash": f"sha256:{hashlib.sha256(encoded).hexdigest()}",
        }
        self.zf.writestr(
            self._entry("datapackage-digest.json", zipfile.ZIP_DEFLATED),
            json.dumps(digest, indent=2).encode("utf-8"),
        )


def _reading(source: Path) -> io.FileIO:
    """``source`` opened unbuffered; a WARC file that cannot be read is named as such, not
    taken for the output failing."""
    try:
        return open(source, "rb", buffering=0)
    except OSError as error:
        raise ExportError(f"cannot read {source}: {error.strerror}") from None


def _read_into(source: Path, fh: io.FileIO, buffer: bytearray) -> int:
    try:
        return fh.readinto(buffer)
    except OSError as error:
        raise ExportError(f"cannot read {source}: {error.strerror}") from None


def _write(entry: IO[bytes], digest: Any, data: bytes) -> int:
    digest.update(data)
    entry.write(data)
    return len(data)
