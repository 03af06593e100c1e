"""kill -9 a real crawl at several points, then `crawl --resume`: nothing lost, nothing twice."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.crawl import FAST

replica_site = pytest.importorskip("replica.site")
replica_server = pytest.importorskip("replica.server")

ARTICLES = 160


def article_fetches(server) -> list[str]:
    return [t for t in server.requests.targets() if "/aktuelt/" in t and "/nyheter/" not in t]


def listing_fetches(server) -> list[str]:
    return [t for t in server.requests.targets() if "id2006120" in t]


def archived_targets(warcs: Path) -> set[str]:
    """Request targets (path?query) of the 200 responses in the WARC files, .open ones too."""
    from archive.warc.reader import iter_records

    targets: set[str] = set()
    if not warcs.is_dir():
        return targets
    for path in warcs.iterdir():
        if ".warc.gz" in path.name:
            for record in iter_records(path):
                if record.capture.status == 200:
                    parts = urlsplit(record.capture.url)
                    targets.add(parts.path + (f"?{parts.query}" if parts.query else ""))
    return targets


def content(data_dir: Path) -> tuple[set, set]:
    conn = sqlite3.connect(data_dir / "index.db")
    # Each test has its own replica port: compare URL paths.
    articles = {
        (row[0], urlsplit(row[1]).path, row[2], row[3])
        for row in conn.execute("SELECT id, url, lang, status FROM articles")
    }
    revisions = set(
        conn.execute("SELECT article_id, revision, content_hash, title, body FROM revisions")
    )
    conn.close()
    return articles, revisions


@pytest.fixture(scope="module")
def baseline(tmp_path_factory, crawl):
    """The index an uninterrupted crawl builds."""
    site = replica_site.Site(articles=ARTICLES, seed=5)
    with replica_server.ReplicaServer(site, host="127.0.0.1", port=0) as server:
        data = tmp_path_factory.mktemp("baseline")
        crawl(data, server.base_url, "--concurrency", "4")
        return content(data)


@pytest.mark.parametrize("kill_after", [1, 40, 130])
def test_resume_after_kill_9(
    tmp_path: Path, baseline, kill_after: int, crawl, regarkiv, warcio_check
) -> None:
    site = replica_site.Site(articles=ARTICLES, seed=5)
    with replica_server.ReplicaServer(site, host="127.0.0.1", port=0) as server:
        # Slow every article a little so the kill lands mid-crawl.
        server.faults.add("*", "slow", count=None, delay=0.02)
        command = [
            sys.executable, "-m", "regarkiv", "crawl", "--data-dir", str(tmp_path),
            "--base-url", server.base_url, *FAST, "--json",
        ]  # fmt: skip
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 60
            # Kill once the crawl has fetched that many articles and something has reached
            # the WARCs (the writer process may still be starting when the first fetch does).
            while time.monotonic() < deadline and (
                len(article_fetches(server)) < kill_after
                or not archived_targets(tmp_path / "warcs")
            ):
                if process.poll() is not None:
                    pytest.fail("the crawl ended before it could be killed")
                time.sleep(0.005)
            os.kill(process.pid, signal.SIGKILL)
        finally:
            process.wait(timeout=30)
        listings_before = listing_fetches(server)
        articles_before = article_fetches(server)
        archived = archived_targets(tmp_path / "warcs")
        assert archived, "the kill came before anything was archived"

        listed = regarkiv("jobs", "--data-dir", str(tmp_path), "--json")
        assert listed.returncode == 0, listed.stderr
        jobs = json.loads(listed.stdout)
        assert [job["status"] for job in jobs] == ["interrupted"]

        server.faults.clear()
        summary = crawl(tmp_path, server.base_url, "--resume")
        assert summary["job_id"] == jobs[0]["id"]
        assert summary["status"] == "finished"
        # The job's figures cover both runs.
        assert summary["new_articles"] == ARTICLES
        assert summary["articles_fetched"] == ARTICLES
        pages = sum(-(-len(site.article_ids(lang=lang)) // 20) for lang in ("no", "en"))
        assert summary["listing_pages"] == pages

        # Nothing the first run got into its WARC files is fetched again; requests
        # that were in flight (or not yet written) at the kill are.
        articles_after = article_fetches(server)[len(articles_before) :]
        listings_after = listing_fetches(server)[len(listings_before) :]
        assert not archived & set(articles_after + listings_after)
        assert len(articles_after) < len(articles_before) + ARTICLES

    conn = sqlite3.connect(tmp_path / "index.db")
    duplicated = conn.execute(
        "SELECT article_id FROM captures WHERE status = 200 AND article_id IS NOT NULL"
        " GROUP BY article_id HAVING count(*) > 1"
    ).fetchall()
    assert duplicated == []
    jobs = conn.execute("SELECT id, status FROM jobs").fetchall()
    assert len(jobs) == 1 and jobs[0][1] == "finished"
    conn.close()
    assert content(tmp_path) == baseline
    for warc in (tmp_path / "warcs").iterdir():
        assert not warc.name.endswith(".open")
        if warc.name.endswith(".warc.gz"):
            assert warcio_check(warc).returncode == 0, warc
    verified = regarkiv("verify", "--data-dir", str(tmp_path))
    assert verified.returncode == 0, verified.stdout


def test_resume_with_nothing_to_resume(tmp_path: Path, regarkiv) -> None:
    result = regarkiv(
        "crawl", "--data-dir", str(tmp_path), "--resume", "--base-url", "http://127.0.0.1:9"
    )
    assert result.returncode == 1
    assert "to resume" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "signum, exit_code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["TERM", "INT"]
)
def test_a_signal_stops_cleanly_and_marks_interrupted(
    tmp_path: Path, crawl, signum: signal.Signals, exit_code: int
) -> None:
    site = replica_site.Site(articles=ARTICLES, seed=5)
    with replica_server.ReplicaServer(site, host="127.0.0.1", port=0) as server:
        server.faults.add("*", "slow", count=None, delay=0.05)
        command = [
            sys.executable, "-m", "regarkiv", "crawl", "--data-dir", str(tmp_path),
            "--base-url", server.base_url, *FAST, "--json",
        ]  # fmt: skip
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + 60
        while len(article_fetches(server)) < 20 and time.monotonic() < deadline:
            time.sleep(0.01)
        process.send_signal(signum)
        out, err = process.communicate(timeout=60)
        assert process.returncode == exit_code, err  # 128 + the signal, as shells say
        summary = json.loads(out)
        assert summary["status"] == "interrupted"
        assert summary["signal"] == signum.name
        assert summary["articles_fetched"] > 0
        for warc in (tmp_path / "warcs").iterdir():
            assert not warc.name.endswith(".open")
        server.faults.clear()
        resumed = crawl(tmp_path, server.base_url, "--resume")
        assert resumed["job_id"] == summary["job_id"]
        conn = sqlite3.connect(tmp_path / "index.db")
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == len(
            site.article_ids()
        )
