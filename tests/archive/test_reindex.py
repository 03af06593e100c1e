"""`regarkiv reindex` rebuilds from the WARC files alone an index equal to the live one."""

from __future__ import annotations

import gzip
import sqlite3
from pathlib import Path

import pytest

replica_site = pytest.importorskip("replica.site")
replica_server = pytest.importorskip("replica.server")

TABLES = {
    "articles": "SELECT id, url, lang, first_seen, last_seen, status, removed_at, latest_revision"
    " FROM articles ORDER BY id",
    "revisions": "SELECT article_id, revision, title, lead, body, published, type, ministries,"
    " topics, images, attachments, content_hash, captured_at, extracted_by FROM revisions"
    " ORDER BY article_id, revision",
    "captures": "SELECT url, fetched_at, status, record_type, warc_file, offset, length,"
    " record_id, payload_digest, job_id, article_id FROM captures ORDER BY record_id",
    # Search: the stems (made in the reindex pool or here), and what the FTS tables find.
    "stems": "SELECT id, lang, title, lead, body FROM revisions_stems_text ORDER BY id",
    "stems_match": "SELECT rowid FROM revisions_stems WHERE revisions_stems MATCH 'regjering'"
    " ORDER BY rowid",
    "fts_match": "SELECT rowid FROM revisions_fts WHERE revisions_fts MATCH 'og' ORDER BY rowid",
}


def dump(path: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(path)
    try:
        return {name: conn.execute(query).fetchall() for name, query in TABLES.items()}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def archive(tmp_path_factory, crawl):
    site = replica_site.Site(articles=80, seed=21)
    data = tmp_path_factory.mktemp("archive")
    with replica_server.ReplicaServer(site, host="127.0.0.1", port=0) as server:
        crawl(data, server.base_url)
        server.set_version(2)
        crawl(data, server.base_url, "--recrawl", "all")
    return data


def test_reindex_equals_live_crawl(archive: Path, tmp_path: Path, regarkiv) -> None:
    live = dump(archive / "index.db")
    assert live["revisions"] and any(row[1] == 2 for row in live["revisions"])
    assert any(row[5] == "removed" for row in live["articles"])
    result = regarkiv("reindex", "--data-dir", str(archive))
    assert result.returncode == 0, result.stderr
    rebuilt = dump(archive / "index.db")
    for table in TABLES:
        assert rebuilt[table] == live[table], table
    # Search works on the rebuilt index.
    found = regarkiv("search", "regjering", "--data-dir", str(archive), "--json")
    assert found.returncode == 0 and found.stdout.strip() != "[]"


def test_corrupt_record_is_skipped_not_fatal(archive: Path, tmp_path: Path, regarkiv) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(archive, copy)
    warc = sorted((copy / "warcs").glob("*.warc.gz"))[0]
    data = bytearray(warc.read_bytes())
    # Flip bytes in the middle of the file: one record's gzip member breaks.
    # Inverted rather than zeroed: the middle may fall in a run of zeros (an image's
    # bytes, kept in stored deflate blocks), which zeroing would leave as it was.
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(b ^ 0xFF for b in data[middle : middle + 64])
    warc.write_bytes(bytes(data))
    result = regarkiv("reindex", "--data-dir", str(copy), "--force")
    assert result.returncode == 0, result.stderr
    assert "skipped" in result.stderr
    assert "Traceback" not in result.stderr
    conn = sqlite3.connect(copy / "index.db")
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] > 0


