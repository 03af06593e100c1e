"""The WARC writer: records, digests, revisits, rollover, errors."""

from __future__ import annotations

import errno
import gzip
import itertools
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

pytest.importorskip("fastwarc", reason="fastwarc (a dev extra) is not installed")

from fastwarc.warc import ArchiveIterator as FastArchiveIterator
from fastwarc.warc import WarcRecordType

from archive.model import Capture, Exchange
from archive.warc import file as warc_file
from archive.warc.records import sha1_digest
from archive.warc.writer import WarcWriteError, WarcWriter
from tests.support.warc import ARTICLE_HTML, FETCHED, INFO


def test_response_and_request_records_are_what_warcio_and_fastwarc_read(
    tmp_path: Path, exchange, make_writer, warcio_check, warcio_records
) -> None:
    ex = exchange()
    with make_writer(tmp_path) as writer:
        capture = writer.write(ex)
    (path,) = writer.closed_files

    records = list(warcio_records(path))
    assert [r.rec_type for r, _ in records] == ["warcinfo", "response", "request"]
    info, response, request = (r for r, _ in records)
    assert response.rec_headers.get_header("WARC-Record-ID") == capture.record_id
    assert response.rec_headers.get_header("WARC-Date") == "2024-05-06T07:08:09.123456Z"
    assert response.rec_headers.get_header("WARC-Target-URI") == ex.url
    assert response.rec_headers.get_header("WARC-IP-Address") == "127.0.0.1"
    assert response.rec_headers.get_header("WARC-Payload-Digest") == sha1_digest([ex.body])
    assert response.rec_headers.get_header("Content-Type") == "application/http;msgtype=response"
    info_id = info.rec_headers.get_header("WARC-Record-ID")
    assert response.rec_headers.get_header("WARC-Warcinfo-ID") == info_id
    assert request.rec_headers.get_header("WARC-Warcinfo-ID") == info_id
    assert request.rec_headers.get_header("WARC-Concurrent-To") == capture.record_id
    assert request.rec_headers.get_header("Content-Type") == "application/http;msgtype=request"
    assert records[1][1] == ex.body  # the payload as it came: still gzip
    assert response.http_headers.get_header("Content-Encoding") == "gzip"
    assert records[2][1] == b""  # a GET has no request body

    fast_types = []
    with open(path, "rb") as fh:
        for record in FastArchiveIterator(fh, parse_http=False):
            fast_types.append(record.record_type)
            assert record.verify_block_digest(consume=False)
            if record.record_type == WarcRecordType.response:
                assert record.record_date == FETCHED
                record.parse_http()
                assert record.verify_payload_digest(consume=False)
                assert record.reader.read() == ex.body
    assert fast_types == [WarcRecordType.warcinfo, WarcRecordType.response, WarcRecordType.request]

    result = warcio_check(path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("digest pass") == 3


def test_warcinfo_says_who_crawled_and_how(
    tmp_path: Path, exchange, make_writer, warcio_records
) -> None:
    with make_writer(tmp_path) as writer:
        writer.write(exchange())
    info, block = next(warcio_records(writer.closed_files[0]))
    assert info.rec_headers.get_header("WARC-Filename") == writer.closed_files[0].name
    assert info.rec_headers.get_header("Content-Type") == "application/warc-fields"
    fields = dict(line.split(": ", 1) for line in block.decode().splitlines())
    assert fields["software"] == "regarkiv/0.1.0"
    assert fields["job-id"] == "job-20240506"
    assert fields["operator"] == "Arkivet <arkiv@example.org>"
    assert fields["http-header-user-agent"].startswith("regarkiv/")
    assert fields["robots"] == "obey"
    assert fields["base-url"] == "https://www.regjeringen.no"
    assert fields["format"] == "WARC File Format 1.1"
    assert fields["conformsTo"].endswith("/warc-1.1/")
    assert fields["crawl-settings"] == "delay=1.0 concurrency=2"


def test_warcinfo_may_be_a_mapping_but_must_name_the_crawler(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="operator"):
        WarcWriter(tmp_path, {"software": "x", "job-id": "j"})


def test_same_input_gives_the_same_bytes(tmp_path: Path, exchange, make_writer) -> None:
    outputs = []
    for run in ("a", "b"):
        with make_writer(tmp_path / run) as writer:
            writer.write(exchange())
        outputs.append(writer.closed_files[0].read_bytes())
    assert outputs[0] == outputs[1]
    assert writer.closed_files[0].name == "regarkiv-20240506070000-00000-testhost.warc.gz"


def test_capture_points_at_one_gzip_member_holding_the_response(
    tmp_path: Path, exchange, make_writer
) -> None:
    with make_writer(tmp_path) as writer:
        capture = writer.write(exchange())
    data = writer.closed_files[0].read_bytes()
    member = data[capture.offset : capture.offset + capture.length]
    inflater = zlib.decompressobj(31)
    record = inflater.decompress(member)
    assert inflater.eof and not inflater.unused_data
    assert record.startswith(b"WARC/1.1\r\nWARC-Type: response\r\n")
    assert record.endswith(b"\r\n\r\n")
    assert capture == Capture(
        url=exchange().url,
        fetched_at=FETCHED,
        status=200,
        record_type="response",
        record_id="<urn:uuid:00000000-0000-4000-8000-000000000002>",
        warc_file="regarkiv-20240506070000-00000-testhost.warc.gz",
        offset=capture.offset,
        length=capture.length,
        payload_digest=sha1_digest([exchange().body]),
        content_type="text/html; charset=utf-8",
    )


def test_every_record_is_its_own_gzip_member(tmp_path: Path, exchange, make_writer) -> None:
    with make_writer(tmp_path) as writer:
        for n in range(3):
            writer.write(exchange(f"https://www.regjeringen.no/no/id{n}/"))
    data = writer.closed_files[0].read_bytes()
    members = 0
    while data:
        inflater = zlib.decompressobj(31)
        assert inflater.decompress(data).startswith(b"WARC/1.1\r\n")
        data = inflater.unused_data
        members += 1
    assert members == 7


def test_request_body_is_stored(tmp_path: Path, exchange, make_writer, warcio_records) -> None:
    ex = exchange()
    post = Exchange(**{**ex.__dict__, "request_head": b"POST /sok HTTP/1.1\r\n\r\n"})
    post = Exchange(**{**post.__dict__, "request_body": b"q=beredskap"})
    with make_writer(tmp_path) as writer:
        writer.write(post)
    request_block = list(warcio_records(writer.closed_files[0]))[2][1]
    assert request_block == b"q=beredskap"


@pytest.fixture
def revisit_headers(warcio_records) -> Callable[[Path], list[dict[str, str]]]:
    return lambda path: [
        dict(record.rec_headers.headers)
        for record, _ in warcio_records(path)
        if record.rec_type == "revisit"
    ]


def test_same_payload_of_same_url_becomes_a_revisit(
    tmp_path: Path, exchange, make_writer, warcio_check, warcio_records, revisit_headers
) -> None:
    later = FETCHED + timedelta(hours=1)
    with make_writer(tmp_path) as writer:
        first = writer.write(exchange())
        again = writer.write(exchange(fetched_at=later))
        other_url = writer.write(exchange("https://www.regjeringen.no/en/id1/"))
    assert first.record_type == "response" and other_url.record_type == "response"
    assert again.record_type == "revisit"
    assert again.refers_to == first.record_id
    assert again.payload_digest == first.payload_digest
    (headers,) = revisit_headers(writer.closed_files[0])
    assert headers["WARC-Profile"] == (
        "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
    )
    assert headers["WARC-Refers-To"] == first.record_id
    assert headers["WARC-Refers-To-Target-URI"] == first.url
    assert headers["WARC-Refers-To-Date"] == "2024-05-06T07:08:09.123456Z"
    assert headers["WARC-Payload-Digest"] == first.payload_digest
    assert "WARC-Truncated" not in headers
    revisit = [r for r, block in warcio_records(writer.closed_files[0]) if r.rec_type == "revisit"]
    assert revisit[0].http_headers.get_statuscode() == "200"
    assert warcio_check(writer.closed_files[0]).returncode == 0


def test_a_page_that_changed_back_is_a_full_response_again(
    tmp_path: Path, exchange, make_writer
) -> None:
    """A, B, A: a revisit of the first A would hide the change back from the index."""
    a, b = gzip.compress(b"<p>A</p>" * 200), gzip.compress(b"<p>B</p>" * 200)
    times = [FETCHED + timedelta(hours=n) for n in range(4)]
    with make_writer(tmp_path) as writer:
        captures = [
            writer.write(exchange(body=body, fetched_at=when))
            for body, when in zip([a, b, a, a], times, strict=True)
        ]
    assert [c.record_type for c in captures] == ["response", "response", "response", "revisit"]
    assert captures[3].refers_to == captures[2].record_id


def test_only_2xx_responses_are_deduplicated(tmp_path: Path, exchange, make_writer) -> None:
    gone = exchange(status_line=b"HTTP/1.1 404 Not Found", body=b"not here")
    with make_writer(tmp_path) as writer:
        captures = [writer.write(gone), writer.write(gone)]
    assert [c.record_type for c in captures] == ["response", "response"]


def test_lookup_finds_an_original_from_an_earlier_crawl(
    tmp_path: Path, exchange, make_writer, revisit_headers
) -> None:
    ex = exchange()
    original = Capture(
        url=ex.url,
        fetched_at=datetime(2023, 1, 2, 3, 4, 5, tzinfo=UTC),
        status=200,
        record_type="response",
        record_id="<urn:uuid:11111111-1111-4111-8111-111111111111>",
        warc_file="regarkiv-20230102030000-00000-old.warc.gz",
        offset=1234,
        length=999,
        payload_digest=sha1_digest([ex.body]),
    )
    asked: list[tuple[str, str]] = []

    def lookup(url: str, digest: str) -> Capture | None:
        asked.append((url, digest))
        return original if digest == original.payload_digest else None

    with make_writer(tmp_path, lookup=lookup) as writer:
        capture = writer.write(ex)
    assert asked == [(ex.url, original.payload_digest)]
    assert capture.record_type == "revisit" and capture.refers_to == original.record_id
    (headers,) = revisit_headers(writer.closed_files[0])
    assert headers["WARC-Refers-To-Date"] == "2023-01-02T03:04:05.000000Z"


def test_a_failing_lookup_or_a_revisit_as_original_gives_a_full_response(
    tmp_path: Path, exchange, make_writer
) -> None:
    def broken(url: str, digest: str) -> Capture | None:
        raise RuntimeError("index unavailable")

    with make_writer(tmp_path / "a", lookup=broken) as writer:
        assert writer.write(exchange()).record_type == "response"
    assert writer.lookup_failures == 1

    revisit = Capture(
        "u", FETCHED, 200, "revisit", "<urn:uuid:x>", "f", 0, 1, "sha1:X", None, "<y>"
    )
    with make_writer(tmp_path / "b", lookup=lambda url, digest: revisit) as writer:
        assert writer.write(exchange()).record_type == "response"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            ((b"Transfer-Encoding", b"chunked"), (b"Content-Type", b"text/html")),
            [
                (b"X-Archive-Orig-Transfer-Encoding", b"chunked"),
                (b"Content-Type", b"text/html"),
                (b"Content-Length", b"11"),
            ],
        ),
        (
            ((b"Content-Length", b"999"), (b"transfer-encoding", b"chunked")),
            [
                (b"X-Archive-Orig-Content-Length", b"999"),
                (b"X-Archive-Orig-transfer-encoding", b"chunked"),
                (b"Content-Length", b"11"),
            ],
        ),
        (
            ((b"Transfer-Encoding", b"chunked"), (b"Content-Length", b"11")),
            [(b"X-Archive-Orig-Transfer-Encoding", b"chunked"), (b"Content-Length", b"11")],
        ),
        (((b"Content-Length", b"999"),), [(b"Content-Length", b"999")]),  # as received
    ],
)
def test_transfer_encoding_is_renamed_and_length_made_true(
    tmp_path: Path,
    headers: tuple[tuple[bytes, bytes], ...],
    expected: list[tuple[bytes, bytes]],
    exchange,
    make_writer,
    warcio_check,
    warcio_records,
) -> None:
    with make_writer(tmp_path) as writer:
        writer.write(exchange(body=b"hello world", headers=headers))
    response = list(warcio_records(writer.closed_files[0]))[1][0]
    stored = [(k.encode(), v.encode()) for k, v in response.http_headers.headers]
    assert stored == expected
    assert warcio_check(writer.closed_files[0]).returncode == 0


