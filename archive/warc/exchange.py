"""From an exchange to the records that archive it: warcinfo, response or revisit, request.

Pure functions over bytes; the writer decides ids, files and offsets.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import Protocol

from archive import __version__
from archive.model import Exchange, Headers
from archive.warc.records import (
    CRLF,
    HTTP_REQUEST,
    HTTP_RESPONSE,
    REVISIT_PROFILE,
    WARC_FIELDS,
    encode_record,
    header_lines,
    warc_date,
    warc_fields,
)

WARC_1_1_SPEC = "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"

# Without these a warcinfo record does not say who crawled, how, or as whom.
REQUIRED_WARCINFO = ("software", "job-id", "operator", "http-header-user-agent", "robots")


def software(*products: tuple[str, str]) -> str:
    """The warcinfo ``software`` field: regarkiv, the given ``(name, version)``s, Python.

    ``software(("Scrapy", "2.19.0"))`` is ``"regarkiv/0.1.0 Scrapy/2.19.0 (Python/3.11.7)"``,
    product tokens as a User-Agent writes them. The crawler names what fetched the pages,
    because nothing under archive/ imports Scrapy.
    """
    tokens = [f"regarkiv/{__version__}", *(f"{name}/{version}" for name, version in products)]
    return f"{' '.join(tokens)} (Python/{platform.python_version()})"


@dataclass(frozen=True)
class WarcInfo:
    """What the warcinfo record at the start of every file says about the crawl."""

    software: str  # what wrote the file, as software() words it
    job_id: str
    operator: str  # who runs the crawl and how to reach them
    user_agent: str
    robots: str  # e.g. "obey"
    base_url: str
    is_part_of: str = "regarkiv"
    description: str = ""
    settings: tuple[tuple[str, str], ...] = ()  # further crawl settings, written as given

    def fields(self) -> dict[str, str]:
        fields = [
            ("software", self.software),
            ("format", "WARC File Format 1.1"),
            ("conformsTo", WARC_1_1_SPEC),
            ("job-id", self.job_id),
            ("operator", self.operator),
            ("http-header-user-agent", self.user_agent),
            ("robots", self.robots),
            ("base-url", self.base_url),
            ("isPartOf", self.is_part_of),
        ]
        if self.description:
            fields.append(("description", self.description))
        return dict(fields + list(self.settings))


def warcinfo_record(
    record_id: str, date: str, filename: str, fields: dict[str, str]
) -> list[bytes]:
    headers = [
        ("WARC-Type", "warcinfo"),
        ("WARC-Record-ID", record_id),
        ("WARC-Date", date),
        ("WARC-Filename", filename),
        ("Content-Type", WARC_FIELDS),
    ]
    return encode_record(headers, [warc_fields(fields.items())])


# response_record's parts are: WARC head, HTTP head, payload, record end.
RESPONSE_PAYLOAD_PART = 2

# Payloads that deflate cannot shrink again: content-coded bodies and compressed media
# (not image/svg+xml or image/bmp, which deflate well).
_COMPRESSED_TYPES = (
    "image/jpeg", "image/png", "image/gif", "image/webp", "image/avif",
    "audio/", "video/", "application/zip", "application/gzip",
)  # fmt: skip
_SMALL_PAYLOAD = 1024  # below this, deflating is cheap whatever it is


def payload_is_compressed(exchange: Exchange) -> bool:
    """Whether the response body is already compressed (so a record stores it as is)."""
    if len(exchange.body) < _SMALL_PAYLOAD:
        return False
    encoding = (exchange.header("Content-Encoding") or "").strip().lower()
    if encoding and encoding != "identity":
        return True
    content_type = (exchange.header("Content-Type") or "").strip().lower()
    return content_type.startswith(_COMPRESSED_TYPES)


class Original(Protocol):
    """What a revisit record names of the response it refers to (a ``Capture`` has it)."""

    @property
    def record_id(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def fetched_at(self) -> datetime: ...


def response_record(
    exchange: Exchange,
    record_id: str,
    warcinfo_id: str,
    payload_digest: str,
    original: Original | None = None,
) -> list[bytes]:
    """A response record, or with ``original`` a revisit record that refers to it.

    A revisit's block is the HTTP head alone: the payload is in the original.
    """
    headers = [
        ("WARC-Type", "revisit" if original else "response"),
        ("WARC-Record-ID", record_id),
        ("WARC-Date", warc_date(exchange.fetched_at)),
        ("WARC-Target-URI", exchange.url),
    ]
    if exchange.ip_address:
        headers.append(("WARC-IP-Address", exchange.ip_address))
    headers.append(("WARC-Warcinfo-ID", warcinfo_id))
    head = http_head(
        exchange.status_line,
        stored_response_headers(exchange.response_headers, len(exchange.body)),
    )
    block = [head, exchange.body]
    if original is not None:
        headers += [
            ("WARC-Profile", REVISIT_PROFILE),
            ("WARC-Refers-To", original.record_id),
            ("WARC-Refers-To-Target-URI", original.url),
            ("WARC-Refers-To-Date", warc_date(original.fetched_at)),
        ]
        block = [head]
    headers += [("WARC-Payload-Digest", payload_digest), ("Content-Type", HTTP_RESPONSE)]
    return encode_record(headers, block)


def request_record(
    exchange: Exchange, record_id: str, warcinfo_id: str, response_id: str
) -> list[bytes]:
    headers = [
        ("WARC-Type", "request"),
        ("WARC-Record-ID", record_id),
        ("WARC-Date", warc_date(exchange.fetched_at)),
        ("WARC-Target-URI", exchange.url),
        ("WARC-Warcinfo-ID", warcinfo_id),
        ("WARC-Concurrent-To", response_id),
        ("Content-Type", HTTP_REQUEST),
    ]
    return encode_record(headers, [exchange.request_head, exchange.request_body])


def http_head(first_line: bytes, headers: Headers) -> bytes:
    """Start line, header lines and the blank line that ends an HTTP head."""
    return first_line + CRLF + header_lines(headers) + CRLF


def stored_response_headers(headers: Headers, body_length: int) -> Headers:
    """Headers that describe the body as it is stored.

    The HTTP client has removed the transfer coding, so a Transfer-Encoding
    header would make replay tools de-chunk a body that is not chunked. The
    original values stay visible under X-Archive-Orig-* names (as Heritrix and
    pywb name them), and Content-Length is made to match the stored body.
    Without Transfer-Encoding the headers stay exactly as received.
    """
    # One search over all names (C speed) instead of a lower() per header: this runs
    # for every response, and a Transfer-Encoding header is rare.
    names = b"\n" + b"\n".join(map(itemgetter(0), headers)).lower() + b"\n"
    if b"\ntransfer-encoding\n" not in names:
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
