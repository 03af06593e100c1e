"""archive/reindex_workers.py: forked workers that read the WARC files themselves give
every record in file order, as one process reading them does, each inflating fewer members
than the files hold (archive/warc/chunks.py), and fail loudly."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pytest

import archive.reindex_workers as workers
import archive.warc.chunks as warc_chunks
from archive.ingest import Prepared, prepare
from archive.model import Capture
from archive.reindex_workers import WorkerFailed, Workers
from archive.warc.members import Member, iter_members
from archive.warc.reader import ReadReport, Skipped, iter_records
from tests.support.replay import CrawledReplica


def _damaged_copy(crawled_replica: CrawledReplica, tmp_path: Path) -> list[Path]:
    """The replica's WARC files, the first with three records' gzip members broken (two of
    them next to each other) and the last cut short inside a member."""
    shutil.copytree(crawled_replica.data / "warcs", tmp_path / "warcs")
    paths = sorted((tmp_path / "warcs").glob("*.warc.gz"))
    data = bytearray(paths[0].read_bytes())
    for at in (len(data) // 3, len(data) // 2, len(data) // 2 + 20_000):
        data[at : at + 64] = bytes(b ^ 0xFF for b in data[at : at + 64])
    paths[0].write_bytes(bytes(data))
    last = paths[-1].read_bytes()
    paths[-1].write_bytes(last[: len(last) * 2 // 3])
    return paths


def _counting_members(fh: BinaryIO, *, resync: bool = True) -> Iterator[Member]:
    """``iter_members``, with a byte a member inflated in this worker's tally file."""
    with open(_TALLY.with_name(multiprocessing.current_process().name), "ab") as tally:
        for member in iter_members(fh, resync=resync):
            tally.write(b".")
            yield member


# A byte a record the slow worker prepared, or a member a worker inflated (the workers are
# forked: a file is how they tell).
_TALLY = Path()


def _read_in_one_process(paths: list[Path]) -> list[tuple[int, Prepared | Skipped]]:
    found: list[tuple[int, int, Prepared | Skipped]] = []
    for number, path in enumerate(paths):
        report = ReadReport()
        for record in iter_records(path, report):
            capture = record.capture
            body = record.body if capture.record_type == "response" else None
            each = prepare(capture, body, record.header("Content-Encoding"))
            found.append((number, capture.offset, each))
        found += [(number, skipped.offset, skipped) for skipped in report.skipped]
    return [(number, each) for number, _, each in sorted(found, key=lambda f: f[:2])]


