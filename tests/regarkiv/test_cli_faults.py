"""Every command over a damaged or foreign index, and a crawl that fills the disk: one line
``Error: …``, exit 1, never a traceback, and nothing written to a file that is not ours
(issue 9, items 12, 13 and 14)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from archive.index.store import Index
from archive.lock import DataDirLock
from tests.support.crawl import FAST
from tests.support.mounts import small_filesystem

replica_site = pytest.importorskip("replica.site")
replica_server = pytest.importorskip("replica.server")

# Nothing listens there: a crawl that gets past opening its index fails to connect instead.
NOWHERE = "http://127.0.0.1:9"
COMMANDS = [
    ("jobs",),
    ("jobs", "show", "2026"),
    ("search", "skatt"),
    ("show", "3169214"),
    ("history", "3169214"),
    ("diff", "3169214"),
    ("changes",),
    ("verify",),
    ("crawl", "--base-url", NOWHERE, *FAST),
]


def _foreign(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE articles (id INTEGER PRIMARY KEY, title TEXT)")
        conn.execute("INSERT INTO articles VALUES (3169214, 'not an archive')")
    conn.close()


def _not_a_database(path: Path) -> None:
    path.write_bytes(b"PK\x03\x04 a zip file, say" * 500)


def _damaged_pages(path: Path, make_article, record, first: float) -> None:
    """A real index whose pages from ``first`` (a share of the file) on were overwritten, as
    by a bad disk: its schema (at the start) and, from 0.5, its first tables read fine."""
    with Index(path) as index:
        for n in range(40):
            record(index, make_article(id=3169214 + n, body=f"Tekst {n}. " * 200), n)
        index.start_job("2026-1", {}, pid=1)
    raw = bytearray(path.read_bytes())
    pages = len(raw) // 4096
    for page in range(max(2, int(pages * first)), pages):
        raw[page * 4096 + 8 : page * 4096 + 400] = b"\xa5" * 392
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize("make", ["foreign", "not-a-database", "damaged-schema", "damaged-tables"])
def test_every_command_over_an_index_that_cannot_be_used(
    tmp_path: Path, make: str, regarkiv, make_article, record
) -> None:
    index = tmp_path / "index.db"
    if make == "foreign":
        _foreign(index)
    elif make == "not-a-database":
        _not_a_database(index)
    else:
        _damaged_pages(index, make_article, record, 0.0 if make == "damaged-schema" else 0.5)
    before = index.read_bytes()
    for command in COMMANDS:
        result = regarkiv(*command, "--data-dir", str(tmp_path), timeout=60)
        said = result.stdout + result.stderr
        assert "Traceback" not in said, (command, said)
        if result.returncode == 0:
            continue  # what it read was on the pages that survived
        assert result.returncode == 1, (command, said)
        if command[0] == "verify":  # a report: the index is one of its problems
            assert "PROBLEM index: index.db: " in result.stdout, said
            continue
        assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, said
        if make == "foreign":
            assert "is not a regarkiv index" in result.stderr, said
        if make == "not-a-database":
            assert "file is not a database" in result.stderr, said
    assert index.read_bytes() == before  # read, never written: not even by a crawl
    if make == "foreign":
        with sqlite3.connect(index) as conn:
            assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["articles"]
        conn.close()


def test_a_crawl_that_fills_the_disk(tmp_path: Path, regarkiv) -> None:
    """The WARC files fill the disk, then the job's end cannot be recorded (finish_job):
    one line and exit 1; the lock is released and the next crawl, with room, goes on."""
    site = replica_site.Site(articles=60, seed=3)
    with (
        replica_server.ReplicaServer(site, host="127.0.0.1", port=0) as server,
        small_filesystem(tmp_path / "small", "1m") as small,
    ):
        data = small / "data"
        crawl = ("crawl", "--data-dir", str(data), "--base-url", server.base_url, *FAST)
        result = regarkiv(*crawl)
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        error = result.stderr.splitlines()[-1]
        assert error.startswith("Error: cannot write WARC files: ")
        assert error.endswith("No space left on device")
        with sqlite3.connect(f"file:{data / 'index.db'}?mode=ro", uri=True) as conn:
            assert conn.execute("SELECT status FROM jobs").fetchall() == [("running",)]
        conn.close()
        assert DataDirLock(data / "crawl.lock").held_by_another() is None
        jobs = regarkiv("jobs", "--data-dir", str(data), "--json")
        assert [job["status"] for job in json.loads(jobs.stdout)] == ["interrupted"]
        verify = regarkiv("verify", "--data-dir", str(data))
        assert verify.returncode == 1 and "Traceback" not in verify.stderr
        import subprocess  # only here: to give the full file system room again

        subprocess.run(["mount", "-o", "remount,size=64m", str(small)], check=True)
        again = regarkiv(*crawl, "--json")
        assert again.returncode == 0, again.stderr
        jobs = regarkiv("jobs", "--data-dir", str(data), "--json")
        statuses = [job["status"] for job in json.loads(jobs.stdout)]
        assert statuses == ["interrupted", "finished"]


def test_a_reader_who_may_not_write(tmp_path: Path, make_article, record) -> None:
    """Issue 9, item 13 (EACCES): a user who may read the archive but not write its directory
    reads and verifies it; `reindex` and `schedule add` refuse in one line."""
    import os
    import shutil
    import subprocess  # to run the command as another user
    import sys
    import tempfile

    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to run a command as another user")
    with tempfile.TemporaryDirectory() as shared:  # outside pytest's 0700 directories
        data = Path(shared) / "data"
        (data / "warcs").mkdir(parents=True)
        with Index(data / "index.db") as index:
            record(index, make_article(), 0)
        for path in (Path(shared), data, data / "warcs", data / "index.db"):
            path.chmod(0o755 if path.is_dir() else 0o644)

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
            command = [*nobody, sys.executable, "-m", "regarkiv", *args, "--data-dir", str(data)]
            return subprocess.run(command, capture_output=True, text=True, timeout=60)

        found = run("search", "ulv")
        assert found.returncode == 0 and "id3169214" in found.stdout, found.stderr
        checked = run("verify")
        assert "NOTE the manifest was not updated" not in checked.stdout  # nothing to record
        assert "PROBLEM index" not in checked.stdout, checked.stdout
        refused = run("reindex")
        assert refused.returncode == 1
        assert (
            refused.stderr == f"Error: cannot write to data directory {data}: Permission denied\n"
        )
        refused = run("schedule", "add", "daily", "--cron", "0 6 * * *")
        assert refused.stderr == f"Error: cannot write {data}/schedules.json: Permission denied\n"
        assert sorted(p.name for p in data.iterdir()) == ["index.db", "warcs"]
