"""The news spider against the replica: real crawls in a subprocess, 127.0.0.1 only."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from protego import Protego

from archive.warc.cdxj import cdxj_path

replica_site = pytest.importorskip("replica.site")
replica_server = pytest.importorskip("replica.server")


@pytest.fixture
def site():
    return replica_site.Site(articles=70, seed=11)


@pytest.fixture
def server(site):
    with replica_server.ReplicaServer(site, host="127.0.0.1", port=0) as running:
        yield running


def requested_paths(server) -> list[str]:
    return [entry[1] for entry in list(server.requests)]


def article_requests(paths: list[str]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for path in paths:
        if "/aktuelt/" in path and "/nyheter/" not in path:
            article = int(path.rstrip("/").rsplit("/id", 1)[1].split("?")[0].rstrip("/"))
            counts[article] = counts.get(article, 0) + 1
    return counts


def db(data_dir: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(data_dir / "index.db")
    conn.row_factory = sqlite3.Row
    return conn


def test_crawl_captures_every_listed_article_once(
    tmp_path: Path, site, server, crawl, warcio_check
) -> None:
    summary = crawl(tmp_path, server.base_url)
    paths = requested_paths(server)
    fetched = article_requests(paths)
    assert set(fetched) == set(site.article_ids())
    assert all(count == 1 for count in fetched.values()), fetched
    # Never a robots-disallowed URL, never ?page=0, never a filter or sort link.
    robots = Protego.parse(site_robots(server))
    for path in paths:
        assert robots.can_fetch(server.base_url + path, "regarkiv"), path
        assert "page=0" not in path and "sortby" not in path and "ownerid" not in path
    assert summary["articles_fetched"] == len(site.article_ids())
    assert summary["new_articles"] == len(site.article_ids())
    assert summary["failures"] == {}
    pages = sum(-(-len(site.article_ids(lang=lang)) // 20) for lang in ("no", "en"))
    assert summary["listing_pages"] == pages
    warcs = sorted((tmp_path / "warcs").glob("*.warc.gz"))
    assert [Path(name).name for name in summary["warc_files"]] == [p.name for p in warcs]
    assert not list((tmp_path / "warcs").glob("*.open"))
    for warc in warcs:
        assert warcio_check(warc).returncode == 0
        assert cdxj_path(warc).exists()
    conn = db(tmp_path)
    ids = {row[0] for row in conn.execute("SELECT id FROM articles")}
    assert ids == set(site.article_ids())
    # robots.txt and every listing page are captures too.
    urls = [row[0] for row in conn.execute("SELECT url FROM captures")]
    assert any(url.endswith("/robots.txt") for url in urls)


def site_robots(server) -> str:
    import urllib.request

    with urllib.request.urlopen(server.base_url + "/robots.txt", timeout=10) as response:
        return response.read().decode()


def test_bounds_limit_the_crawl(tmp_path: Path, server, crawl) -> None:
    summary = crawl(
        tmp_path, server.base_url, "--lang", "en", "--max-listing-pages", "1", "--max-articles", "5"
    )
    assert summary["listing_pages"] == 1
    assert summary["articles_fetched"] == 5
    assert all("/no/" not in path for path in requested_paths(server) if "aktuelt" in path)


def test_second_crawl_with_new_fetches_nothing_old(tmp_path: Path, site, server, crawl) -> None:
    crawl(tmp_path, server.base_url, "--lang", "no")
    before = len(requested_paths(server))
    summary = crawl(tmp_path, server.base_url, "--lang", "no", "--recrawl", "new")
    assert summary["articles_fetched"] == 0
    # robots.txt and the first listing page only: a full page of archived articles stops paging.
    assert len(requested_paths(server)) - before == 2


def test_versions_edits_removals_and_new_articles(tmp_path: Path, site, server, crawl) -> None:
    crawl(tmp_path, server.base_url)
    server.set_version(2)
    summary = crawl(tmp_path, server.base_url, "--recrawl", "all")
    edited, removed, new = site.edited_ids(), site.removed_ids(), site.new_ids()
    assert edited and removed and new
    assert summary["new_revisions"] == len(edited)
    assert summary["removed"] == len(removed)
    assert summary["new_articles"] == len(new)
    conn = db(tmp_path)
    for article in edited:
        revisions = conn.execute(
            "SELECT title FROM revisions WHERE article_id = ? ORDER BY revision", (article,)
        ).fetchall()
        assert len(revisions) == 2
        assert revisions[1]["title"] == site.expected(article).title
    statuses = dict(conn.execute("SELECT id, status FROM articles"))
    assert all(statuses[a] == "removed" for a in removed)
    # Chrome-only changes (nonces, ?v=, menus) never make a revision.
    unchanged = set(site.article_ids()) - edited - new
    counts = dict(conn.execute("SELECT article_id, count(*) FROM revisions GROUP BY article_id"))
    assert all(counts[a] == 1 for a in unchanged)


def test_faults_are_retried_or_counted(tmp_path: Path, site, server, crawl, warcio_check) -> None:
    ids = site.article_ids(lang="en")
    server.faults.add(f"id{ids[0]}", "503", count=2, retry_after=1)
    server.faults.add(f"id{ids[1]}", "429", count=1, retry_after=1)
    server.faults.add(f"id{ids[2]}", "challenge", count=1)
    server.faults.add(f"id{ids[3]}", "challenge", count=100)
    server.faults.add(f"id{ids[4]}", "reset", count=1)
    server.faults.add(f"id{ids[5]}", "truncate", count=1)
    server.faults.add(f"id{ids[6]}", "offsite-redirect", count=100)
    summary = crawl(tmp_path, server.base_url, "--lang", "en")
    conn = db(tmp_path)
    indexed = {row[0] for row in conn.execute("SELECT id FROM articles")}
    assert set(ids[:3]) | {ids[4], ids[5]} <= indexed
    assert ids[3] not in indexed and ids[6] not in indexed
    assert summary["failures"].get("challenge-403") == 1
    assert summary["failures"].get("offsite-redirect") == 1
    # The challenge page is in the WARC as what the server said, never as the article.
    challenge = conn.execute(
        "SELECT count(*) FROM captures WHERE status = 403 AND article_id = ?", (ids[3],)
    ).fetchone()[0]
    assert challenge >= 1
    for warc in (tmp_path / "warcs").glob("*.warc.gz"):
        assert warcio_check(warc).returncode == 0


REPLICA = ["--base-url", "http://127.0.0.1:9"]  # never reached: the options are refused first


@pytest.mark.parametrize(
    "args, message",
    [
        (["--lang", "de"], "unknown language"),
        (["--since", "2026-13-01"], "expected YYYY-MM-DD"),
        (["--base-url", "ftp://x"], "base URL must be"),
        (["--base-url", "https://www.regjeringen.no"], "needs a contact"),
        ([*REPLICA, "--delay", "-1"], "delay must be 0 or more seconds"),
        ([*REPLICA, "--recent-days", "-5"], "recent days must not be negative"),
        ([*REPLICA, "--warc-max-size", "0"], "WARC max size must be positive"),
        ([*REPLICA, "--max-articles", "0"], "max articles must be at least 1"),
        ([*REPLICA, "--max-listing-pages", "0"], "max listing pages must be at least 1"),
    ],
)
def test_bad_options_are_one_line_errors(
    tmp_path: Path, args: list[str], message: str, regarkiv
) -> None:
    result = regarkiv("crawl", "--data-dir", str(tmp_path), *args, env={"REGARKIV_CONTACT": ""})
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_unwritable_data_dir(tmp_path: Path, regarkiv) -> None:
    target = tmp_path / "file"
    target.write_text("not a directory")
    result = regarkiv("crawl", "--data-dir", str(target / "x"), "--base-url", "http://127.0.0.1:9")
    assert result.returncode == 1
    assert "cannot write to data directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_second_crawl_on_same_data_dir_refuses(tmp_path: Path, regarkiv) -> None:
    from archive.datadir import DataDir

    tmp_path.mkdir(exist_ok=True)
    with DataDir(tmp_path).lock():
        result = regarkiv("crawl", "--data-dir", str(tmp_path), "--base-url", "http://127.0.0.1:9")
    assert result.returncode == 1
    assert "another crawl is running" in result.stderr


def test_jobs_record_the_crawl(tmp_path: Path, server, crawl, regarkiv) -> None:
    summary = crawl(tmp_path, server.base_url, "--lang", "en", "--max-articles", "3")
    result = regarkiv("jobs", "--data-dir", str(tmp_path), "--json")
    jobs = json.loads(result.stdout)
    assert [job["id"] for job in jobs] == [summary["job_id"]]
    assert jobs[0]["status"] == "finished"
    assert jobs[0]["figures"]["articles_fetched"] == 3
    shown = regarkiv("jobs", "--data-dir", str(tmp_path), "show", summary["job_id"], "--json")
    assert json.loads(shown.stdout)["settings"]["base_url"] == server.base_url
    host = urlsplit(server.base_url).hostname
    warc = next((tmp_path / "warcs").glob("*.warc.gz"))
    assert host.replace(".", "") in warc.name.replace(".", "")


def test_recent_refetches_only_recent_articles(tmp_path: Path, site, server, crawl) -> None:
    from datetime import date, timedelta

    crawl(tmp_path, server.base_url, "--lang", "no")
    before = len(requested_paths(server))
    summary = crawl(tmp_path, server.base_url, "--lang", "no", "--recent-days", "10")
    again = article_requests(requested_paths(server)[before:])
    cutoff = date.today() - timedelta(days=10)
    recent = {
        a for a in site.article_ids(lang="no") if site.expected(a).published >= cutoff.isoformat()
    }
    assert set(again) == recent
    assert summary["unchanged"] == len(recent)


def test_since_limits_discovery(tmp_path: Path, site, server, crawl) -> None:
    published = sorted({site.expected(a).published for a in site.article_ids()})
    since = published[len(published) // 2]
    crawl(tmp_path, server.base_url, "--since", since)
    fetched = set(article_requests(requested_paths(server)))
    assert fetched == {a for a in site.article_ids() if site.expected(a).published >= since}


def test_search_while_a_crawl_writes(tmp_path: Path, site, server, crawl, regarkiv) -> None:
    import subprocess
    import sys

    crawl(tmp_path, server.base_url, "--lang", "en")
    server.faults.add("*", "slow", count=None, delay=0.02)
    command = [sys.executable, "-m", "regarkiv", "crawl", "--data-dir", str(tmp_path),
               "--base-url", server.base_url, "--delay", "0", "--concurrency", "4",
               "--recrawl", "all"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        searches = 0
        while process.poll() is None and searches < 40:
            result = regarkiv("search", "regjering", "--data-dir", str(tmp_path), "--json")
            assert result.returncode == 0, result.stderr
            json.loads(result.stdout)
            searches += 1
    finally:
        process.wait(timeout=120)
    assert process.returncode == 0
    assert searches >= 1


def test_full_disk_stops_with_one_line_error_and_sound_warcs(
    tmp_path: Path, site, server, crawl, warcio_check
) -> None:
    import resource
    import subprocess
    import sys

    def small_files() -> None:  # every file this process writes is capped, like a full disk
        # Above the ~190 kB a new index is once created (its migrations, checkpointed),
        # below what the crawl's first WARC file reaches: the disk fills while writing WARCs.
        resource.setrlimit(resource.RLIMIT_FSIZE, (400_000, 400_000))

    command = [sys.executable, "-m", "regarkiv", "crawl", "--data-dir", str(tmp_path),
               "--base-url", server.base_url, "--delay", "0", "--concurrency", "4"]  # fmt: skip
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=120, preexec_fn=small_files
    )
    assert result.returncode == 1
    assert "Error: cannot write WARC files" in result.stderr
    assert "Traceback" not in result.stderr
    for warc in (tmp_path / "warcs").glob("*.warc.gz"):
        assert warcio_check(warc).returncode == 0
    # With space again, the next crawl repairs whatever was left open and completes.
    summary = crawl(tmp_path, server.base_url)
    assert summary["status"] == "finished"
    assert not list((tmp_path / "warcs").glob("*.open"))
    for warc in (tmp_path / "warcs").glob("*.warc.gz"):
        assert warcio_check(warc).returncode == 0


def test_scrapy_crawl_news_archives_without_the_regarkiv_cli(
    tmp_path: Path, site, server, warcio_check, root
) -> None:
    import os
    import subprocess
    import sys

    scrapy = Path(sys.executable).with_name("scrapy")
    done = subprocess.run(
        [
            str(scrapy),
            "crawl",
            "news",
            "-s",
            f"REGARKIV_BASE_URL={server.base_url}",
            "-s",
            "REGARKIV_DELAY=0",
            "-s",
            "LOG_LEVEL=WARNING",
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=180,
        cwd=root,  # scrapy.cfg names the project
        env={**os.environ, "REGARKIV_DATA": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (warc,) = (tmp_path / "warcs").glob("*.warc.gz")
    assert warcio_check(warc).returncode == 0
    conn = db(tmp_path)
    try:
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == len(
            site.article_ids()
        )
        assert [row["status"] for row in conn.execute("SELECT status FROM jobs")] == ["finished"]
    finally:
        conn.close()


def test_help_says_what_the_bounds_accept(regarkiv) -> None:
    text = " ".join(regarkiv("crawl", "--help").stdout.split())
    assert "--max-listing-pages N Stop paging each listing after N pages (N >= 1; no limit" in text
    assert "--max-articles N Fetch at most N articles (N >= 1; no limit when left out)" in text
