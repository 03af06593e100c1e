"""Each URL's newest 2xx response in a WARC series' run, packed, for revisits within the run.

A revisit needs, per URL, the payload digest, record id and fetch time of the URL's newest
2xx response. Kept as a tuple of two strings and a datetime under a 12-byte key, an entry
took ~390 bytes: 20 MB of the archiver process at 50,000 pages, its largest growth. Here
the three are one 56-byte value (the digest's 32 base32 digits, the record id's 16 bytes,
the time in microseconds): ~190 bytes an entry, two objects instead of six. A digest or
record id not in the writer's own form (another algorithm, a test's fixed ids) is kept as
it came, so what ``get`` returns is always what ``put`` was given.
"""

from __future__ import annotations

import hashlib
import re
import struct
from datetime import UTC, datetime, timedelta

Seen = tuple[str, str, datetime]  # payload digest, record id and fetch time of a response

_PACKED = struct.Struct(">32s16sq")
_DIGEST = re.compile(r"sha1:[A-Z2-7]{32}")  # records.sha1_digest: 160 bits, no padding
_RECORD_ID = re.compile(r"<urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}>")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _url_key(url: str) -> bytes:
    """12 bytes for a URL (a 100-character URL is ~150 bytes)."""
    return hashlib.blake2b(url.encode("utf-8", "surrogatepass"), digest_size=12).digest()


class LatestResponses:
    """URL → ``Seen``, ``put`` replacing what the URL had."""

    def __init__(self) -> None:
        self._packed: dict[bytes, bytes] = {}
        self._plain: dict[bytes, Seen] = {}  # what does not pack

    def __len__(self) -> int:
        return len(self._packed) + len(self._plain)

    def put(self, url: str, digest: str, record_id: str, fetched_at: datetime) -> None:
        key = _url_key(url)
        packed = _pack(digest, record_id, fetched_at)
        if packed is None:
            self._packed.pop(key, None)
            self._plain[key] = (digest, record_id, fetched_at)
        else:
            self._plain.pop(key, None)
            self._packed[key] = packed

    def get(self, url: str) -> Seen | None:
        key = _url_key(url)
        packed = self._packed.get(key)
        if packed is None:
            return self._plain.get(key)
        digits, raw_id, micros = _PACKED.unpack(packed)
        h = raw_id.hex()
        record_id = f"<urn:uuid:{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}>"
        return "sha1:" + digits.decode("ascii"), record_id, _EPOCH + micros * _MICROSECOND


def _pack(digest: str, record_id: str, fetched_at: datetime) -> bytes | None:
    if fetched_at.tzinfo is not UTC or fetched_at.fold:
        return None
    if not (_DIGEST.fullmatch(digest) and _RECORD_ID.fullmatch(record_id)):
        return None
    raw_id = bytes.fromhex(record_id[10:-1].replace("-", ""))
    micros = (fetched_at - _EPOCH) // _MICROSECOND
    return _PACKED.pack(digest[5:].encode("ascii"), raw_id, micros)