def test_workers_give_every_record_in_file_order(
    crawled_replica: CrawledReplica, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = _damaged_copy(crawled_replica, tmp_path)
    assert len(paths) >= 2  # chunks run across a file's end
    expected = _read_in_one_process(paths)
    assert any(isinstance(each, Skipped) for _, each in expected)
    assert sum(isinstance(each, Prepared) and each.article is not None for _, each in expected)
    members = 0
    for path in paths:
        with open(path, "rb") as fh:
            members += sum(1 for _ in iter_members(fh))
    monkeypatch.setattr(warc_chunks, "iter_members", _counting_members)
    monkeypatch.setattr(sys.modules[__name__], "_TALLY", tmp_path / "tallies" / "-")
    for chunk, count in ((3, 2), (5, 3), (64, 2), (1000, 2), (7, 1)):
        monkeypatch.setattr(workers, "CHUNK", chunk)  # the forked workers inherit it
        _TALLY.parent.mkdir()
        with Workers(paths, count) as forked:
            assert list(forked.entries()) == expected, (chunk, count)
        inflated = [tally.stat().st_size for tally in _TALLY.parent.iterdir()]
        shutil.rmtree(_TALLY.parent)
        if count == 1:
            assert inflated == [members], (chunk, inflated)
        elif members > 20 * chunk:  # each skipped chunks the others walked
            assert max(inflated) < members, (chunk, count, inflated)
            assert sum(inflated) < members * count, (chunk, count, inflated)


def test_chunks_lent_before_a_long_write_are_paid_back(
    crawled_replica: CrawledReplica, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``lend`` lets the workers run ``LEND`` chunks further ahead, once until paid back: the
    records come in the same order, and the claims issued stay within the window and one
    loan however often it is asked for."""
    paths = _damaged_copy(crawled_replica, tmp_path)
    expected = _read_in_one_process(paths)
    members = 0
    for path in paths:
        with open(path, "rb") as fh:
            members += sum(1 for _ in iter_members(fh))
    monkeypatch.setattr(workers, "CHUNK", 3)
    chunks = -(-members // 3)
    for every in (1, 2, 7):
        with Workers(paths, 2) as forked:
            found = []
            for number, entry in enumerate(forked.entries()):
                found.append(entry)
                if number % every == 0:
                    forked.lend()
            issued = forked._issued
        assert found == expected, every
        # Past the last chunk: the window, one loan, and the one answered "no such chunk".
        assert chunks < issued <= chunks + 1 + workers.WINDOW + workers.LEND, (every, issued)


def _slow_in_the_first_worker(capture: Capture, body: bytes | None, coding: str | None) -> Prepared:
    if multiprocessing.current_process().name.endswith("-0"):
        time.sleep(0.01)  # as if the machine gave this worker little of the CPU
        with open(_TALLY, "ab") as tally:
            tally.write(b".")
    return prepare(capture, body, coding)


def test_a_slow_worker_takes_fewer_chunks_and_the_order_holds(
    crawled_replica: CrawledReplica, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = sorted((crawled_replica.data / "warcs").glob("*.warc.gz"))
    expected = _read_in_one_process(paths)
    monkeypatch.setattr(workers, "CHUNK", 4)
    monkeypatch.setattr(workers, "prepare", _slow_in_the_first_worker)
    monkeypatch.setattr(sys.modules[__name__], "_TALLY", tmp_path / "tally")
    with Workers(paths, 2) as forked:
        assert list(forked.entries()) == expected
    # Chunks dealt in turn would have given the slow worker half the records.
    captures = sum(isinstance(each, Prepared) for _, each in expected)
    slow = (tmp_path / "tally").stat().st_size if (tmp_path / "tally").exists() else 0
    assert slow < captures / 4, (slow, captures)


def _dies(*_: object) -> Prepared:
    os._exit(3)


def _fails(*_: object) -> Prepared:
    raise ValueError("extraction broke")


def test_a_worker_that_dies_or_fails_is_an_error(
    crawled_replica: CrawledReplica, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = sorted((crawled_replica.data / "warcs").glob("*.warc.gz"))
    monkeypatch.setattr(workers, "prepare", _dies)
    with Workers(paths, 2) as forked, pytest.raises(WorkerFailed, match="exit code 3"):
        list(forked.entries())
    monkeypatch.setattr(workers, "prepare", _fails)
    with Workers(paths, 2) as forked, pytest.raises(ValueError, match="extraction broke"):
        list(forked.entries())


def test_rebuild_with_a_dying_worker_keeps_the_index(
    crawled_replica: CrawledReplica, tmp_path: Path, root: Path
) -> None:
    import subprocess
    import sys

    copy = tmp_path / "copy"
    shutil.copytree(crawled_replica.data, copy)
    before = (copy / "index.db").read_bytes()
    script = "from tests.support.dying_reindex import main; main()"
    run = subprocess.run(
        [sys.executable, "-c", script, str(copy)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "ReindexError: cannot build the new index: extraction worker" in run.stdout
    assert "died (exit code 3)" in run.stdout and "is unchanged" in run.stdout
    assert (copy / "index.db").read_bytes() == before
    assert not list(copy.glob("index.db.rebuild*"))


def test_workers_make_grams_in_order_once_extraction_is_done(
    crawled_replica: CrawledReplica,
) -> None:
    from archive.index.grams import JOIN, SourceRow, grams_rows

    paths = sorted((crawled_replica.data / "warcs").glob("*.warc.gz"))
    words = ["skatt", "og", "regjering", "den", "nye", "budsjett"]
    rows: list[SourceRow] = [
        (
            row_id,
            " ".join(words[(row_id + k) % 6] for k in range(3)),
            "",
            " ".join(words[(row_id * k) % 6] for k in range(40)),
            "nb" if row_id % 2 else "en",
            "nyhet",
            '["Finansdepartementet"]',
        )
        for row_id in range(1, 23)
    ]
    common = frozenset({"skatt", "og", "den", "budsjett"})
    with Workers(paths, 2) as forked:
        list(forked.entries())
        batches = iter([rows[start : start + 4] for start in range(0, len(rows), 4)])
        made = [row for batch in forked.grams(common, batches) for row in batch]
    assert made == grams_rows(common, rows)
    assert any(JOIN in row[3] for row in made)


def test_workers_stop_at_once_when_given_up_on(
    crawled_replica: CrawledReplica, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker blocked on its full pipe sees it closed (it holds no reading end itself)
    and ends by itself, without being killed."""
    import time

    paths = sorted((crawled_replica.data / "warcs").glob("*.warc.gz"))
    monkeypatch.setattr(workers, "CHUNK", 1)
    monkeypatch.setattr(workers, "PIPE_BYTES", 4096)  # full after a few records
    forked = Workers(paths, 2)
    next(forked.entries())
    time.sleep(0.5)  # both at a full pipe by now
    started = time.monotonic()
    forked.close()
    assert time.monotonic() - started < 0.9  # close() kills only after a second
    assert [process.exitcode for process in forked._processes] == [0, 0]
