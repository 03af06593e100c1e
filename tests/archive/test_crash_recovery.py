"""kill -9 of the indexer or of the WARC writer during a real crawl: the crawl notices, the
index ends up holding every archived record, and the job's figures are true."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from archive.warc.reader import iter_records

replica_site = pytest.importorskip("replica.site")
replica_server = pytest.importorskip("replica.server")

ARTICLES = 200


@pytest.fixture
def site():
    return replica_site.Site(articles=ARTICLES, seed=6)


@pytest.fixture
def server(site):
    with replica_server.ReplicaServer(site, host="127.0.0.1", port=0) as running:
        # Slow enough that a kill lands mid-crawl.
        running.faults.add("*", "slow", count=None, delay=0.03)
        yield running


def article_fetches(server) -> int:
    return len([t for t in server.requests.targets() if "/aktuelt/" in t and "/nyheter/" not in t])


def wait_for(condition: Callable[[], bool], process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        if process.poll() is not None:
            pytest.fail("the crawl ended before the kill: " + process.stderr.read()[-2000:])
        assert time.monotonic() < deadline
        time.sleep(0.01)


def kill(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    return True


def index_counts(data_dir: Path) -> tuple[int, int]:
    """Articles and captures in the index."""
    conn = sqlite3.connect(data_dir / "index.db")
    try:
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        captures = conn.execute("SELECT count(*) FROM captures").fetchone()[0]
    finally:
        conn.close()
    return articles, captures


def warc_records(data_dir: Path) -> int:
    """Response and revisit records in the closed WARC files; no file may be left open."""
    warcs = data_dir / "warcs"
    assert not list(warcs.glob("*.open"))
    return sum(1 for path in warcs.glob("*.warc.gz") for _ in iter_records(path))


def kill_mid_crawl(
    data_dir: Path, server, start_crawl, find: Callable[[int], int | None]
) -> tuple[int, dict, str]:
    """Crawl, kill -9 the process ``find`` names once 60 articles are fetched; the exit
    code, summary and stderr."""
    process = start_crawl(data_dir, server.base_url)
    wait_for(lambda: article_fetches(server) >= 60 and bool(find(process.pid)), process)
    assert kill(find(process.pid))
    out, err = process.communicate(timeout=180)
    return process.returncode, json.loads(out), err


def resume_completes(data_dir: Path, server, crawl, regarkiv, job_id: str) -> None:
    """``--resume`` finishes the job: every article indexed, the figures true, verify OK."""
    server.faults.clear()
    resumed = crawl(data_dir, server.base_url, "--resume")
    assert resumed["job_id"] == job_id and resumed["status"] == "finished"
    assert resumed["new_articles"] == resumed["articles_fetched"] == ARTICLES
    assert index_counts(data_dir) == (ARTICLES, warc_records(data_dir))
    assert regarkiv("verify", "--data-dir", str(data_dir)).returncode == 0


def test_a_killed_indexer_is_replaced_and_nothing_is_lost(
    tmp_path: Path, server, start_crawl, indexer_pid, regarkiv, crawl
) -> None:
    code, summary, err = kill_mid_crawl(tmp_path, server, start_crawl, indexer_pid)
    assert code == 0, err[-2000:]
    assert "the indexer process died" in err
    assert summary["status"] == "finished"
    assert summary["indexer_restarts"] == 1
    # True figures, the index complete.
    assert summary["new_articles"] == summary["articles_fetched"] == ARTICLES
    assert index_counts(tmp_path) == (ARTICLES, warc_records(tmp_path))
    assert regarkiv("verify", "--data-dir", str(tmp_path)).returncode == 0
    # Nothing is fetched again: everything is known as archived.
    server.faults.clear()
    again = crawl(tmp_path, server.base_url, "--recrawl", "new")
    assert again["articles_fetched"] == 0 and again["unfinished_jobs"] == []


def test_an_indexer_that_keeps_dying_fails_the_job_and_the_next_crawl_indexes_the_rest(
    tmp_path: Path, server, start_crawl, indexer_pid, regarkiv, crawl
) -> None:
    process = start_crawl(tmp_path, server.base_url)
    wait_for(lambda: article_fetches(server) >= 20 and indexer_pid(process.pid), process)
    kills = 0
    while process.poll() is None:  # every indexer it starts, until it gives up
        kills += kill(indexer_pid(process.pid))
        time.sleep(0.01)
    out, err = process.communicate(timeout=180)
    assert kills >= 4
    assert process.returncode == 1
    assert "Error: the index lacks some captures: the indexer process died 4 times" in err
    assert "Traceback" not in err
    summary = json.loads(out)
    assert summary["status"] == "failed"
    articles, captures = index_counts(tmp_path)
    # The figures say what the index holds, no more.
    assert summary["new_articles"] == articles < ARTICLES
    assert captures < warc_records(tmp_path)

    # The failed job is resumable; resuming first indexes what the WARC files hold.
    resume_completes(tmp_path, server, crawl, regarkiv, summary["job_id"])
    job = json.loads(regarkiv("jobs", "show", summary["job_id"], "--data-dir", str(tmp_path),
                              "--json").stdout)  # fmt: skip
    assert "index_incomplete" not in job["figures"]


def test_a_killed_writer_fails_the_job_with_true_figures_and_it_resumes(
    tmp_path: Path, server, start_crawl, writer_pid, regarkiv, crawl
) -> None:
    code, summary, err = kill_mid_crawl(tmp_path, server, start_crawl, writer_pid)
    assert code == 1
    assert "Error: cannot write WARC files: the WARC writer process stopped" in err
    assert "Traceback" not in err
    assert summary["status"] == "failed"
    # What the dead writer wrote is in a closed file and in the index, and the figures
    # say so: nothing indexed is left uncounted.
    articles, captures = index_counts(tmp_path)
    assert 0 < articles < ARTICLES
    assert captures == warc_records(tmp_path)
    assert summary["new_articles"] == summary["articles_fetched"] == articles
    assert summary["failures"]["warc-write-error"] == 1
    assert summary["warc_files"] == [p.name for p in sorted((tmp_path / "warcs").glob("*.gz"))]
    assert regarkiv("verify", "--data-dir", str(tmp_path)).returncode == 0
    resume_completes(tmp_path, server, crawl, regarkiv, summary["job_id"])
