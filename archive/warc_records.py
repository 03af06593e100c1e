"""One WARC/1.1 record: its headers, digests and bytes, built and parsed.

Every record we write is its own gzip member, so a record can be read from its
offset alone and a crash can only damage the last member of a file.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

WARC_VERSION = b"WARC/1.1"
CRLF = b"\r\n"
RECORD_END = b"\r\n\r\n"  # after every block, as the spec requires

WARC_FIELDS = "application/warc-fields"
HTTP_REQUEST = "application/http;msgtype=request"
HTTP_RESPONSE = "application/http;msgtype=response"
REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"

# gzip framing for zlib: 16 + MAX_WBITS writes/reads a gzip header and trailer (CRC32, size).
GZIP_WBITS = 16 + zlib.MAX_WBITS

Headers = tuple[tuple[bytes, bytes], ...]


class MalformedRecord(ValueError):
    """Bytes that are not one complete WARC record (or HTTP message)."""


def utc(moment: datetime) -> datetime:
    """A naive datetime is taken as UTC; an aware one is converted to UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def warc_date(moment: datetime) -> str:
    """WARC-Date with microseconds, always six digits.

    WARC/1.1 allows fractions of a second; a fixed width keeps every date in
    our files the same shape and orders revisits fetched within one second.
    """
    return utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_warc_date(value: str) -> datetime:
    text = value.strip().removesuffix("Z")
    for pattern in ("%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise MalformedRecord(f"bad WARC-Date: {value!r}")


def timestamp14(moment: datetime) -> str:
    return utc(moment).strftime("%Y%m%d%H%M%S")


def new_record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


def sha1_digest(parts: Iterable[bytes]) -> str:
    """``sha1:BASE32``, the labelled form warcio and Heritrix write."""
    hasher = hashlib.sha1()
    for part in parts:
        hasher.update(part)
    return "sha1:" + base64.b32encode(hasher.digest()).decode("ascii")


def warc_fields(fields: Iterable[tuple[str, str]]) -> bytes:
    """An application/warc-fields block (as in warcinfo records)."""
    return b"".join(
        _header_line(name.encode("utf-8"), value.encode("utf-8")) for name, value in fields
    )


def _header_line(name: bytes, value: bytes) -> bytes:
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


def gzip_member(parts: Sequence[bytes], level: int) -> bytes:
    """One complete gzip member; zlib releases the GIL while it compresses."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, GZIP_WBITS)
    out = [compressor.compress(part) for part in parts]
    out.append(compressor.flush())
    return b"".join(out)


@dataclass(frozen=True)
class WarcRecord:
    """A parsed record; ``block`` holds exactly Content-Length bytes."""

    headers: tuple[tuple[str, str], ...]
    block: bytes

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None

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
    headers: list[tuple[str, str]] = []
    for line in data[:head_end].split(CRLF)[1:]:
        if line[:1] in (b" ", b"\t") and headers:  # folded continuation line
            name, value = headers[-1]
            headers[-1] = (name, value + " " + line.strip().decode("utf-8", "replace"))
            continue
        name, sep, value = line.partition(b":")
        if not sep:
            raise MalformedRecord(f"bad header line {line[:80]!r}")
        headers.append((name.strip().decode("utf-8"), value.strip().decode("utf-8", "replace")))
    record = WarcRecord(tuple(headers), b"")
    try:
        length = int(record.header("Content-Length") or "")
    except ValueError:
        raise MalformedRecord("missing or bad Content-Length") from None
    start = head_end + 4
    end = start + length
    if len(data) < end + len(RECORD_END):
        raise MalformedRecord(f"block is cut short ({len(data) - start} of {length} bytes)")
    if data[end : end + len(RECORD_END)] != RECORD_END:
        raise MalformedRecord("block is not followed by CRLF CRLF")
    return WarcRecord(tuple(headers), data[start:end])


def http_head(first_line: bytes, headers: Headers) -> bytes:
    """Start line, header lines and the blank line that ends an HTTP head."""
    return first_line + CRLF + b"".join(_header_line(k, v) for k, v in headers) + CRLF


@dataclass(frozen=True)
class HttpMessage:
    first_line: bytes
    headers: Headers
    body: bytes

    def header(self, name: str) -> str | None:
        wanted = name.lower().encode()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value.decode("latin-1")
        return None


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


def stored_response_headers(headers: Headers, body_length: int) -> Headers:
    """Headers that describe the body as it is stored.

    The HTTP client has removed the transfer coding, so a Transfer-Encoding
    header would make replay tools de-chunk a body that is not chunked. The
    original values stay visible under X-Archive-Orig-* names (as Heritrix and
    pywb name them), and Content-Length is made to match the stored body.
    Without Transfer-Encoding the headers stay exactly as received.
    """
    if not any(name.lower() == b"transfer-encoding" for name, _ in headers):
        return headers
    length = str(body_length).encode()
    out: list[tuple[bytes, bytes]] = []
    has_length = False
    for name, value in headers:
        lowered = name.lower()
        if lowered == b"transfer-encoding":
            out.append((b"X-Archive-Orig-" + name, value))
        elif lowered == b"content-length" and not has_length and value.strip() == length:
            out.append((name, value))
            has_length = True
        elif lowered == b"content-length":
            out.append((b"X-Archive-Orig-" + name, value))
        else:
            out.append((name, value))
    if not has_length:
        out.append((b"Content-Length", length))
    return tuple(out)
