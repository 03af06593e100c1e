"""What the tool writes in a data directory goes only there, whole or not at all, and what
only reads never writes (issue 9, items 10, 12 and 13)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from archive.datadir import DataDir
from archive.files import DataDirError, append_line, write_atomically
from archive.index.store import Index, OutdatedIndex
from tests.support.mounts import fill, read_only, small_filesystem


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A file outside the data directory that a planted link points at."""
    path = tmp_path / "outside.txt"
    path.write_text("not yours\n")
    return path


def test_write_atomically_replaces_a_link_never_follows_it(tmp_path: Path, outside: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    target = data / "schedules.json"
    target.symlink_to(outside)
    write_atomically(target, "{}\n")
    assert outside.read_text() == "not yours\n"
    assert not target.is_symlink() and target.read_text() == "{}\n"
    assert oct(target.stat().st_mode & 0o777) == "0o644"
    assert sorted(p.name for p in data.iterdir()) == ["schedules.json"]  # no temporary left


def test_append_line_refuses_links_of_any_kind(tmp_path: Path, outside: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    runs = data / "schedule-runs.jsonl"
    runs.symlink_to(outside)
    with pytest.raises(DataDirError, match="schedule-runs.jsonl: it is a symbolic link"):
        append_line(runs, "{}")
    runs.unlink()
    os.link(outside, runs)
    with pytest.raises(DataDirError, match="not a regular file of its own"):
        append_line(runs, "{}")
    assert outside.read_text() == "not yours\n"
    runs.unlink()
    append_line(runs, "{}")
    append_line(runs, "[]")
    assert runs.read_text() == "{}\n[]\n"


def test_the_write_probe_never_uses_a_planted_name(tmp_path: Path, outside: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for pid in range(os.getpid() - 2, os.getpid() + 3):
        (data / f".write-test-{pid}").symlink_to(outside)
    DataDir(data).ensure_writable()
    assert outside.read_text() == "not yours\n"


def test_a_full_disk_leaves_the_old_file_whole(tmp_path: Path) -> None:
    with small_filesystem(tmp_path / "small", "1m") as small:
        target = small / "manifest-sha256.txt"
        target.write_text("old\n")
        fill(small)
        with pytest.raises(DataDirError) as raised:
            write_atomically(target, "x" * 200_000)
        assert raised.value.errno == errno.ENOSPC
        assert str(raised.value) == f"cannot write {target}: No space left on device"
        assert target.read_text() == "old\n"
        assert sorted(p.name for p in small.iterdir()) == ["filler", "manifest-sha256.txt"]


def test_read_only_media_say_so(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with read_only(data, tmp_path / "ro") as ro:
        with pytest.raises(DataDirError) as raised:
            write_atomically(ro / "schedules.json", "{}")
        assert raised.value.errno == errno.EROFS
        with pytest.raises(DataDirError, match="cannot write to data directory .*: Read-only"):
            DataDir(ro).ensure_writable()


def test_search_of_an_old_index_says_what_to_do_and_writes_nothing(
    tmp_path: Path, make_article, record, regarkiv
) -> None:
    """Issue 9, item 12: an older regarkiv's index is read as it is; only search needs the
    upgrade the next crawl makes."""
    path = tmp_path / "index.db"
    with Index(path) as index:
        record(index, make_article(), 0)
        index.conn.execute("DELETE FROM index_meta WHERE key = 'stems_version'")
    before = path.read_bytes()
    with DataDir(tmp_path) as archive:
        assert archive.history(3169214).revisions
        with pytest.raises(OutdatedIndex, match="the next crawl .* brings them up to date"):
            archive.search("ulv")
    result = regarkiv("search", "ulv", "--data-dir", str(tmp_path))
    assert result.returncode == 1
    assert (
        result.stderr.startswith("Error: the search tables of ") and result.stderr.count("\n") == 1
    )
    assert regarkiv("show", "3169214", "--data-dir", str(tmp_path)).returncode == 0
    assert path.read_bytes() == before
