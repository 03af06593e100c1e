"""Each URL's newest 2xx response in a WARC series' run, packed, for revisits within the run.

A revisit needs, per URL, the payload digest, record id and fetch time of the URL's newest
2xx response. Kept as a tuple of two strings and a datetime under a 12-byte key, an entry
took ~390 bytes: 20 MB of the archiver process at 50,000 pages, its largest growth; as a
56-byte ``bytes`` value in a dict, ~186 (8.9 MB at 50,000). Here the key and the three
values are one 68-byte record (the digest's 32 base32 digits, the record id's 16 bytes, the
time in microseconds) in one of 4,096 ``bytearray`` buckets chosen by the key's first 12
bits: ~79 bytes an entry (3.75 MB), no object per entry, and a lookup is one ``find`` over
a bucket of ~12 records at 50,000 URLs: the writer's get and put of a page cost 3.4 -> 3.7
µs of CPU. A digest or record id not in the writer's own form (another algorithm, a test's
fixed ids) is kept as it came, in a dict, so what ``get`` returns is always what ``put``
was given.
"""

from __future__ import annotations

import hashlib
import re
import struct
from datetime import UTC, datetime, timedelta

Seen = tuple[str, str, datetime]  # payload digest, record id and fetch time of a response

_PACKED = struct.Struct(">32s16sq")
_KEY = 12  # bytes of a URL's hash
_RECORD = _KEY + _PACKED.size
_BUCKET_BITS = 12
_DIGEST = re.compile(r"sha1:[A-Z2-7]{32}")  # records.sha1_digest: 160 bits, no padding
_RECORD_ID = re.compile(r"<urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}>")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _url_key(url: str) -> bytes:
    """12 bytes for a URL (a 100-character URL is ~150 bytes)."""
    return hashlib.blake2b(url.encode("utf-8", "surrogatepass"), digest_size=_KEY).digest()


class LatestResponses:
    """URL → ``Seen``, ``put`` replacing what the URL had."""

    def __init__(self) -> None:
        self._buckets: list[bytearray | None] = [None] * (1 << _BUCKET_BITS)
        self._packed = 0  # records in the buckets
        self._plain: dict[bytes, Seen] = {}  # what does not pack
        # The writer gets a URL, then puts it: the last lookup, so that put need not repeat it.
        self._last: tuple[str, bytes, bytearray, int] | None = None

    def __len__(self) -> int:
        return self._packed + len(self._plain)

    def put(self, url: str, digest: str, record_id: str, fetched_at: datetime) -> None:
        last, self._last = self._last, None
        if last is not None and last[0] == url:
            _, key, bucket, at = last
        else:
            key = _url_key(url)
            bucket, at = self._find(key)
        packed = _pack(digest, record_id, fetched_at)
        if packed is None:
            if at >= 0:
                del bucket[at : at + _RECORD]
                self._packed -= 1
            self._plain[key] = (digest, record_id, fetched_at)
            return
        self._plain.pop(key, None)
        if at >= 0:
            bucket[at + _KEY : at + _RECORD] = packed
        else:
            bucket += key + packed
            self._packed += 1

    def get(self, url: str) -> Seen | None:
        key = _url_key(url)
        bucket, at = self._find(key)
        self._last = (url, key, bucket, at)
        if at < 0:
            return self._plain.get(key)
        digits, raw_id, micros = _PACKED.unpack_from(bucket, at + _KEY)
        h = raw_id.hex()
        record_id = f"<urn:uuid:{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}>"
        return "sha1:" + digits.decode("ascii"), record_id, _EPOCH + micros * _MICROSECOND

    def _find(self, key: bytes) -> tuple[bytearray, int]:
        """The key's bucket and its record's offset there, or -1."""
        number = key[0] << (_BUCKET_BITS - 8) | key[1] >> (16 - _BUCKET_BITS)
        bucket = self._buckets[number]
        if bucket is None:
            bucket = self._buckets[number] = bytearray()
        at = bucket.find(key)
        while at >= 0 and at % _RECORD:  # the bytes inside another record's value
            at = bucket.find(key, at + 1)
        return bucket, at


def _pack(digest: str, record_id: str, fetched_at: datetime) -> bytes | None:
    if fetched_at.tzinfo is not UTC or fetched_at.fold:
        return None
    if not (_DIGEST.fullmatch(digest) and _RECORD_ID.fullmatch(record_id)):
        return None
    raw_id = bytes.fromhex(record_id[10:-1].replace("-", ""))
    micros = (fetched_at - _EPOCH) // _MICROSECOND
    return _PACKED.pack(digest[5:].encode("ascii"), raw_id, micros)
