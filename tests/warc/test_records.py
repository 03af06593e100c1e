"""Record building blocks: the fast forms must give exactly the bytes of the plain ones."""

from __future__ import annotations

import base64
import gzip
import hashlib
import uuid
import zlib
from datetime import UTC, datetime, timedelta, timezone

import pytest

from archive.warc import members as warc_members
from archive.warc import records as warc_records
from archive.warc.records import (
    gzip_member,
    header_line,
    header_lines,
    new_record_id,
    sha1_digest,
    warc_date,
    warc_fields,
)


@pytest.fixture
def headers(exchange) -> tuple[tuple[bytes, bytes], ...]:
    return exchange().response_headers + ((b"X-Empty", b""), (b"Set-Cookie", b"a=b; Path=/"))


def test_header_lines_are_the_lines_header_line_writes(headers) -> None:
    assert header_lines(headers) == b"".join(header_line(k, v) for k, v in headers)
    assert header_lines(()) == b""


@pytest.mark.parametrize(
    ("name", "value"),
    [
        (b"X-Evil", b"a\r\nSet-Cookie: x"),
        (b"X-Evil", b"a\rb"),
        (b"X-Evil", b"a\nb"),
        (b"X\nEvil", b"a"),
        (b"X:Evil", b"a"),
    ],
)
def test_a_header_that_would_corrupt_the_record_is_refused(
    name: bytes, value: bytes, headers
) -> None:
    with pytest.raises(ValueError, match="cannot be written"):
        header_lines((*headers, (name, value)))
    with pytest.raises(ValueError, match="cannot be written"):
        warc_fields([("software", "x"), (name.decode(), value.decode())])


def test_warc_fields_are_utf8_lines() -> None:
    fields = [("operator", "Arkivet i Tromsø <arkiv@example.org>"), ("description", "")]
    expected = b"".join(header_line(k.encode(), v.encode()) for k, v in fields)
    assert warc_fields(fields) == expected
    assert warc_fields(iter(fields)) == expected


def test_sha1_digest_is_labelled_base32(noise) -> None:
    for data in (b"", b"x", noise(50_000)):
        expected = "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()
        assert sha1_digest([data[:7], data[7:]]) == expected


def test_record_ids_are_random_uuid_urns() -> None:
    ids = {new_record_id() for _ in range(1000)}
    assert len(ids) == 1000
    for record_id in list(ids)[:50]:
        assert record_id.startswith("<urn:uuid:") and record_id.endswith(">")
        parsed = uuid.UUID(record_id[10:-1])
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122
        assert str(parsed) == record_id[10:-1]


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC),
        datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC),
        datetime(2024, 5, 6, 7, 8, 9, 5),  # naive: taken as UTC
        datetime(2024, 5, 6, 9, 8, 9, 5, tzinfo=timezone(timedelta(hours=2))),
    ],
)
def test_warc_date_has_six_fraction_digits_in_utc(moment: datetime) -> None:
    expected = warc_records.utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert warc_date(moment) == expected
    assert warc_date(moment).startswith("2024-05-06T07:08:09.")


def test_gzip_member_gives_the_same_bytes_joined_or_streamed(
    monkeypatch: pytest.MonkeyPatch,
    noise,
) -> None:
    parts = [b"WARC/1.1\r\nContent-Length: 1\r\n\r\n", noise(70_000), b"<html>" * 3000, b"\r\n"]
    for level in (0, 1, 6, 9):
        joined = gzip_member(parts, level)
        monkeypatch.setattr(warc_records, "JOIN_LIMIT", 0)
        streamed = gzip_member(parts, level)
        monkeypatch.undo()
        assert joined == streamed
        assert gzip.decompress(joined) == b"".join(parts)


@pytest.mark.parametrize("size", [0, 1, 65_535, 65_536, 200_000])
def test_a_partly_stored_member_is_one_gzip_member_of_the_same_bytes(size: int, noise) -> None:
    parts = [b"WARC/1.1\r\nContent-Length: 1\r\n\r\n" * 20, noise(size), b"\r\n\r\n"]
    member = gzip_member(parts, 6, store_from=1)
    assert member.startswith(warc_members.GZIP_MAGIC)
    inflater = zlib.decompressobj(warc_members.GZIP_WBITS)
    assert inflater.decompress(member) == b"".join(parts)
    assert inflater.eof and not inflater.unused_data  # exactly one member, trailer checked
    assert gzip.decompress(member) == b"".join(parts)
    # The head is deflated, the stored part costs 5 bytes per 64 KiB block.
    assert len(member) < len(parts[0]) // 2 + size + 5 * (size // 65_535 + 1) + 30


def test_store_from_past_the_parts_deflates_everything() -> None:
    parts = [b"<html>" * 100, b"\r\n"]
    assert gzip_member(parts, 6, store_from=2) == gzip_member(parts, 6)
