"""Verify's walk split with a forked child finds what one process walking alone finds."""

from __future__ import annotations

import gzip
import multiprocessing
import os
import random
import shutil
import uuid
from pathlib import Path

import pytest

import archive.verify as verify_module
import archive.verify_split as split_module
from archive.datadir import DataDir
from archive.reindex import rebuild
from archive.verify import verify
from archive.verify_split import SplitWalk
from archive.warc.reader import verify_file

URL = "https://www.regjeringen.no/no/aktuelt/sak-{}/id{}/"


@pytest.fixture
def archive(tmp_path: Path, make_writer, exchange) -> Path:
    """Three files of 40 records: one sound, one with damage inside members and between
    them, one left open by a crawl (its last record cut short)."""
    paths = []
    for host in ("a", "b", "c"):
        writer = make_writer(
            tmp_path / "warcs", host=host, record_ids=lambda: f"<urn:uuid:{uuid.uuid4()}>"
        )
        for n in range(40):
            writer.write(exchange(URL.format(f"{host}-{n}", 1000 + n)))
        (path,) = writer.close()
        paths.append(path)
    rebuild(DataDir(tmp_path))
    damaged = bytearray(paths[1].read_bytes())
    chance = random.Random(7)
    for at in chance.sample(range(200, len(damaged)), 12):
        damaged[at] ^= 0xFF
    paths[1].write_bytes(bytes(damaged))
    opened = paths[2].with_name(paths[2].name + ".open")
    tail = gzip.compress(b"WARC/1.1\r\n" + os.urandom(4000))[:1500]
    opened.write_bytes(paths[2].read_bytes() + tail)
    paths[2].unlink()
    return tmp_path


def files(archive: Path) -> list[Path]:
    return sorted((archive / "warcs").glob("*.warc.gz*"))


@pytest.fixture
def small_chunks(monkeypatch) -> None:
    """Chunks of 3 members, and a split at any size: many chunk boundaries, each process's
    share in every file."""
    monkeypatch.setattr(split_module, "CHUNK", 3)
    monkeypatch.setattr(split_module, "SPLIT_BYTES", 0)


def test_the_split_walk_finds_what_one_walk_finds(archive: Path, small_chunks) -> None:
    paths = files(archive)
    alone = []
    for path in paths:
        captures: list = []
        alone.append((verify_file(path, captures), captures))
    assert alone[1][0] and not alone[0][0]  # the damage is found, the sound file is sound
    walk = SplitWalk(paths, split=True)
    assert walk._child is not None  # forked
    found = walk.finish()
    assert [(check.problems, check.captures) for check in found] == alone
    assert multiprocessing.active_children() == []


def test_verify_reports_the_same_split_or_not(
    archive: Path, tmp_path: Path, small_chunks, monkeypatch
) -> None:
    other = tmp_path / "other"
    shutil.copytree(archive, other, ignore=shutil.ignore_patterns("other"))
    # Split even where the test run has left a thread behind, and on one core.
    monkeypatch.setattr(verify_module.threading, "active_count", lambda: 1)
    monkeypatch.setattr(verify_module.os, "cpu_count", lambda: 2)
    forks = []
    real_fork = SplitWalk._fork
    monkeypatch.setattr(SplitWalk, "_fork", lambda walk: forks.append(1) or real_fork(walk))
    split = verify(DataDir(archive))
    assert forks == [1]
    assert not split.ok and {f.kind for f in split.findings} >= {"digest", "open-file"}
    assert split.manifest_added == 1  # the sound file
    monkeypatch.setattr(split_module, "SPLIT_BYTES", 1 << 40)
    assert verify(DataDir(other)).as_dict() == split.as_dict()


def test_a_child_that_fails_leaves_the_walk_to_this_process(
    archive: Path, small_chunks, monkeypatch
) -> None:
    paths = files(archive)
    expected = [(c.problems, c.captures) for c in SplitWalk(paths, split=False).finish()]
    real = split_module._check_chunks

    def failing_in_the_child(paths: list[Path], starts, first: int):
        if first == 1:
            raise RuntimeError("a child that fails")
        return real(paths, starts, first)

    monkeypatch.setattr(split_module, "_check_chunks", failing_in_the_child)
    walk = SplitWalk(paths, split=True)
    assert walk._child is not None
    assert [(c.problems, c.captures) for c in walk.finish()] == expected
    assert multiprocessing.active_children() == []
