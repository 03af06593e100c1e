"""CDXJ index files next to each WARC, in the format pywb's ``cdx-indexer --cdxj`` writes.

One line per response or revisit record (pywb leaves out request and warcinfo
records): ``SURT-key 14-digit-timestamp {json}``, sorted. pywb finds a URL by
its SURT key, so the key must come from the same canonicalizer pywb uses at
lookup time: the ``surt`` package's (archive/warc/surt_key.py gives its keys without
importing it for the URLs a crawl writes).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterable
from pathlib import Path

from archive.model import Capture
from archive.warc.reader import iter_records
from archive.warc.records import timestamp14
from archive.warc.surt_key import surt_key

# pywb keeps only the media type of a Content-Type: "text/html; charset=utf-8" -> "text/html".
_MIME_END = re.compile("[; ]")


def cdxj_path(warc_path: Path) -> Path:
    """``regarkiv-….warc.gz`` (or ``.warc.gz.open``) -> ``regarkiv-….cdxj`` beside it."""
    name = warc_path.name.removesuffix(".open").removesuffix(".gz").removesuffix(".warc")
    return warc_path.with_name(name + ".cdxj")


def cdxj_line(capture: Capture) -> str:
    """The line pywb writes for this record, field for field and in its order."""
    fields: dict[str, str] = {"url": capture.url}
    if capture.record_type == "revisit":
        fields["mime"] = "warc/revisit"
    else:
        content_type = capture.content_type
        fields["mime"] = _MIME_END.split(content_type, 1)[0] if content_type else "unk"
        fields["status"] = str(capture.status)
    fields["digest"] = capture.payload_digest.removeprefix("sha1:")
    fields["length"] = str(capture.length)
    fields["offset"] = str(capture.offset)
    # pywb drops empty and "-" values rather than writing them.
    kept = {key: value for key, value in fields.items() if value and value != "-"}
    kept["filename"] = capture.warc_file
    key = surt_key(capture.url)
    return f"{key} {timestamp14(capture.fetched_at)} {json.dumps(kept)}\n"


def write_cdxj_lines(warc_path: Path, lines: Iterable[str], *, presorted: bool = False) -> Path:
    """Write the lines, sorted (``presorted``: they come in order, streamed), to the WARC's
    CDXJ file; atomic, so readers never see half of it."""
    target = cdxj_path(warc_path)
    partial = target.with_name(target.name + ".tmp")
    # A leftover, or a link planted there: removed, never written through (O_EXCL).
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with open(fd, "w", encoding="utf-8", newline="") as out:
        out.writelines(lines if presorted else sorted(lines))  # plain string order, as pywb
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, target)
    return target


def write_cdxj(warc_path: Path) -> Path:
    """Index a finished WARC file; returns the CDXJ path. Unreadable records are left out."""
    warc_path = Path(warc_path)
    return write_cdxj_lines(warc_path, (cdxj_line(r.capture) for r in iter_records(warc_path)))