def test_files_roll_over_past_max_size(
    tmp_path: Path, exchange, make_writer, noise, warcio_records
) -> None:
    with make_writer(tmp_path, max_size=20_000, gzip_level=1) as writer:
        captures = [
            writer.write(exchange(f"https://www.regjeringen.no/no/id{n}/", body=noise(8000, n)))
            for n in range(8)
        ]
    files = writer.closed_files
    assert len(files) > 2
    assert [f.name for f in files] == [
        f"regarkiv-20240506070000-{n:05d}-testhost.warc.gz" for n in range(len(files))
    ]
    assert {c.warc_file for c in captures} == {f.name for f in files}
    for path in files:
        assert path.stat().st_size < 20_000 + 8_000
        assert next(warcio_records(path))[0].rec_type == "warcinfo"
        assert path.with_name(path.name.replace(".warc.gz", ".cdxj")).exists()
    assert not list(tmp_path.glob("*.open"))


def test_file_is_open_while_written_and_renamed_on_close(
    tmp_path: Path, exchange, make_writer
) -> None:
    writer = make_writer(tmp_path)
    writer.write(exchange())
    writer.flush()
    assert [p.name for p in tmp_path.iterdir()] == [
        "regarkiv-20240506070000-00000-testhost.warc.gz.open"
    ]
    assert writer.close() == [tmp_path / "regarkiv-20240506070000-00000-testhost.warc.gz"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "regarkiv-20240506070000-00000-testhost.cdxj",
        "regarkiv-20240506070000-00000-testhost.warc.gz",
    ]


