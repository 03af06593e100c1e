"""kill -9 a real crawl at several points, then `crawl --resume`: nothing lost, nothing twice."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.crawl import FAST, crawl_killed_when

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

        # Kill once the crawl has fetched that many articles and something has reached
        # the WARCs (the writer process may still be starting when the first fetch does).
        def ready() -> bool:
            fetched = len(article_fetches(server)) >= kill_after
            return fetched and bool(archived_targets(tmp_path / "warcs"))

        crawl_killed_when(tmp_path, server.base_url, ready)
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


def interrupt(command: list[str], until, timeout: float = 60) -> dict:
    """Run a crawl, SIGTERM it once ``until()`` holds; its summary."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + timeout
    while not until():
        assert process.poll() is None, "the crawl ended before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 143, err[-2000:]
    return json.loads(out)


def test_a_crawl_after_an_unfinished_one_walks_every_listing(
    tmp_path: Path, crawl, regarkiv
) -> None:
    """The archive has every article of the first listing pages, and a crawl that was
    interrupted a few of the rest: "new" must not take a first page of archived
    articles for being caught up."""
    site = replica_site.Site(articles=ARTICLES, seed=5)
    with replica_server.ReplicaServer(site, host="127.0.0.1", port=0) as server:
        crawl(tmp_path, server.base_url, "--max-listing-pages", "1")
        server.faults.add("*", "slow", count=None, delay=0.05)
        command = [sys.executable, "-m", "regarkiv", "crawl", "--data-dir", str(tmp_path),
                   "--base-url", server.base_url, *FAST, "--json"]  # fmt: skip
        before = len(article_fetches(server))
        first = interrupt(command, lambda: len(article_fetches(server)) - before >= 30)
        assert first["status"] == "interrupted"
        server.faults.clear()
        archived = sqlite3.connect(tmp_path / "index.db").execute("SELECT count(*) FROM articles")
        assert archived.fetchone()[0] < ARTICLES

        result = regarkiv("crawl", "--data-dir", str(tmp_path), "--base-url", server.base_url,
                          *FAST, "--json", "--recrawl", "new")  # fmt: skip
        assert result.returncode == 0, result.stderr[-2000:]
        assert f"earlier crawl {first['job_id']} (interrupted) did not finish" in result.stderr
        second = json.loads(result.stdout)
        assert second["unfinished_jobs"] == [first["job_id"]]
        conn = sqlite3.connect(tmp_path / "index.db")
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == ARTICLES
        conn.close()

        # Done for: no job is unfinished now, and "new" may stop at a page it has.
        before = len(server.requests)
        third = crawl(tmp_path, server.base_url, "--recrawl", "new")
        base_url = server.base_url
        assert third["unfinished_jobs"] == [] and third["articles_fetched"] == 0
        assert len(server.requests) - before == 3  # robots.txt, page 1 of each listing
    jobs = json.loads(regarkiv("jobs", "--data-dir", str(tmp_path), "--json").stdout)
    assert [job["id"] for job in jobs][1:] == [first["job_id"], second["job_id"], third["job_id"]]
    assert jobs[1]["status"] == "interrupted"
    assert jobs[1]["figures"]["superseded_by"] == second["job_id"]
    nothing = regarkiv("crawl", "--data-dir", str(tmp_path), "--resume", "--base-url", base_url)
    assert nothing.returncode == 1 and "no interrupted or failed crawl to resume" in nothing.stderr


def test_a_resumed_new_crawl_goes_past_the_pages_it_had(tmp_path: Path, crawl) -> None:
    """Its first run archived every article of the first listing pages and none of the rest:
    its own articles do not count towards being caught up."""
    site = replica_site.Site(articles=ARTICLES, seed=5)
    first_pages = {a for lang in ("no", "en") for a in site.article_ids(lang=lang)[:20]}
    last = site.article_ids(lang="no")[-1]
    with replica_server.ReplicaServer(site, host="127.0.0.1", port=0) as server:
        # The rest fails at once (a redirect out of scope is not retried); one of them is
        # slow, so that the crawl is still running when it is interrupted.
        for article in set(site.article_ids()) - first_pages - {last}:
            server.faults.add(article, "offsite-redirect", count=None)
        server.faults.add(last, "slow", count=None, delay=8.0)
        command = [sys.executable, "-m", "regarkiv", "crawl", "--data-dir", str(tmp_path),
                   "--base-url", server.base_url, *FAST, "--json", "--recrawl", "new"]  # fmt: skip

        def first_pages_fetched() -> bool:
            fetched = {int(t.rstrip("/").rsplit("/id", 1)[1]) for t in article_fetches(server)}
            return first_pages <= fetched

        first = interrupt(command, first_pages_fetched)
        assert len(first_pages) <= first["new_articles"] <= len(first_pages) + 1
        server.faults.clear()
        resumed = crawl(tmp_path, server.base_url, "--resume")
    assert resumed["job_id"] == first["job_id"] and resumed["status"] == "finished"
    assert resumed["new_articles"] == ARTICLES
