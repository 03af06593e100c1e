"""What passes between the crawler, the WARC writer and the index.

An *exchange* is one HTTP request and its response as they crossed the wire; a
*capture* is where that response now lives in a WARC file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Exchange:
    """One HTTP request/response pair, byte-faithful to what was on the wire.

    ``request_head`` is the request line and headers exactly as sent, ending in
    ``\\r\\n\\r\\n``. ``status_line`` is e.g. ``b"HTTP/1.1 200 OK"`` and
    ``response_headers`` are the header lines as received (original case and
    order, including ``Transfer-Encoding``/``Connection``). ``body`` is the
    entity body: transfer coding removed, content coding (gzip) kept.
    """

    url: str
    request_head: bytes
    status_line: bytes
    response_headers: tuple[tuple[bytes, bytes], ...]
    body: bytes
    fetched_at: datetime
    ip_address: str | None = None
    request_body: bytes = b""  # sent after request_head, e.g. a POST form; empty for GET

    @property
    def status(self) -> int:
        return int(self.status_line.split(b" ", 2)[1])

    def header(self, name: str) -> str | None:
        wanted = name.lower().encode()
        for key, value in self.response_headers:
            if key.lower() == wanted:
                return value.decode("latin-1")
        return None


@dataclass(frozen=True)
class Capture:
    """A response (or revisit) record that has been written to a WARC file."""

    url: str
    fetched_at: datetime
    status: int
    record_type: str  # "response" or "revisit"
    record_id: str  # "<urn:uuid:...>"
    warc_file: str  # file name (no directory), without the ".open" suffix
    offset: int  # of the response/revisit record's gzip member
    length: int  # compressed length of that member
    payload_digest: str  # "sha1:BASE32"
    content_type: str | None = None
    refers_to: str | None = None  # record id of the original, for revisits