def test_records_are_written_in_submission_order(
    tmp_path: Path, exchange, make_writer, warcio_records
) -> None:
    urls = [f"https://www.regjeringen.no/no/id{n}/" for n in range(200)]
    with make_writer(tmp_path, queue_size=4) as writer:
        futures = [writer.submit(exchange(url, body=url.encode() * 50)) for url in urls]
    offsets = [f.result().offset for f in futures]
    assert offsets == sorted(offsets)
    written = [
        r.rec_headers.get_header("WARC-Target-URI")
        for r, _ in warcio_records(writer.closed_files[0])
        if r.rec_type == "response"
    ]
    assert written == urls


def test_submit_returns_before_the_record_is_written(tmp_path: Path, exchange, make_writer) -> None:
    gate = threading.Event()
    original_write = warc_file._write_all

    def slow_write(fd: int, data: bytes) -> None:
        gate.wait(10)
        original_write(fd, data)

    writer = make_writer(tmp_path)
    warc_writer_write = pytest.MonkeyPatch()
    warc_writer_write.setattr(warc_file, "_write_all", slow_write)
    try:
        started = time.perf_counter()
        future = writer.submit(exchange())
        assert time.perf_counter() - started < 0.5
        assert not future.done()
        gate.set()
        assert future.result(10).record_type == "response"
    finally:
        gate.set()
        writer.close()
        warc_writer_write.undo()


