"""`regarkiv verify`: what it must find in an archive at rest, and what it must never do.

Archives are written with the real WARC writer and indexed through the same ingest path as
a crawl (``archive.ingest``); faults are made as they happen: an indexer that stopped after
a few records, a file a killed crawl left open, a flipped byte, a cut file, planted links, a
full disk, read-only media.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from archive.datadir import DataDir
from archive.index.store import Index
from archive.ingest import apply, prepare
from archive.ingest_counts import IngestStats
from archive.lock import DataDirLock
from archive.reindex import ReindexReport, ingest_files, rebuild
from archive.verify import verify
from archive.warc.reader import iter_records
from tests.support.mounts import fill, read_only, small_filesystem

URL = "https://www.regjeringen.no/no/aktuelt/sak-{}/id{}/"


@pytest.fixture
def write_warc(make_writer, exchange) -> Callable[..., Path]:
    """Writes ``records`` responses into a closed WARC file in ``root``/warcs; each call
    names its file after ``host`` and gives its records ids of their own."""

    def write(root: Path, host: str, records: int = 3) -> Path:
        writer = make_writer(
            root / "warcs", host=host, record_ids=lambda: f"<urn:uuid:{uuid.uuid4()}>"
        )
        for n in range(records):
            writer.write(exchange(URL.format(f"{host}-{n}", 1000 + n)))
        (path,) = writer.close()
        return path

    return write


def index_all(root: Path) -> None:
    rebuild(DataDir(root))


def index_first(root: Path, warc: Path, count: int) -> None:
    """What an indexer that died after ``count`` records of ``warc`` left in the index."""
    with Index(root / "index.db") as index:
        for record in list(iter_records(warc))[:count]:
            args = (record.capture, record.body, record.header("Content-Encoding"))
            apply(index, prepare(*args), "job-1", IngestStats())


def kinds(report) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for finding in report.findings:
        found.setdefault(finding.kind, []).append(finding.where)
    return found


def manifest_names(root: Path) -> list[str]:
    path = root / "manifest-sha256.txt"
    if not path.exists():
        return []
    return [line.split("  ", 1)[1] for line in path.read_text().splitlines()]


def test_a_sound_archive_is_ok_and_recorded(tmp_path: Path, write_warc) -> None:
    first, second = write_warc(tmp_path, "a"), write_warc(tmp_path, "b")
    index_all(tmp_path)
    report = verify(DataDir(tmp_path))
    assert report.ok, report.findings
    assert (report.files, report.records_checked, report.captures_checked) == (2, 6, 6)
    assert manifest_names(tmp_path) == [f"warcs/{first.name}", f"warcs/{second.name}"]


def test_records_the_index_lacks_are_reported(tmp_path: Path, write_warc) -> None:
    """Issue 9, item 1: an indexer that died mid-crawl leaves records only reindex finds."""
    first = write_warc(tmp_path, "a")
    second = write_warc(tmp_path, "b", records=5)
    with Index(tmp_path / "index.db") as index:
        ingest_files(index, [first], ReindexReport())
    index_first(tmp_path, second, 2)
    report = verify(DataDir(tmp_path))
    assert not report.ok
    (finding,) = report.findings
    assert (finding.kind, finding.where) == ("unindexed", second.name)
    assert finding.message.startswith("3 of 5 response/revisit records are not in the index")
    assert "`regarkiv reindex`" in finding.message
    assert report.unindexed_records == 3
    # The file itself is sound: recorded in the manifest. Reindexing makes the archive whole.
    assert f"warcs/{second.name}" in manifest_names(tmp_path)
    index_all(tmp_path)
    assert verify(DataDir(tmp_path)).ok


def test_no_index_at_all_is_reported(tmp_path: Path, write_warc) -> None:
    write_warc(tmp_path, "a")
    report = verify(DataDir(tmp_path))
    assert kinds(report) == {"index": ["index.db"]}
    assert "no index" in report.findings[0].message


def _left_open(warc: Path) -> Path:
    """``warc`` as a killed crawl leaves it: still ``.open``, its last record cut short."""
    data = warc.read_bytes()
    warc.unlink()
    warc.with_name(warc.name.replace(".warc.gz", ".cdxj")).unlink()
    opened = warc.with_name(warc.name + ".open")
    opened.write_bytes(data + gzip.compress(b"WARC/1.1\r\n" + os.urandom(4000))[:1500])
    return opened


def test_an_open_file_is_reported_and_its_records_checked(tmp_path: Path, write_warc) -> None:
    """Issue 9, item 2: a file a crawl left open is not OK, and what it holds is checked."""
    warc = write_warc(tmp_path, "a", records=4)
    index_all(tmp_path)
    opened = _left_open(warc)
    report = verify(DataDir(tmp_path))
    (finding,) = report.findings
    assert (finding.kind, finding.where) == ("open-file", opened.name)
    assert "4 complete response/revisit records, then an incomplete record at offset" in str(
        finding
    )
    assert "the next crawl repairs it" in finding.message
    assert report.records_checked == 4 and report.captures_checked == 4  # read in the open file
    assert manifest_names(tmp_path) == []  # still growing: never in the manifest
    # A damaged complete record in it is a digest problem of its own.
    raw = bytearray(opened.read_bytes())
    record = list(iter_records(opened))[1].capture
    raw[record.offset + record.length // 2] ^= 0xFF
    opened.write_bytes(bytes(raw))
    found = kinds(verify(DataDir(tmp_path)))
    assert found["open-file"] == [opened.name]
    assert found["digest"] == [f"{opened.name}@{record.offset}"]


def test_the_manifest_records_only_sound_regular_files(tmp_path: Path, write_warc) -> None:
    """Issue 9, item 11: nothing damaged, cut, foreign or linked goes into the manifest."""
    outside = tmp_path / "outside.warc.gz"
    root = tmp_path / "data"
    good = write_warc(root, "a")
    flipped = write_warc(root, "b")
    cut = write_warc(root, "c")
    cut_at_a_record = write_warc(root, "d")
    index_all(root)
    raw = bytearray(flipped.read_bytes())
    raw[-300] ^= 0xFF
    flipped.write_bytes(bytes(raw))
    cut.write_bytes(cut.read_bytes()[: cut.stat().st_size // 2])
    last = list(iter_records(cut_at_a_record))[-1].capture
    cut_at_a_record.write_bytes(cut_at_a_record.read_bytes()[: last.offset])
    (root / "warcs" / "regarkiv-junk.warc.gz").write_bytes(os.urandom(5000))
    shutil.copy(good, outside)
    (root / "warcs" / "regarkiv-link.warc.gz").symlink_to(outside)
    report = verify(DataDir(root))
    found = kinds(report)
    assert found["not-a-file"] == ["warcs/regarkiv-link.warc.gz"]
    assert {where.split("@")[0] for where in found["digest"]} == {
        flipped.name,
        cut.name,
        "regarkiv-junk.warc.gz",
    }
    assert any(cut_at_a_record.name in where for where in found["index-mismatch"])
    assert manifest_names(root) == [f"warcs/{good.name}"]
    # Recorded once, a file that changes is a fixity failure, not re-recorded.
    good.write_bytes(good.read_bytes() + b"\0")
    assert kinds(verify(DataDir(root)))["fixity"] == [f"warcs/{good.name}"]
    assert manifest_names(root) == [f"warcs/{good.name}"]


def test_a_manifest_that_is_not_ours_is_reported_not_used(tmp_path: Path, write_warc) -> None:
    write_warc(tmp_path, "a")
    index_all(tmp_path)
    outside = tmp_path.parent / f"{tmp_path.name}-passwd"
    outside.write_text("root:x:0:0:root:/root:/bin/bash\n")
    (tmp_path / "manifest-sha256.txt").symlink_to(outside)
    report = verify(DataDir(tmp_path))
    assert [str(f) for f in report.findings] == [
        "manifest: manifest-sha256.txt: cannot read it: it is a symbolic link"
    ]
    assert outside.read_text() == "root:x:0:0:root:/root:/bin/bash\n"
    (tmp_path / "manifest-sha256.txt").unlink()
    (tmp_path / "manifest-sha256.txt").write_text("root:x:0:0:root:/root:/bin/bash\n")
    report = verify(DataDir(tmp_path))
    assert [f.message for f in report.findings] == ["line 1 is not '<sha256>  warcs/<name>'"]
    assert report.manifest_added == 0  # left as it is for a person to look at


def test_planted_temporary_files_are_never_written_through(
    tmp_path: Path, write_warc, regarkiv
) -> None:
    """Issue 9, item 10: a link where the tool once wrote its temporary manifest."""
    write_warc(tmp_path, "a")
    index_all(tmp_path)
    outside = tmp_path.parent / f"{tmp_path.name}-outside.txt"
    outside.write_text("not yours\n")
    for name in ("manifest-sha256.tmp", "manifest-sha256.txt.tmp", ".manifest-sha256.txt.tmp"):
        (tmp_path / name).symlink_to(outside)
    result = regarkiv("verify", "--data-dir", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert outside.read_text() == "not yours\n"
    assert len(manifest_names(tmp_path)) == 1
    assert not (tmp_path / "manifest-sha256.txt").is_symlink()


def test_a_damaged_or_foreign_index_is_a_problem_not_a_traceback(
    tmp_path: Path, write_warc, regarkiv
) -> None:
    """Issue 9, items 12 and 14: the WARC checks still run; a foreign file is not touched."""
    write_warc(tmp_path, "a")
    (tmp_path / "index.db").write_bytes(os.urandom(8192))
    result = regarkiv("verify", "--data-dir", str(tmp_path), "--json")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert report["files"] == 1 and report["records_checked"] == 3
    assert [p["kind"] for p in report["problems"]] == ["index"]
    assert "file is not a database" in report["problems"][0]["message"]

    import sqlite3  # only this part needs to make another program's database

    (tmp_path / "index.db").unlink()
    with sqlite3.connect(tmp_path / "index.db") as conn:
        conn.execute("CREATE TABLE articles (id INTEGER PRIMARY KEY, note TEXT)")
    before = (tmp_path / "index.db").read_bytes()
    result = regarkiv("verify", "--data-dir", str(tmp_path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "is not a regarkiv index" in result.stdout
    assert (tmp_path / "index.db").read_bytes() == before


def test_an_index_that_opens_but_has_a_damaged_page_is_reported(tmp_path: Path, write_warc) -> None:
    """SQLite's page check runs beside the records' checks; what it finds is still a
    problem, and nothing is checked against the damaged index."""
    import sqlite3  # only this test damages a database page by hand

    write_warc(tmp_path, "a")
    index_all(tmp_path)
    with sqlite3.connect(tmp_path / "index.db") as conn:
        conn.execute("PRAGMA journal_mode = DELETE")  # every page in the file itself
        (root,) = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'captures'"
        ).fetchone()
        (page_size,) = conn.execute("PRAGMA page_size").fetchone()
    conn.close()
    with open(tmp_path / "index.db", "r+b") as fh:
        fh.seek((root - 1) * page_size + 7)
        fh.write(b"\x7f")  # 127 fragmented bytes in a page that has none: it still reads
    report = verify(DataDir(tmp_path))
    assert kinds(report) == {"index": ["index.db"]}
    assert "damaged" in report.findings[0].message and report.captures_checked == 0
    assert report.records_checked == 3  # the WARC file was checked all the same


def test_verify_waits_for_a_running_crawl(tmp_path: Path, write_warc, regarkiv) -> None:
    write_warc(tmp_path, "a")
    index_all(tmp_path)
    with DataDirLock(tmp_path / "crawl.lock"):
        result = regarkiv("verify", "--data-dir", str(tmp_path))
    assert result.returncode == 1
    assert result.stderr == f"Error: a crawl is running on {tmp_path} (pid {os.getpid()}): " \
        "verify once it has finished\n"  # fmt: skip
    assert regarkiv("verify", "--data-dir", str(tmp_path)).returncode == 0


def test_verify_on_read_only_media(tmp_path: Path, write_warc, regarkiv) -> None:
    """Issue 9, item 13: every check runs; the manifest update is skipped and said so."""
    data = tmp_path / "data"
    write_warc(data, "a")
    index_all(data)
    with read_only(data, tmp_path / "ro") as ro:
        result = regarkiv("verify", "--data-dir", str(ro))
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.splitlines()[1:] == [
            "NOTE the manifest was not updated (1 new files): Read-only file system",
            "OK",
        ]
        assert regarkiv("jobs", "--data-dir", str(ro)).returncode == 0
    assert not (data / "manifest-sha256.txt").exists()


def test_verify_on_a_full_disk(tmp_path: Path, write_warc, regarkiv) -> None:
    """Issue 9, item 13: the manifest cannot be written: one problem line, exit 1."""
    with small_filesystem(tmp_path / "small", "4m") as small:
        data = small / "data"
        write_warc(data, "a")
        index_all(data)
        fill(small)
        result = regarkiv("verify", "--data-dir", str(data))
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert (
            "PROBLEM manifest: manifest-sha256.txt: cannot update it (No space left on device); "
            "it is unchanged" in result.stdout.splitlines()
        )
        assert sorted(p.name for p in data.iterdir() if "manifest" in p.name) == []


def test_each_record_is_read_once(
    tmp_path: Path, write_warc, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 13, item 3: the index is checked against the one pass over each file (a
    second read of every record made verify 5x slower)."""
    write_warc(tmp_path, "a", records=4)
    index_all(tmp_path)

    def read_again(*args: object) -> None:
        raise AssertionError(f"a record was read a second time: {args}")

    monkeypatch.setattr("archive.verify.read_record_at", read_again)
    report = verify(DataDir(tmp_path))
    assert report.ok, report.findings
    assert report.captures_checked == 4


def test_every_disagreement_between_index_and_record_is_found(tmp_path: Path, write_warc) -> None:
    warc = write_warc(tmp_path, "a", records=4)
    index_all(tmp_path)
    with Index(tmp_path / "index.db") as index:
        ids = [row[0] for row in index.conn.execute("SELECT id FROM captures ORDER BY id")]
        index.conn.execute("UPDATE captures SET payload_digest = 'sha1:X' WHERE id = ?", (ids[0],))
        index.conn.execute("UPDATE captures SET record_id = '<urn:x>' WHERE id = ?", (ids[1],))
        index.conn.execute("UPDATE captures SET offset = offset + 1 WHERE id = ?", (ids[2],))
    report = verify(DataDir(tmp_path))
    messages = {
        f.where.split(" ")[1]: f.message for f in report.findings if f.kind == "index-mismatch"
    }
    assert messages[str(ids[0])] == "payload digest differs from the index"
    assert messages[str(ids[1])].endswith("index says <urn:x>")
    assert messages[str(ids[2])].startswith("unreadable: ")  # no record starts there
    assert str(ids[3]) not in messages
    assert f"warcs/{warc.name}" not in manifest_names(tmp_path)  # not sound: not recorded
