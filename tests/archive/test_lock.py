"""The crawl lock: one holder at a time, and never a write outside the data directory
(issue 9, item 10)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from archive.lock import DataDirLock, DataDirLocked, LockError
from tests.support.mounts import read_only


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    path = tmp_path / "outside.txt"
    path.write_text("not yours\n")
    return path


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


def test_one_holder_at_a_time(data: Path) -> None:
    lock = DataDirLock(data / "crawl.lock")
    assert lock.held_by_another() is None
    with lock:
        assert (data / "crawl.lock").read_text() == str(os.getpid())
        assert DataDirLock(data / "crawl.lock").held_by_another() == str(os.getpid())
        with pytest.raises(DataDirLocked, match=rf"another crawl is running .*pid {os.getpid()}"):
            DataDirLock(data / "crawl.lock").acquire()
    assert lock.held_by_another() is None


def test_a_planted_link_is_refused_and_left_alone(data: Path, outside: Path) -> None:
    (data / "crawl.lock").symlink_to(outside)
    with pytest.raises(LockError) as raised:
        DataDirLock(data / "crawl.lock").acquire()
    assert str(raised.value) == (
        f"{data}/crawl.lock is a symbolic link; remove it (regarkiv never follows one)"
    )
    assert outside.read_text() == "not yours\n"
    assert DataDirLock(data / "crawl.lock").held_by_another() is None
    (data / "crawl.lock").unlink()
    os.link(outside, data / "crawl.lock")
    with pytest.raises(LockError, match="crawl.lock is a hard link; remove it"):
        DataDirLock(data / "crawl.lock").acquire()
    assert outside.read_text() == "not yours\n"
    (data / "crawl.lock").unlink()
    os.mkfifo(data / "crawl.lock")
    with pytest.raises(LockError, match="crawl.lock is not a regular file"):
        DataDirLock(data / "crawl.lock").acquire()


def test_a_dangling_link_creates_nothing(data: Path, tmp_path: Path) -> None:
    (data / "crawl.lock").symlink_to(tmp_path / "created-elsewhere")
    with pytest.raises(LockError, match="symbolic link"):
        DataDirLock(data / "crawl.lock").acquire()
    assert not (tmp_path / "created-elsewhere").exists()


def test_read_only_media(data: Path, tmp_path: Path) -> None:
    with DataDirLock(data / "crawl.lock"):
        pass
    with read_only(data, tmp_path / "ro") as ro:
        assert DataDirLock(ro / "crawl.lock").held_by_another() is None  # verify's question
        with pytest.raises(LockError, match="cannot open .*crawl.lock: Read-only file system"):
            DataDirLock(ro / "crawl.lock").acquire()
