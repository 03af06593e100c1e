"""The indexer process and its feed: a process that dies is replaced, nothing is indexed twice
or left out, and every capture is counted once."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from archive.child import ChildProcess
from archive.handoff import END, dump_written
from archive.index.store import Index
from archive.indexer import Indexer, _indexer_main
from archive.ingest import Prepared, apply, prepare, recount
from archive.ingest_counts import IngestStats
from archive.model import Capture, Exchange

replica_site = pytest.importorskip("replica.site")

BASE = "https://www.regjeringen.no"


@pytest.fixture(scope="module")
def pages() -> list[tuple[str, bytes]]:
    """(URL, HTML) of 30 replica articles."""
    site = replica_site.Site(articles=30, seed=2)
    return [
        (BASE + site.article_url(a), site.render(site.article_url(a), BASE).body)
        for a in site.article_ids()
    ]


def captured(n: int, url: str, html: bytes, make_capture, exchange) -> tuple[Capture, Exchange]:
    headers = ((b"Content-Type", b"text/html; charset=utf-8"),)
    return make_capture(n, url), exchange(url, html, headers=headers)


def committed_captures(path: Path) -> int:
    with Index.open_readonly(path) as index:
        return int(index.conn.execute("SELECT count(*) FROM captures").fetchone()[0])


def test_a_dead_indexer_is_replaced_and_every_capture_is_indexed_once(
    tmp_path: Path, pages, make_capture, exchange
) -> None:
    path = tmp_path / "index.db"
    Index(path).close()
    indexer = Indexer(path, "job-1")
    items = [captured(n, url, html, make_capture, exchange) for n, (url, html) in enumerate(pages)]
    for item in items[:10]:
        indexer.written(*item)
    deadline = time.monotonic() + 30
    while committed_captures(path) < 10:  # a batch is committed within a second
        assert time.monotonic() < deadline
        time.sleep(0.05)
    for item in items[10:20]:
        indexer.written(*item)
    os.kill(indexer._process.pid, signal.SIGKILL)  # with captures sent but not committed
    for item in items[20:]:
        indexer.written(*item)
    indexer.close()
    assert indexer.fatal is None and indexer.restarts == 1
    assert indexer.stats.as_dict()["new_articles"] == len(pages)
    with Index.open_readonly(path) as index:
        assert index.conn.execute("SELECT count(*) FROM captures").fetchone()[0] == len(pages)
        assert index.conn.execute("SELECT count(*) FROM revisions").fetchone()[0] == len(pages)


def test_what_a_dead_indexer_committed_unsaid_is_counted_not_applied_again(
    tmp_path: Path, pages, make_capture, exchange
) -> None:
    """It died between its commit and saying so: the next one gets those captures again."""
    path = tmp_path / "index.db"
    items = [captured(n, url, html, make_capture, exchange) for n, (url, html) in enumerate(pages)]
    sent = [(capture, ex.body, None) for capture, ex in items[:3]]
    with Index(path) as index:
        stats = IngestStats()
        for capture, body, encoding in sent[:2]:  # what the dead one committed
            apply(index, prepare(capture, body, encoding), "job-1", stats)
    process = ChildProcess("regarkiv-indexer", _indexer_main, (path, "job-1", 3))
    conn = process.conn
    for item in sent:
        conn.send_bytes(dump_written(*item))
    conn.send_bytes(END)
    messages = []
    while not messages or messages[-1][0] != "done":
        messages.append(conn.recv())
    process.join(30)
    result = messages[-1][1]
    assert result.fatal is None and result.errors == []
    assert result.counts == {"new_articles": 3}  # not 2 "unchanged" and 1 new
    with Index.open_readonly(path) as index:
        assert index.conn.execute("SELECT count(*) FROM captures").fetchone()[0] == 3
        assert index.conn.execute("SELECT max(revision) FROM revisions").fetchone()[0] == 1


def test_recount_says_what_apply_counted(tmp_path: Path, make_article, make_capture) -> None:
    article = make_article()
    other = make_article(id=3169215, url=article.url.replace("3169214", "3169215"))
    fallback = replace(other, extracted_by="fallback")
    cases = [
        Prepared(make_capture(1), article.id, article=article),  # a new article
        Prepared(make_capture(2), article.id, article=replace(article, body="Endret.")),
        Prepared(make_capture(3), article.id, article=replace(article, body="Endret.")),
        Prepared(replace(make_capture(4), record_type="revisit"), article.id),
        Prepared(make_capture(5, other.url), other.id, article=fallback),
        Prepared(make_capture(6, other.url, status=404), other.id),
        Prepared(make_capture(7, other.url), other.id, skipped="not_article"),
        Prepared(make_capture(8, "https://www.regjeringen.no/robots.txt"), None),
    ]  # fmt: skip
    with Index(tmp_path / "index.db") as index:
        for prepared in cases:
            assert recount(index, prepared) is None  # not in the index yet
            stats = IngestStats()
            apply(index, prepared, "job-1", stats)
            assert recount(index, prepared) == +Counter(stats.counts), prepared.capture
