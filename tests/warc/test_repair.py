"""Repairing the .open files a crashed crawl leaves behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from archive.warc.cdxj import cdxj_path
from archive.warc.reader import ReadReport, iter_records, verify_file
from archive.warc.repair import RepairError, repair_open_files


@pytest.fixture
def crashed_file(exchange, make_writer, noise) -> Callable[..., tuple[Path, list]]:
    """An .open file as a crash leaves it: the writer never closed it."""

    def crash(tmp_path: Path, count: int = 4) -> tuple[Path, list]:
        writer = make_writer(tmp_path)
        captures = [
            writer.write(exchange(f"https://www.regjeringen.no/no/id{n}/", body=noise(3000, n)))
            for n in range(count)
        ]
        writer.flush()
        (path,) = tmp_path.glob("*.warc.gz.open")
        copy = path.read_bytes()
        writer.close()  # stands in for the dead process; put back its unclosed file
        for leftover in tmp_path.iterdir():
            leftover.unlink()
        path.write_bytes(copy)
        return path, captures

    return crash


def test_a_file_cut_mid_record_keeps_every_complete_record(
    tmp_path: Path, crashed_file, warcio_check
) -> None:
    path, captures = crashed_file(tmp_path)
    cut_inside = captures[3].offset + captures[3].length // 2
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        fh.truncate(cut_inside)

    (report,) = repair_open_files(tmp_path)

    final = path.with_name(path.name.removesuffix(".open"))
    assert report.warc_path == final and not path.exists()
    assert report.records_kept == 1 + 2 * 3  # warcinfo and three exchanges
    assert report.bytes_cut == cut_inside - captures[3].offset
    assert "cut short" in (report.reason or "")
    assert final.stat().st_size == captures[3].offset < size
    assert [r.capture for r in iter_records(final)] == captures[:3]
    assert verify_file(final) == []
    result = warcio_check(final)
    assert result.returncode == 0, result.stdout
    assert cdxj_path(final).read_text().count("\n") == 3


def test_a_complete_open_file_is_only_renamed(tmp_path: Path, crashed_file) -> None:
    path, captures = crashed_file(tmp_path)
    size = path.stat().st_size
    (report,) = repair_open_files(tmp_path)
    assert report.bytes_cut == 0 and report.reason is None and report.records_kept == 9
    assert report.warc_path is not None and report.warc_path.stat().st_size == size


def test_garbage_after_the_last_record_is_cut(tmp_path: Path, crashed_file, warcio_check) -> None:
    path, captures = crashed_file(tmp_path, count=1)
    garbage = b"\x1f\x8b\x08\x00 half a gzip header and then nothing"
    with open(path, "ab") as fh:
        fh.write(garbage)
    (report,) = repair_open_files(tmp_path)
    assert report.records_kept == 3 and report.bytes_cut == len(garbage)
    assert warcio_check(report.warc_path).returncode == 0


def test_an_open_file_without_a_complete_record_is_removed(tmp_path: Path, crashed_file) -> None:
    path, _ = crashed_file(tmp_path, count=1)
    with open(path, "r+b") as fh:
        fh.truncate(100)  # inside the warcinfo record
    (tmp_path / "regarkiv-20240506080000-00000-testhost.warc.gz.open").write_bytes(b"")
    reports = repair_open_files(tmp_path)
    assert [r.removed for r in reports] == [True, True]
    assert [r.bytes_cut for r in reports] == [100, 0]
    assert list(tmp_path.iterdir()) == []


def test_repair_refuses_to_overwrite_a_finished_file(tmp_path: Path, crashed_file) -> None:
    path, _ = crashed_file(tmp_path, count=1)
    path.with_name(path.name.removesuffix(".open")).write_bytes(b"")
    with pytest.raises(RepairError):
        repair_open_files(tmp_path)
    assert path.exists()


def test_a_missing_cdxj_is_written(tmp_path: Path, exchange, make_writer) -> None:
    with make_writer(tmp_path) as writer:
        writer.write(exchange())
    index = cdxj_path(writer.closed_files[0])
    expected = index.read_text()
    index.unlink()
    assert repair_open_files(tmp_path) == []
    assert index.read_text() == expected


CRAWLER = textwrap.dedent(
    """
    import os, random, sys, time
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from archive.warc import file as warc_file
    from tests.support.warc import exchange, make_writer

    def slow_disk(fd, data):
        # Writes in pieces; halfway through the first big record it tells the
        # test, which kills it there: a crash in the middle of a record.
        for start in range(0, len(data), 65536):
            os.write(fd, data[start : start + 65536])
            if len(data) > 1_000_000 and start >= len(data) // 2:
                print("mid-record", flush=True)
                time.sleep(60)

    warc_file._write_all = slow_disk
    writer = make_writer(Path({directory!r}), gzip_level=1)
    rng = random.Random(1)
    for n in range(100):
        size = 2_000_000 if n == 30 else 60_000
        writer.submit(exchange(f"https://www.regjeringen.no/no/id{{n}}/", body=rng.randbytes(size)))
    writer.close()
    """
)


def test_repair_after_kill_9_mid_record(tmp_path: Path, warcio_check, root) -> None:
    warcs = tmp_path / "warcs"
    script = CRAWLER.format(root=str(root), directory=str(warcs))
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # the child sleeps 60 s after it, at most
        assert line == b"mid-record\n", process.stderr.read().decode()
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
    assert process.returncode == -signal.SIGKILL
    (open_file,) = warcs.glob("*.open")
    size = open_file.stat().st_size

    (report,) = repair_open_files(warcs)

    assert report.warc_path is not None
    assert report.records_kept == 1 + 2 * 30  # warcinfo and the 30 exchanges before the big one
    assert 1_000_000 < report.bytes_cut < size
    read = ReadReport()
    responses = list(iter_records(report.warc_path, read))
    assert read.skipped == []
    assert [r.capture.url for r in responses] == [
        f"https://www.regjeringen.no/no/id{n}/" for n in range(30)
    ]
    assert verify_file(report.warc_path) == []
    result = warcio_check(report.warc_path)
    assert result.returncode == 0, result.stdout


UNTOUCHED_CRAWLER = textwrap.dedent(
    """
    import random, sys
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from tests.support.warc import exchange, make_writer
    writer = make_writer(Path({directory!r}), gzip_level=1)
    rng = random.Random(1)
    n = 0
    while True:
        size = 2_000_000 if n % 5 == 4 else 60_000
        writer.submit(exchange(f"https://www.regjeringen.no/no/id{{n}}/", body=rng.randbytes(size)))
        n += 1
        if n == 20:
            print("running", flush=True)
    """
)


def test_repair_after_kill_9_at_any_moment(tmp_path: Path, warcio_check, root) -> None:
    """No seams: the real writer, killed wherever it happens to be."""
    warcs = tmp_path / "warcs"
    script = UNTOUCHED_CRAWLER.format(root=str(root), directory=str(warcs))
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == b"running\n", process.stderr.read().decode()
        time.sleep(0.3)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
    (report,) = repair_open_files(warcs)
    assert report.warc_path is not None and report.records_kept > 20
    urls = [r.capture.url for r in iter_records(report.warc_path)]
    assert urls == [f"https://www.regjeringen.no/no/id{n}/" for n in range(len(urls))]
    assert warcio_check(report.warc_path).returncode == 0
