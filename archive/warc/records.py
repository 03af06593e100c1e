"""One WARC/1.1 record: its headers, digests and bytes, built and parsed; and the
gzip members that hold records.

Every record we write is its own gzip member, so a record can be read from its
offset alone and a crash can only damage the last member of a file.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import re
import struct
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import itemgetter

from archive.model import Headers, find_header
from archive.warc.members import GZIP_WBITS

WARC_VERSION = b"WARC/1.1"
CRLF = b"\r\n"
RECORD_END = b"\r\n\r\n"  # after every block, as the spec requires

WARC_FIELDS = "application/warc-fields"
HTTP_REQUEST = "application/http;msgtype=request"
HTTP_RESPONSE = "application/http;msgtype=response"
REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"

# Up to this size a member's parts are joined and compressed in one zlib call (one GIL
# release instead of one per part); larger blocks are fed part by part so that a big
# body is not copied.
JOIN_LIMIT = 1 << 20
# The header zlib writes at the default level (no name, mtime 0, OS Unix), for members
# assembled here from a deflate stream and stored blocks.
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"
STORED_BLOCK_MAX = 0xFFFF

_NAME = itemgetter(0)


class MalformedRecord(ValueError):
    """Bytes that are not one complete WARC record (or HTTP message)."""


def utc(moment: datetime) -> datetime:
    """A naive datetime is taken as UTC; an aware one is converted to UTC."""
    if moment.tzinfo is UTC:
        return moment
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def warc_date(moment: datetime) -> str:
    """WARC-Date with microseconds, always six digits.

    WARC/1.1 allows fractions of a second; a fixed width keeps every date in
    our files the same shape and orders revisits fetched within one second.
    """
    # isoformat is the fast spelling of "%Y-%m-%dT%H:%M:%S.%f" (and pads years below 1000).
    return utc(moment).isoformat(timespec="microseconds").removesuffix("+00:00") + "Z"


# The shape every date we write has (see warc_date): read by fromisoformat, 10x strptime.
_OUR_DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{6})?")


def parse_warc_date(value: str) -> datetime:
    text = value.strip().removesuffix("Z")
    if _OUR_DATE.fullmatch(text):
        with contextlib.suppress(ValueError):  # e.g. month 13: strptime says so below
            return datetime.fromisoformat(text).replace(tzinfo=UTC)
    for pattern in ("%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise MalformedRecord(f"bad WARC-Date: {value!r}")


def timestamp14(moment: datetime) -> str:
    return utc(moment).strftime("%Y%m%d%H%M%S")


def new_record_id() -> str:
    """A random (version 4) UUID URN, as ``uuid.uuid4()`` makes it at half the cost."""
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40  # version 4
    raw[8] = raw[8] & 0x3F | 0x80  # RFC 4122 variant
    h = raw.hex()
    return f"<urn:uuid:{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}>"


_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_BASE32_PAIRS = [a + b for a in _BASE32 for b in _BASE32]  # 10 bits -> two digits
_SHA1_SHIFTS = range(150, -10, -10)  # a 160-bit digest is exactly 16 pairs, no padding


def sha1_digest(parts: Iterable[bytes]) -> str:
    """``sha1:BASE32``, the labelled form warcio and Heritrix write."""
    hasher = hashlib.sha1()
    for part in parts:
        hasher.update(part)
    return "sha1:" + _sha1_base32(hasher.digest())


def _sha1_base32(digest: bytes) -> str:
    # base64.b32encode is pure Python in 3.11: this is the same text in half the time,
    # and it runs three times per exchange on the writer thread, holding the GIL.
    n = int.from_bytes(digest, "big")
    pairs = _BASE32_PAIRS
    return "".join([pairs[(n >> shift) & 1023] for shift in _SHA1_SHIFTS])


def digest_matches(labelled: str, data: bytes) -> bool:
    """Compare ``algorithm:value`` (base32 or hex, as other tools write) with ``data``."""
    algorithm, _, value = labelled.partition(":")
    try:
        digest = hashlib.new(algorithm.strip().lower().replace("-", ""), data).digest()
    except ValueError:
        return False
    value = value.strip()
    base32 = _sha1_base32(digest) if len(digest) == 20 else base64.b32encode(digest).decode()
    return value.upper() == base32 or value.lower() == digest.hex()


def warc_fields(fields: Iterable[tuple[str, str]]) -> bytes:
    """An application/warc-fields block (as in warcinfo records)."""
    pairs = list(fields)
    text = "\r\n".join([*map(": ".join, pairs), ""])
    count = len(pairs)
    if text.count("\r") != count or text.count("\n") != count or ":" in "".join(map(_NAME, pairs)):
        for name, value in pairs:
            header_line(name.encode("utf-8"), value.encode("utf-8"))
    # UTF-8 of the whole is the UTF-8 of each part: one encode call instead of two a field.
    return text.encode("utf-8")


def header_lines(headers: Sequence[tuple[bytes, bytes]]) -> bytes:
    """``name: value`` lines, each ending in CRLF; ValueError as ``header_line`` raises it."""
    block = b"\r\n".join([*map(b": ".join, headers), b""])
    # The only CRs and LFs may be the line ends: checked once over the block (C speed)
    # instead of five membership tests per header.
    count = len(headers)
    if (
        block.count(b"\r") != count
        or block.count(b"\n") != count
        or b":" in b"".join(map(_NAME, headers))
    ):
        for name, value in headers:
            header_line(name, value)
    return block


def header_line(name: bytes, value: bytes) -> bytes:
    # A CR or LF in a value would end the header early and corrupt the record.
    if b"\r" in value or b"\n" in value or b"\r" in name or b"\n" in name or b":" in name:
        raise ValueError(f"header {name!r} cannot be written: {value!r}")
    return name + b": " + value + CRLF


def encode_record(headers: Sequence[tuple[str, str]], block: Sequence[bytes]) -> list[bytes]:
    """The record's bytes, as parts (the block is not copied).

    WARC-Block-Digest and Content-Length are computed and appended here so that
    they can never disagree with the block.
    """
    length = sum(len(part) for part in block)
    all_headers = [
        *headers,
        ("WARC-Block-Digest", sha1_digest(block)),
        ("Content-Length", str(length)),
    ]
    head = WARC_VERSION + CRLF + warc_fields(all_headers) + CRLF
    return [head, *block, RECORD_END]


def gzip_member(parts: Sequence[bytes], level: int, store_from: int | None = None) -> bytes:
    """One complete gzip member; zlib releases the GIL while it compresses.

    Both ways give the same bytes: zlib's output does not depend on how its input is
    split into calls (tests/test_warc_records.py checks it). With ``store_from``, the
    parts from that index on go into deflate *stored* blocks instead: a gzip or JPEG
    payload does not shrink again, and deflating it costs the crawl most of its
    compression CPU. Any gzip reader reads the member the same way.
    """
    if store_from is not None and store_from < len(parts):
        return _partly_stored_member(parts, level, store_from)
    if sum(map(len, parts)) <= JOIN_LIMIT:
        return zlib.compress(b"".join(parts), level, GZIP_WBITS)
    compressor = zlib.compressobj(level, zlib.DEFLATED, GZIP_WBITS)
    out = [compressor.compress(part) for part in parts]
    out.append(compressor.flush())
    return b"".join(out)


def _partly_stored_member(parts: Sequence[bytes], level: int, store_from: int) -> bytes:
    compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)  # raw deflate
    out: list[bytes | memoryview] = [GZIP_HEADER]
    crc = size = 0
    for part in parts[:store_from]:
        out.append(compressor.compress(part))
        crc = zlib.crc32(part, crc)
        size += len(part)
    # A sync flush ends on a byte boundary, where a stored block may start. The
    # compressor is not used again: its window would not know the stored bytes.
    out.append(compressor.flush(zlib.Z_SYNC_FLUSH))
    stored = memoryview(b"".join(parts[store_from:]))
    crc = zlib.crc32(stored, crc)
    size += len(stored)
    start = 0
    while True:
        chunk = stored[start : start + STORED_BLOCK_MAX]
        start += len(chunk)
        final = start >= len(stored)
        # BFINAL, BTYPE=00 (stored), padding; then LEN and its one's complement NLEN.
        out.append(struct.pack("<BHH", final, len(chunk), len(chunk) ^ 0xFFFF))
        out.append(chunk)
        if final:
            break
    out.append(struct.pack("<II", crc, size & 0xFFFFFFFF))
    return b"".join(out)


@dataclass(frozen=True)
class WarcRecord:
    """A parsed record; ``block`` holds exactly Content-Length bytes."""

    headers: tuple[tuple[str, str], ...]
    block: bytes
    # The first value of each header by its lower-case name: a reader asks for ~18 a record.
    by_name: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def header(self, name: str) -> str | None:
        if self.by_name:
            return self.by_name.get(name.lower())
        return find_header(self.headers, name)

    @property
    def record_type(self) -> str:
        return self.header("WARC-Type") or ""

    @property
    def record_id(self) -> str | None:
        return self.header("WARC-Record-ID")


def parse_record(data: bytes) -> WarcRecord:
    """Parse one uncompressed record; raise MalformedRecord if it is incomplete."""
    if not data.startswith(b"WARC/1."):
        raise MalformedRecord("does not start with a WARC/1.x version line")
    head_end = data.find(CRLF + CRLF)
    if head_end < 0:
        raise MalformedRecord("record headers do not end")
    headers = _warc_headers(data[:head_end])
    by_name: dict[str, str] = {}
    for key, text in reversed(headers):  # the first of repeated headers wins
        by_name[key.lower()] = text
    try:
        length = int(by_name.get("content-length") or "")
    except ValueError:
        raise MalformedRecord("missing or bad Content-Length") from None
    start = head_end + 4
    end = start + length
    if len(data) < end + len(RECORD_END):
        raise MalformedRecord(f"block is cut short ({len(data) - start} of {length} bytes)")
    if data[end : end + len(RECORD_END)] != RECORD_END:
        raise MalformedRecord("block is not followed by CRLF CRLF")
    return WarcRecord(tuple(headers), data[start:end], by_name)


# What bytes.strip() removes: str.strip() would remove other Unicode spaces too.
_ASCII_SPACE = " \t\n\r\x0b\x0c"


def _warc_headers(head: bytes) -> list[tuple[str, str]]:
    """The header lines after the version line, decoded in one call, not one per line (a
    third of a record's parsing time): names must be UTF-8, values may have bad bytes."""
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        for raw in head.split(CRLF)[1:]:
            name_bytes, sep_bytes, _ = raw.partition(b":")
            try:
                if sep_bytes and raw[:1] not in (b" ", b"\t"):
                    name_bytes.decode("utf-8")
            except UnicodeDecodeError:
                raise MalformedRecord(f"header name is not UTF-8: {raw[:80]!r}") from None
        text = head.decode("utf-8", "replace")
    headers: list[tuple[str, str]] = []
    for line in text.split("\r\n")[1:]:
        if line[:1] in (" ", "\t") and headers:  # folded continuation line
            key, value = headers[-1]
            headers[-1] = (key, value + " " + line.strip(_ASCII_SPACE))
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise MalformedRecord(f"bad header line {line.encode('utf-8')[:80]!r}")
        headers.append((name.strip(_ASCII_SPACE), value.strip(_ASCII_SPACE)))
    return headers


@dataclass(frozen=True)
class HttpMessage:
    first_line: bytes
    headers: Headers
    body: bytes

    def header(self, name: str) -> str | None:
        return find_header(self.headers, name)


def parse_http(block: bytes) -> HttpMessage:
    head_end = block.find(CRLF + CRLF)
    if head_end < 0:
        raise MalformedRecord("HTTP headers do not end")
    lines = block[:head_end].split(CRLF)
    headers = []
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep:
            raise MalformedRecord(f"bad HTTP header line {line[:80]!r}")
        headers.append((name.strip(), value.strip()))
    return HttpMessage(lines[0], tuple(headers), block[head_end + 4 :])


def status_code(first_line: bytes) -> int:
    try:
        return int(first_line.split(b" ", 2)[1])
    except (IndexError, ValueError):
        raise MalformedRecord(f"bad HTTP status line {first_line[:80]!r}") from None
