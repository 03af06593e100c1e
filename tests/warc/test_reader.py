"""Reading WARC files back: captures, bodies, damaged records, digest verification."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from archive.warc.reader import (
    BodyTooLarge,
    ReadReport,
    UnsupportedEncoding,
    decode_body,
    iter_records,
    read_record_at,
    verify_file,
)
from archive.warc.records import gzip_member
from tests.support.warc import ARTICLE_HTML


@pytest.fixture
def written(exchange, make_writer) -> Callable[..., tuple[Path, list]]:
    """A file of ``count`` exchanges and a revisit of the first, and their captures."""

    def write(tmp_path: Path, count: int = 3) -> tuple[Path, list]:
        with make_writer(tmp_path) as writer:
            captures = [
                writer.write(exchange(f"https://www.regjeringen.no/no/id{n}/"))
                for n in range(count)
            ]
            captures.append(writer.write(exchange("https://www.regjeringen.no/no/id0/")))
        return writer.closed_files[0], captures

    return write


def test_reader_gives_back_what_the_writer_returned(tmp_path: Path, written, exchange) -> None:
    path, captures = written(tmp_path)
    report = ReadReport()
    responses = list(iter_records(path, report))
    assert [r.capture for r in responses] == captures
    assert report.records == 9 and report.responses == 4 and report.skipped == []
    first = responses[0]
    assert first.body == exchange().body  # as stored: still gzip
    assert first.decoded_body() == ARTICLE_HTML
    assert first.header("content-encoding") == "gzip"
    assert first.status_line == b"HTTP/1.1 200 OK"
    assert first.ip_address == "127.0.0.1"
    assert first.request_record_id == "<urn:uuid:00000000-0000-4000-8000-000000000003>"
    revisit = responses[-1]
    assert revisit.capture.record_type == "revisit" and revisit.body == b""
    assert revisit.refers_to_url == first.capture.url
    assert revisit.refers_to_date == first.capture.fetched_at


def test_read_record_at_a_capture_offset(tmp_path: Path, written) -> None:
    path, captures = written(tmp_path)
    response = read_record_at(path, captures[1].offset)
    assert response.capture == captures[1]
    assert response.decoded_body() == ARTICLE_HTML


def rewrite_member(path: Path, offset: int, length: int, change: bytes) -> None:
    """Replace one member with another (same or different length)."""
    data = path.read_bytes()
    path.write_bytes(data[:offset] + change + data[offset + length :])


def test_a_damaged_record_is_skipped_and_counted(tmp_path: Path, written) -> None:
    path, captures = written(tmp_path)
    damaged = captures[1]
    data = path.read_bytes()
    middle = damaged.offset + damaged.length // 2
    path.write_bytes(data[:middle] + bytes(40) + data[middle + 40 :])  # zeros over deflate data
    report = ReadReport()
    urls = [r.capture.url for r in iter_records(path, report)]
    assert urls == [captures[0].url, captures[2].url, captures[3].url]
    assert len(report.skipped) == 1
    assert report.skipped[0].offset == damaged.offset
    assert report.skipped[0].length == damaged.length


def test_a_truncated_file_yields_every_complete_record(tmp_path: Path, written) -> None:
    path, captures = written(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: captures[3].offset + 100])
    report = ReadReport()
    assert [r.capture for r in iter_records(path, report)] == captures[:3]
    assert len(report.skipped) == 1 and "cut short" in report.skipped[0].reason


def test_a_member_that_is_not_a_record_is_skipped(tmp_path: Path, written) -> None:
    path, captures = written(tmp_path)
    junk = gzip_member([b"WARC/1.1\r\nContent-Length: 500\r\n\r\nshort"], 6)
    rewrite_member(path, captures[0].offset, captures[0].length, junk)
    report = ReadReport()
    assert len(list(iter_records(path, report))) == 3
    assert "cut short" in report.skipped[0].reason


def test_verify_passes_a_sound_file(tmp_path: Path, written) -> None:
    path, _ = written(tmp_path)
    assert verify_file(path) == []


def test_verify_finds_a_changed_payload(tmp_path: Path, written, exchange) -> None:
    path, captures = written(tmp_path)
    target = captures[2]
    data = path.read_bytes()
    record = zlib.decompress(data[target.offset : target.offset + target.length], 31)
    body = exchange().body
    tampered = record.replace(body, body[:-1] + bytes([body[-1] ^ 1]))
    rewrite_member(path, target.offset, target.length, gzip_member([tampered], 6))
    problems = verify_file(path)
    assert {p.offset for p in problems} == {target.offset}
    assert {p.record_id for p in problems} == {target.record_id}
    messages = " ".join(p.message for p in problems)
    assert "block digest mismatch" in messages and "payload digest mismatch" in messages


def test_verify_reports_damage(tmp_path: Path, written) -> None:
    path, captures = written(tmp_path)
    path.write_bytes(path.read_bytes()[: captures[1].offset + 10])
    (problem,) = verify_file(path)
    assert problem.offset == captures[1].offset and "cut short" in problem.message


def test_decode_body_handles_the_usual_codings() -> None:
    text = b"<p>Hei</p>"
    assert decode_body(gzip.compress(text), "gzip") == text
    assert decode_body(zlib.compress(text), "deflate") == text
    raw = zlib.compressobj(6, zlib.DEFLATED, -15)
    assert decode_body(raw.compress(text) + raw.flush(), "deflate") == text
    assert decode_body(text, None) == text
    assert decode_body(gzip.compress(gzip.compress(text)), "gzip, gzip") == text
    with pytest.raises(UnsupportedEncoding):
        decode_body(text, "compress")


def test_decode_body_refuses_a_decompression_bomb() -> None:
    bomb = gzip.compress(b"\0" * 2_000_000)
    assert len(bomb) < 10_000
    with pytest.raises(BodyTooLarge):
        decode_body(bomb, "gzip", max_size=1_000_000)
    with pytest.raises(BodyTooLarge):
        decode_body(zlib.compress(b"\0" * 2_000_000), "deflate", max_size=1_000_000)
    assert len(decode_body(bomb, "gzip", max_size=2_000_000)) == 2_000_000


def test_decode_body_never_returns_half_a_page() -> None:
    """A body cut off in transit must fail to decode, not index as a shorter article."""
    whole = gzip.compress(b"<p>Hei</p>" * 1000)
    for cut in (20, len(whole) // 2, len(whole) - 8):
        with pytest.raises(zlib.error):
            decode_body(whole[:cut], "gzip")


def test_damage_is_one_skip_even_with_a_gzip_body_stored_inside_the_record(
    tmp_path: Path,
    exchange,
    make_writer,
    noise,
) -> None:
    """A gzip'd body is kept whole in its record, so it is itself a valid gzip member;
    reading on after damage must not take it for the next record."""
    body = gzip.compress(noise(5_000), mtime=0)  # big enough to be stored, not deflated
    urls = [f"https://www.regjeringen.no/no/aktuelt/sak/id{n}/" for n in range(1, 5)]
    with make_writer(tmp_path) as writer:
        captures = [writer.write(exchange(url, body=body)) for url in urls]
    (path,) = writer.closed_files
    data = bytearray(path.read_bytes())
    data[captures[1].offset + 30] ^= 0xFF  # inside record 2's deflated WARC head
    path.write_bytes(bytes(data))
    report = ReadReport()
    read = [record.capture.url for record in iter_records(path, report)]
    assert read == [urls[0], urls[2], urls[3]]
    # Exactly the damaged member: its request record, next, still reads.
    assert [(s.offset, s.length) for s in report.skipped] == [
        (captures[1].offset, captures[1].length)
    ]


def test_decode_body_says_a_damaged_stream_is_a_zlib_error() -> None:
    """The inflater is ISA-L's; callers (ingest, verify) catch zlib.error all the same."""
    whole = bytearray(gzip.compress(b"<p>Hei</p>" * 1000))
    whole[12:20] = b"\xff" * 8  # the deflate stream's first bytes
    with pytest.raises(zlib.error):
        decode_body(bytes(whole), "gzip")
    with pytest.raises(zlib.error):
        decode_body(b"\x1f\x8b\x08\x00 not a stream", "gzip")
