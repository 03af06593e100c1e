"""The schedule files in the data directory: written only there, whole, or refused in one
line (issue 9, items 10 and 13)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archive.datadir import DataDir, DataDirError
from archive.schedules import ScheduleStore
from tests.support.mounts import fill, read_only, small_filesystem

ADD = ("schedule", "add", "daily", "--cron", "0 6 * * *")


def test_planted_links_are_never_written_through(tmp_path: Path, regarkiv) -> None:
    data = tmp_path / "data"
    data.mkdir()
    outside = tmp_path / "outside.txt"
    outside.write_text("not yours\n")
    for name in ("schedules.tmp", "schedules.json.tmp", ".schedules.json.tmp"):
        (data / name).symlink_to(outside)
    result = regarkiv(*ADD, "--data-dir", str(data))
    assert result.returncode == 0, result.stderr
    assert outside.read_text() == "not yours\n"
    assert list(json.loads((data / "schedules.json").read_text())) == ["daily"]

    (data / "schedule-runs.jsonl").symlink_to(outside)
    store = ScheduleStore(DataDir(data))
    slot = datetime(2026, 11, 4, 6, tzinfo=UTC)
    with pytest.raises(DataDirError, match="schedule-runs.jsonl: it is a symbolic link"):
        store.record_run("daily", slot, "finished", 0)
    assert outside.read_text() == "not yours\n"


def test_read_only_media_and_a_full_disk_are_one_line(tmp_path: Path, regarkiv) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with read_only(data, tmp_path / "ro") as ro:
        result = regarkiv(*ADD, "--data-dir", str(ro))
        assert result.returncode == 1
        assert result.stderr == f"Error: cannot write {ro}/schedules.json: Read-only file system\n"
    with small_filesystem(tmp_path / "small", "1m") as small:
        (small / "data").mkdir()
        fill(small)
        result = regarkiv(*ADD, "--data-dir", str(small / "data"))
        assert result.returncode == 1
        assert result.stderr.startswith("Error: cannot write ")
        assert result.stderr.endswith("schedules.json: No space left on device\n")
        assert list((small / "data").iterdir()) == []
