"""Reading our WARC files back: record by record, never a whole file at once.

Each record is one gzip member, so the reader walks members itself
(``iter_members``): it knows every record's offset and compressed length, and
after a damaged member it finds the next good one instead of giving up on the
rest of the file.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from archive.model import Capture, Headers, find_header
from archive.warc import inflate
from archive.warc.members import GZIP_WBITS, Member, iter_members, read_member_at
from archive.warc.records import (
    HttpMessage,
    MalformedRecord,
    WarcRecord,
    digest_matches,
    parse_http,
    parse_record,
    parse_warc_date,
    sha1_digest,
    status_code,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ArchivedResponse:
    """A response or revisit record read back from a WARC file."""

    capture: Capture
    status_line: bytes
    headers: Headers  # HTTP headers as stored
    body: bytes  # HTTP entity body as stored: content coding kept; b"" for a revisit
    block_digest: str | None
    ip_address: str | None = None
    request_record_id: str | None = None  # the request record concurrent to this one
    refers_to_url: str | None = None
    refers_to_date: datetime | None = None

    def header(self, name: str) -> str | None:
        return find_header(self.headers, name)

    def decoded_body(self) -> bytes:
        """The body with its Content-Encoding (gzip, deflate, br) removed."""
        return decode_body(self.body, self.header("Content-Encoding"))


class UnsupportedEncoding(ValueError):
    pass


class BodyTooLarge(ValueError):
    """Decoding would exceed the size limit (a gzip bomb, or not a web page)."""


# The crawl never decodes article bodies on the reactor thread (crawler/compression.py),
# so this is where a decompression bomb is stopped; the same bound as DOWNLOAD_MAXSIZE.
MAX_DECODED_BYTES = 64 * 1024 * 1024


def _bounded(decoded: bytes, max_size: int) -> bytes:
    if len(decoded) > max_size:
        raise BodyTooLarge(f"body decodes to more than {max_size} bytes")
    return decoded


def _inflate(body: bytes, wbits: int, max_size: int) -> bytes:
    """``body`` inflated whole, through ISA-L where it is installed (``archive.warc.inflate``).

    Raises ``zlib.error`` for a damaged or incomplete stream, whichever library read it."""
    inflater = inflate.decompressobj(wbits)
    try:
        decoded = _bounded(inflater.decompress(body, max_size + 1), max_size)
    except inflate.Error as error:
        raise zlib.error(str(error)) from None
    if not inflater.eof:  # zlib.decompress would say so too: never index half a page
        raise zlib.error("incomplete or truncated stream")
    return decoded


def decode_body(
    body: bytes, content_encoding: str | None, max_size: int = MAX_DECODED_BYTES
) -> bytes:
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    for coding in reversed(codings):  # the last coding listed was applied last
        if coding in ("gzip", "x-gzip"):
            body = _inflate(body, GZIP_WBITS, max_size)
        elif coding == "deflate":
            try:
                body = _inflate(body, zlib.MAX_WBITS, max_size)
            except zlib.error:  # servers often send raw deflate without the zlib header
                body = _inflate(body, -zlib.MAX_WBITS, max_size)
        elif coding == "br":
            try:
                # Optional: not a dependency (we never ask for br); only a br body needs it.
                import brotli
            except ImportError:
                raise UnsupportedEncoding("br needs the brotli package") from None
            body = _bounded(brotli.decompress(body), max_size)
        elif coding != "identity":
            raise UnsupportedEncoding(f"unsupported Content-Encoding: {coding}")
    return body


@dataclass(frozen=True)
class Skipped:
    offset: int
    length: int
    reason: str


@dataclass
class ReadReport:
    """What a read found: readable records of every type, and what it skipped."""

    records: int = 0
    responses: int = 0
    skipped: list[Skipped] = field(default_factory=list)


def warc_file_name(path: Path) -> str:
    """The name captures refer to: an ``.open`` file keeps the name it will have."""
    return Path(path).name.removesuffix(".open")


def iter_records(path: Path, report: ReadReport | None = None) -> Iterator[ArchivedResponse]:
    """Every readable response and revisit record, in file order.

    Damaged or incomplete records are skipped with a warning and counted in
    ``report``. The request record written right after a response supplies
    ``request_record_id``, so each response is yielded once its successor is read.
    """
    report = report if report is not None else ReadReport()
    name = warc_file_name(path)
    pending: ArchivedResponse | None = None
    with open(path, "rb") as fh:
        for member in iter_members(fh):
            try:
                record = _record(member)
                response = (
                    _archived(record, name, member) if record.record_type in CAPTURED else None
                )
            except MalformedRecord as exc:
                report.skipped.append(Skipped(member.offset, member.length, str(exc)))
                log.warning("%s: skipped record at offset %d: %s", path, member.offset, exc)
                continue
            report.records += 1
            if pending is not None:
                if (
                    record.record_type == "request"
                    and record.header("WARC-Concurrent-To") == pending.capture.record_id
                ):
                    pending = replace(pending, request_record_id=record.record_id)
                report.responses += 1
                yield pending
                pending = None
            pending = response
    if pending is not None:
        report.responses += 1
        yield pending


def read_record_at(path: Path, offset: int, length: int | None = None) -> ArchivedResponse:
    """The response or revisit record whose gzip member starts at ``offset``: read with its
    own ``length`` (what the index holds) when given, else walked to its end."""
    with open(path, "rb") as fh:
        if length is not None and length > 0:
            member: Member | None = read_member_at(fh, offset, length)
        else:
            fh.seek(offset)
            member = next(iter_members(fh, resync=False), None)
    if member is None:
        raise MalformedRecord(f"no record at offset {offset}")
    record = _record(member)
    if record.record_type not in ("response", "revisit"):
        raise MalformedRecord(f"record at offset {offset} is a {record.record_type} record")
    return _archived(record, warc_file_name(path), member)


def archived_record(member: Member, warc_file: str) -> ArchivedResponse | None:
    """The response or revisit record a member holds, as ``iter_records`` reads it
    (without the concurrent request record's id); None for a record of another type.
    Raises ``MalformedRecord`` for a damaged member or record."""
    record = _record(member)
    return _archived(record, warc_file, member) if record.record_type in CAPTURED else None


def _record(member: Member) -> WarcRecord:
    if member.data is None:
        raise MalformedRecord(member.error or "damaged gzip member")
    return parse_record(member.data)


def _archived(record: WarcRecord, warc_file: str, member: Member) -> ArchivedResponse:
    url = (record.header("WARC-Target-URI") or "").strip("<>")
    record_id = record.record_id
    date = record.header("WARC-Date")
    if not url or not record_id or not date:
        raise MalformedRecord("record lacks WARC-Target-URI, WARC-Record-ID or WARC-Date")
    http = parse_http(record.block)
    revisit = record.record_type == "revisit"
    payload_digest = record.header("WARC-Payload-Digest")
    if payload_digest is None:
        if revisit:
            raise MalformedRecord("revisit record without WARC-Payload-Digest")
        payload_digest = sha1_digest([http.body])
    refers_to_date = record.header("WARC-Refers-To-Date")
    capture = Capture(
        url=url,
        fetched_at=parse_warc_date(date),
        status=status_code(http.first_line),
        record_type=record.record_type,
        record_id=record_id,
        warc_file=warc_file,
        offset=member.offset,
        length=member.length,
        payload_digest=payload_digest,
        content_type=http.header("Content-Type"),
        refers_to=record.header("WARC-Refers-To") if revisit else None,
    )
    return ArchivedResponse(
        capture=capture,
        status_line=http.first_line,
        headers=http.headers,
        body=b"" if revisit else http.body,
        block_digest=record.header("WARC-Block-Digest"),
        ip_address=record.header("WARC-IP-Address"),
        refers_to_url=record.header("WARC-Refers-To-Target-URI"),
        refers_to_date=parse_warc_date(refers_to_date) if refers_to_date else None,
    )


CAPTURED = ("response", "revisit")  # the record types an index has a capture for


@dataclass(frozen=True)
class Problem:
    offset: int
    record_id: str | None
    message: str


@dataclass(frozen=True)
class Seen:
    """A response or revisit record as ``verify_file`` read it: what an index should hold."""

    record_id: str
    offset: int
    length: int
    # What ``read_record_at`` would give as the capture's payload digest; None when it
    # would not read the record as a capture (then it says why).
    payload_digest: str | None


def verify_file(path: Path, captures: list[Seen] | None = None) -> list[Problem]:
    """Check every record's framing and digests; an empty list means the file is sound.

    ``captures``, if given, receives every response and revisit record read, in the same
    pass (each record is inflated once): what an index of the file should hold.
    """
    problems: list[Problem] = []
    with open(path, "rb") as fh:
        for member in iter_members(fh):
            found, seen = check_member(member)
            problems += found
            if captures is not None and seen is not None:
                captures.append(seen)
    return problems


def check_member(member: Member) -> tuple[list[Problem], Seen | None]:
    """What ``verify_file`` finds in one member of a file walked from its start (the first
    member, at offset 0, must hold the warcinfo record), and the capture it holds."""
    try:
        record = _record(member)
    except MalformedRecord as exc:
        return [Problem(member.offset, None, str(exc))], None
    http: list[HttpMessage] = []
    problems = [
        Problem(member.offset, record.record_id, message)
        for message in _record_problems(record, http, first=member.offset == 0)
    ]
    record_id = record.record_id
    if not record_id or record.record_type not in CAPTURED:
        return problems, None
    digest = _capture_digest(record, http[0]) if http else None
    return problems, Seen(record_id, member.offset, member.length, digest)


def _capture_digest(record: WarcRecord, http: HttpMessage) -> str | None:
    """The payload digest ``_archived`` gives the record, without reading it again."""
    if not record.header("WARC-Target-URI") or not record.header("WARC-Date"):
        return None
    try:
        status_code(http.first_line)
        parse_warc_date(record.header("WARC-Date") or "")
    except MalformedRecord:
        return None
    digest = record.header("WARC-Payload-Digest")
    if digest is None and record.record_type == "response":
        digest = sha1_digest([http.body])
    return digest


def _record_problems(
    record: WarcRecord, http_out: list[HttpMessage], *, first: bool
) -> Iterator[str]:
    kind = record.record_type
    if first and kind != "warcinfo":
        yield f"file starts with a {kind or 'untyped'} record, not warcinfo"
    if not record.record_id:
        yield "no WARC-Record-ID"
    block_digest = record.header("WARC-Block-Digest")
    if block_digest is None:
        yield "no WARC-Block-Digest"
    elif not digest_matches(block_digest, record.block):
        yield f"block digest mismatch: recorded {block_digest}"
    if kind not in ("response", "revisit"):
        return
    try:
        http = parse_http(record.block)
    except MalformedRecord as exc:
        yield str(exc)
        return
    http_out.append(http)
    payload_digest = record.header("WARC-Payload-Digest")
    if kind == "revisit":
        if payload_digest is None or record.header("WARC-Refers-To") is None:
            yield "revisit without WARC-Payload-Digest or WARC-Refers-To"
        if http.body:
            yield "revisit record carries a body"
    elif payload_digest is None:
        yield "no WARC-Payload-Digest"
    elif not digest_matches(payload_digest, http.body):
        yield f"payload digest mismatch: recorded {payload_digest}"
