"""``regarkiv export wacz`` as a user runs it: the report, and one line for each bad input."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from tests.support.replay import CrawledReplica


def test_export_writes_the_wacz_and_reports_it(
    regarkiv, crawled_replica: CrawledReplica, tmp_path: Path
) -> None:
    out = tmp_path / "news.wacz"
    data = str(crawled_replica.data)
    result = regarkiv("export", "wacz", str(out), "--data-dir", data)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"wrote {out}: the whole archive, 2 WARC files (")
    assert zipfile.ZipFile(out).testzip() is None

    result = regarkiv("export", "wacz", str(out), "--data-dir", data, "--force", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["warc_files"] == 2 and report["pages"] > 20 and report["index_lines"] > 40
    assert report["wacz_bytes"] == out.stat().st_size

    first = crawled_replica.jobs[0]
    result = regarkiv("export", "wacz", str(out), "--data-dir", data, "--force", "--job", first)
    assert result.returncode == 0 and f"job {first}, 1 WARC files" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--job", "nosuchjob"], "Error: no job 'nosuchjob' (see `regarkiv jobs`)"),
        (["--since", "2999-01-01"], "Error: nothing to export: no closed WARC file holds"),
        (["--since", "yesterday"], "Error: --since: expected YYYY-MM-DD, got 'yesterday'"),
    ],
)
def test_a_selection_that_names_nothing_is_one_line(
    regarkiv, crawled_replica: CrawledReplica, tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "a.wacz"
    result = regarkiv("export", "wacz", str(out), "--data-dir", str(crawled_replica.data), *args)
    assert result.returncode == 1 and result.stderr.startswith(message)
    assert len(result.stderr.splitlines()) == 1 and not out.exists()


def test_bad_targets_are_one_line_and_touch_nothing(
    regarkiv, crawled_replica: CrawledReplica, tmp_path: Path
) -> None:
    data = ["--data-dir", str(crawled_replica.data)]
    taken = tmp_path / "taken.wacz"
    taken.write_bytes(b"keep me")
    a_file = tmp_path / "file"
    a_file.write_text("")
    cases = {
        str(taken): f"Error: {taken} exists (use --force to replace it)",
        str(tmp_path / "news.zip"): "a WACZ file's name must end in .wacz",
        str(tmp_path / "missing" / "a.wacz"): f"cannot write {tmp_path / 'missing' / 'a.wacz'}",
        str(a_file / "a.wacz"): f"cannot write {a_file / 'a.wacz'}",
    }
    for out, message in cases.items():
        result = regarkiv("export", "wacz", out, *data)
        assert result.returncode == 1, out
        assert message in result.stderr and len(result.stderr.splitlines()) == 1, result.stderr
    assert taken.read_bytes() == b"keep me"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["file", "taken.wacz"]


def test_no_archive_is_one_line(regarkiv, tmp_path: Path) -> None:
    result = regarkiv("export", "wacz", str(tmp_path / "a.wacz"), "--data-dir", str(tmp_path))
    assert result.returncode == 1 and result.stderr.startswith("Error: ")
    assert "run a crawl first" in result.stderr and len(result.stderr.splitlines()) == 1


def test_a_read_only_directory_is_one_line(
    regarkiv, crawled_replica: CrawledReplica, tmp_path: Path
) -> None:
    """/proc refuses new files even to root, as read-only media do."""
    result = regarkiv(
        "export", "wacz", "/proc/a.wacz", "--data-dir", str(crawled_replica.data)
    )  # fmt: skip
    assert result.returncode == 1 and result.stderr.startswith("Error: cannot write /proc/a.wacz")
    assert len(result.stderr.splitlines()) == 1