def test_reindex_never_replaces_an_index_with_one_that_covers_less(
    archive: Path, tmp_path: Path, regarkiv
) -> None:
    """Issue 9, item 5: a referenced WARC file cut short must not shrink the index."""
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(archive, copy)
    before = dump(copy / "index.db")
    warc = sorted((copy / "warcs").glob("*.warc.gz"))[0]
    warc.write_bytes(warc.read_bytes()[: warc.stat().st_size // 2])
    result = regarkiv("reindex", "--data-dir", str(copy))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    line = result.stderr.splitlines()[-1]  # after the reader's warning of the cut record
    captures = len(before["captures"])
    # What the cut loses depends on what lay behind it (articles, or requisites only).
    assert line.startswith(f"Error: the rebuilt index would cover less than {copy}/index.db (")
    assert f"captures {captures} → " in line and "1 damaged records were skipped" in line
    assert line.endswith("the current index is kept; see `regarkiv verify`, or use --force to "
                         "replace it anyway")  # fmt: skip
    assert dump(copy / "index.db") == before
    assert sorted(p.name for p in copy.iterdir() if ".rebuild" in p.name) == []

    forced = regarkiv("reindex", "--data-dir", str(copy), "--force")
    assert forced.returncode == 0, forced.stderr
    assert "replaced an index that covered more (--force): " in forced.stderr
    assert f"captures {captures} → " in forced.stderr
    assert len(dump(copy / "index.db")["captures"]) < captures


def test_reindex_replaces_only_regarkivs_own_index(archive: Path, tmp_path: Path, regarkiv) -> None:
    """Issue 9, item 14: a foreign file is kept; a damaged index is what reindex repairs."""
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(archive / "warcs", copy / "warcs")
    with sqlite3.connect(copy / "index.db") as conn:
        conn.execute("CREATE TABLE articles (id INTEGER PRIMARY KEY)")
    conn.close()
    foreign = (copy / "index.db").read_bytes()
    result = regarkiv("reindex", "--data-dir", str(copy))
    assert result.returncode == 1
    assert result.stderr.endswith(" reindex replaces only regarkiv's own index\n")
    assert (copy / "index.db").read_bytes() == foreign
    (copy / "index.db").write_bytes(b"\0" * 4096 * 4)
    result = regarkiv("reindex", "--data-dir", str(copy))
    assert result.returncode == 0, result.stderr
    assert "the current index cannot be read (file is not a database)" in result.stderr
    assert dump(copy / "index.db")["articles"] == dump(archive / "index.db")["articles"]


def test_reindex_on_read_only_media_and_a_full_disk(
    archive: Path, tmp_path: Path, regarkiv
) -> None:
    """Issue 9, item 13: one line, exit 1, the current index unchanged."""
    import shutil

    from tests.support.mounts import fill, read_only, small_filesystem

    with read_only(archive, tmp_path / "ro") as ro:
        result = regarkiv("reindex", "--data-dir", str(ro))
    assert result.returncode == 1
    assert result.stderr == (f"Error: cannot write to data directory {ro}: Read-only file system\n")
    size = sum(p.stat().st_size for p in archive.rglob("*") if p.is_file())
    with small_filesystem(tmp_path / "small", f"{size // 1024 + 512}k") as small:
        shutil.copytree(archive, small / "data")
        before = dump(small / "data" / "index.db")
        fill(small, leave=64 * 1024)
        result = regarkiv("reindex", "--data-dir", str(small / "data"))
        assert result.returncode == 1 and "Traceback" not in result.stderr
        # SQLite says "database or disk is full" or "disk I/O error", by where it stopped.
        assert result.stderr.startswith("Error: cannot build the new index: ")
        assert " full" in result.stderr or "no space left on the device" in result.stderr
        assert result.stderr.endswith(f"; {small}/data/index.db is unchanged\n")
        assert result.stderr.count("\n") == 1
        assert dump(small / "data" / "index.db") == before
        assert [p.name for p in (small / "data").iterdir() if ".rebuild" in p.name] == []


def test_reindex_without_warcs_is_an_error(tmp_path: Path, regarkiv) -> None:
    result = regarkiv("reindex", "--data-dir", str(tmp_path))
    assert result.returncode == 1
    assert result.stderr.startswith("Error: no WARC files")


def test_verify_passes_then_names_each_problem(archive: Path, tmp_path: Path, regarkiv) -> None:
    import json
    import shutil

    copy = tmp_path / "verify"
    shutil.copytree(archive, copy)
    ok = regarkiv("verify", "--data-dir", str(copy), "--json")
    assert ok.returncode == 0, ok.stdout
    report = json.loads(ok.stdout)
    assert report["ok"] and report["manifest_added"] == report["files"] >= 1
    manifest = (copy / "manifest-sha256.txt").read_text().splitlines()
    assert len(manifest) == report["files"]

    warcs = sorted((copy / "warcs").glob("*.warc.gz"))
    # 1. a byte flipped inside a record: digest and fixity problems
    data = bytearray(gzip.decompress(warcs[0].read_bytes()))
    victim = warcs[0]
    raw = bytearray(victim.read_bytes())
    raw[-200] ^= 0xFF
    victim.write_bytes(bytes(raw))
    # 2. a WARC nobody references
    stray = copy / "warcs" / "regarkiv-20200101000000-00000-stray.warc.gz"
    shutil.copy(warcs[-1], stray)
    bad = regarkiv("verify", "--data-dir", str(copy), "--json")
    assert bad.returncode == 1
    kinds = {problem["kind"] for problem in json.loads(bad.stdout)["problems"]}
    assert "fixity" in kinds
    assert "unreferenced-file" in kinds
    assert data  # the file decompressed before we damaged it
    # 3. a missing WARC file
    warcs[-1].unlink()
    gone = regarkiv("verify", "--data-dir", str(copy))
    assert gone.returncode == 1
    assert "missing-file" in gone.stdout


def test_parallel_rebuild_equals_serial(archive: Path, tmp_path: Path, monkeypatch) -> None:
    import shutil

    import archive.reindex as reindex
    from archive.datadir import DataDir

    serial, parallel, pool = tmp_path / "serial", tmp_path / "parallel", tmp_path / "pool"
    for copy in (serial, parallel, pool):
        shutil.copytree(archive, copy)
    reindex.rebuild(DataDir(serial))
    monkeypatch.setattr(reindex, "POOL_THRESHOLD", 0)  # use the process pool at any size
    report = reindex.rebuild(DataDir(parallel))
    assert report.captures > 0
    assert dump(parallel / "index.db") == dump(serial / "index.db")
    # From a process with threads: a pool of spawned workers, fed by this process.
    monkeypatch.setattr(reindex.threading, "active_count", lambda: 2)
    assert reindex.rebuild(DataDir(pool)).as_dict() == report.as_dict()
    assert dump(pool / "index.db") == dump(serial / "index.db")


def test_rebuilt_index_is_in_wal_mode(archive: Path, tmp_path: Path) -> None:
    import shutil

    import archive.reindex as reindex
    from archive.datadir import DataDir

    copy = tmp_path / "copy"
    shutil.copytree(archive, copy)
    reindex.rebuild(DataDir(copy))
    # Built with a rollback journal in memory; handed over in WAL mode, as crawls use it.
    conn = sqlite3.connect(copy / "index.db")
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()
    assert not list(copy.glob("index.db.rebuild*"))


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_killed_reindex_takes_its_workers_along(archive: Path, tmp_path: Path, root: Path) -> None:
    """The pool's workers are forked from reindex, with the data directory's lock: killed
    with -9, reindex takes them along at once (left alone, each would finish its chunk of
    records, 16 s here, holding the lock)."""
    import shutil
    import subprocess
    import sys
    import time

    from archive.datadir import DataDir

    copy, marker = tmp_path / "copy", tmp_path / "working"
    shutil.copytree(archive, copy)
    script = "from tests.support.slow_reindex import main; main()"
    child = subprocess.Popen([sys.executable, "-c", script, str(copy), str(marker)], cwd=root)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), "the pool never started"
        workers = [
            int(pid)
            for task in Path(f"/proc/{child.pid}/task").glob("*")
            for pid in (task / "children").read_text().split()
        ]
        assert workers
        assert DataDir(copy).crawl_running() == str(child.pid)
    finally:
        child.kill()
        child.wait()
    deadline = time.monotonic() + 5
    while any(map(_alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(map(_alive, workers))
    assert DataDir(copy).crawl_running() is None
    assert list(copy.glob("index.db.rebuild"))  # what the next reindex removes


def test_only_a_process_of_one_thread_forks_its_workers(
    archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    import archive.reindex as reindex
    from archive.reindex_workers import Workers

    files = sorted((archive / "warcs").glob("*.warc.gz"))
    monkeypatch.setattr(reindex, "POOL_THRESHOLD", 0)
    if threading.active_count() == 1:
        with reindex._extraction(files) as forked:
            assert isinstance(forked, Workers)
    monkeypatch.setattr(reindex.threading, "active_count", lambda: 2)
    with reindex._extraction(files) as pool:
        assert pool._ctx.get_start_method() == "spawn"