def failing_after(calls: int, error: int = errno.ENOSPC) -> Callable[[int, bytes], None]:
    """A _write_all that writes ``calls`` members, then half the next, and fails as a full disk."""
    import os

    count = itertools.count()

    def write(fd: int, data: bytes) -> None:
        if next(count) >= calls:
            os.write(fd, data[: len(data) // 2])
            raise OSError(error, os.strerror(error))
        os.write(fd, data)

    return write


def test_disk_full_fails_the_record_and_keeps_the_file_whole(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    exchange,
    make_writer,
    warcio_check,
    warcio_records,
) -> None:
    writer = make_writer(tmp_path)
    # warcinfo + 2 exchanges (2 members each) succeed; the third response is cut in half.
    monkeypatch.setattr(warc_file, "_write_all", failing_after(5))
    good = [writer.write(exchange(f"https://www.regjeringen.no/no/id{n}/")) for n in range(2)]
    failed = writer.submit(exchange("https://www.regjeringen.no/no/id2/"))
    with pytest.raises(WarcWriteError) as info:
        failed.result(10)
    assert isinstance(info.value.__cause__, OSError)
    assert info.value.__cause__.errno == errno.ENOSPC
    with pytest.raises(WarcWriteError):
        writer.submit(exchange())
    with pytest.raises(WarcWriteError):
        writer.close()
    (path,) = writer.closed_files
    assert not list(tmp_path.glob("*.open"))
    assert warcio_check(path).returncode == 0
    responses = [r for r, _ in warcio_records(path) if r.rec_type == "response"]
    assert [r.rec_headers.get_header("WARC-Record-ID") for r in responses] == [
        c.record_id for c in good
    ]
    monkeypatch.undo()
    with make_writer(tmp_path / "reference") as reference:
        for n in range(2):
            reference.write(exchange(f"https://www.regjeringen.no/no/id{n}/"))
    assert path.read_bytes() == reference.closed_files[0].read_bytes()


def test_a_blocked_submitter_is_released_when_the_writer_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exchange, make_writer
) -> None:
    monkeypatch.setattr(warc_file, "_write_all", failing_after(0))
    writer = make_writer(tmp_path, queue_size=1)
    futures = []
    with pytest.raises(WarcWriteError):  # sooner or later submit itself refuses
        for n in range(50):
            futures.append(writer.submit(exchange(f"https://www.regjeringen.no/no/id{n}/")))
    for future in futures:
        with pytest.raises(WarcWriteError):
            future.result(10)
    with pytest.raises(WarcWriteError):
        writer.close()
    assert list(tmp_path.iterdir()) == []  # not even the warcinfo record was written


def test_unwritable_directory_raises_warc_write_error(
    tmp_path: Path, exchange, make_writer
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_bytes(b"")
    with pytest.raises(WarcWriteError):
        WarcWriter(blocker / "warcs", INFO)

    # The directory vanishes under a running crawl (e.g. an unmounted disk).
    warcs = tmp_path / "warcs"
    writer = make_writer(warcs)
    warcs.rmdir()
    warcs.write_bytes(b"")
    with pytest.raises(WarcWriteError):
        writer.write(exchange())
    with pytest.raises(WarcWriteError):
        writer.close()


def test_a_bad_exchange_fails_alone(tmp_path: Path, exchange, make_writer, warcio_check) -> None:
    with make_writer(tmp_path) as writer:
        with pytest.raises(ValueError):
            writer.write(exchange("https://www.regjeringen.no/no/\r\nX-Evil: 1"))
        assert writer.write(exchange()).record_type == "response"
    assert warcio_check(writer.closed_files[0]).returncode == 0


def test_gzip_level_is_a_parameter(tmp_path: Path, exchange, make_writer) -> None:
    sizes = []
    for level in (1, 9):
        with make_writer(tmp_path / str(level), gzip_level=level) as writer:
            writer.write(exchange(body=ARTICLE_HTML * 3, headers=()))
        sizes.append(writer.closed_files[0].stat().st_size)
    assert sizes[1] < sizes[0]


def test_closed_writer_refuses_work(tmp_path: Path, exchange, make_writer) -> None:
    writer = make_writer(tmp_path)
    assert writer.close() == []
    assert writer.close() == []
    with pytest.raises(WarcWriteError):
        writer.submit(exchange())


def test_a_record_that_cannot_be_cut_off_leaves_the_file_to_repair(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exchange, make_writer, warcio_check
) -> None:
    from archive.warc.repair import repair_open_files

    writer = make_writer(tmp_path)
    good = writer.write(exchange())
    monkeypatch.setattr(warc_file, "_write_all", failing_after(0))

    def broken_truncate(fd: int, length: int) -> None:
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(warc_file.os, "ftruncate", broken_truncate)
    with pytest.raises(WarcWriteError):
        writer.write(exchange("https://www.regjeringen.no/no/id2/"))
    with pytest.raises(WarcWriteError):
        writer.close()
    monkeypatch.undo()
    assert writer.closed_files == []
    (report,) = repair_open_files(tmp_path)
    assert report.records_kept == 3 and report.bytes_cut > 0
    assert report.warc_path is not None and report.warc_path.name == good.warc_file
    assert warcio_check(report.warc_path).returncode == 0


FILE_SIZE_LIMITED = """
import resource, signal, sys
from pathlib import Path
sys.path.insert(0, {root!r})
from archive.warc.writer import WarcWriteError
from tests.support.warc import exchange, make_writer, noise
# Past RLIMIT_FSIZE the kernel fails write() with EFBIG, after a partial write:
# the same path a full disk takes, with no mocks.
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))
writer = make_writer(Path({directory!r}), gzip_level=1)
written = 0
try:
    for n in range(100):
        writer.write(exchange(f"https://www.regjeringen.no/no/id{{n}}/", body=noise(30_000, n)))
        written += 1
except WarcWriteError as error:
    print(written, error.__cause__.errno)
try:
    writer.close()
except WarcWriteError:
    pass
"""


def test_a_real_write_failure_keeps_the_file_whole(
    tmp_path: Path, warcio_check, warcio_records, root
) -> None:
    script = FILE_SIZE_LIMITED.format(root=str(root), directory=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    written, error = map(int, result.stdout.split())
    assert error == errno.EFBIG and 0 < written < 10, result.stderr
    (path,) = tmp_path.glob("*.warc.gz")
    assert not list(tmp_path.glob("*.open"))
    assert warcio_check(path).returncode == 0
    responses = [r for r, _ in warcio_records(path) if r.rec_type == "response"]
    assert len(responses) == written


def test_an_already_compressed_payload_is_stored_not_deflated_again(
    tmp_path: Path, exchange, make_writer, noise, warcio_check, warcio_records
) -> None:
    gzipped = exchange("https://www.regjeringen.no/no/aktuelt/a/id1/", body=noise(50_000))
    plain_headers = ((b"Content-Type", b"text/html; charset=utf-8"),)
    html = exchange(
        "https://www.regjeringen.no/no/aktuelt/b/id2/",
        body=ARTICLE_HTML * 20,
        headers=plain_headers,
    )
    with make_writer(tmp_path) as writer:
        stored, deflated = writer.write(gzipped), writer.write(html)
    (path,) = writer.closed_files
    # A gzip body goes in as it is (plus framing), an identity HTML body is deflated.
    assert 50_000 < stored.length < 50_000 + 1_000
    assert deflated.length < len(ARTICLE_HTML) * 20 // 5
    bodies = {
        r.rec_headers.get_header("WARC-Target-URI"): block
        for r, block in warcio_records(path)
        if r.rec_type == "response"
    }
    assert bodies[gzipped.url].endswith(gzipped.body)
    assert bodies[html.url].endswith(html.body)
    assert warcio_check(path).returncode == 0
