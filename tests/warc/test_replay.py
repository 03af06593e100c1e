"""pywb replays an article straight from our WARC files and CDXJ indexes."""

from __future__ import annotations

import gzip
import importlib.util
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support.replay import get, wayback
from tests.support.warc import ARTICLE_TEXT, FETCHED

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("pywb") is None, reason="pywb is not installed: no replay test"
)

URL = "https://www.regjeringen.no/no/aktuelt/beredskap/id2950000/"


def test_pywb_replays_an_archived_article(tmp_path: Path, exchange, make_writer) -> None:
    warcs = tmp_path / "warcs"
    with make_writer(warcs) as writer:
        original = writer.write(exchange(URL))
        revisit = writer.write(exchange(URL, fetched_at=FETCHED + timedelta(days=1)))
    assert revisit.record_type == "revisit"

    with wayback(warcs, tmp_path) as base:
        status, headers, body = get(f"{base}/20240506070809id_/{URL}")
        assert status == 200
        if headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        assert ARTICLE_TEXT in body.decode("utf-8")

        status, _, page = get(f"{base}/20240506070809mp_/{URL}")
        assert status == 200
        # the page as pywb rewrites it (inside its frame)
        assert ARTICLE_TEXT in page.decode("utf-8")

        # The revisit a day later replays with the original's payload.
        status, headers, page = get(f"{base}/20240507070809mp_/{URL}")
        assert status == 200
        assert ARTICLE_TEXT in page.decode("utf-8")
        assert headers.get("Memento-Datetime") == "Tue, 07 May 2024 07:08:09 GMT"
        assert original.record_id != revisit.record_id


def test_pywb_replays_a_crawled_article(tmp_path: Path, crawl) -> None:
    """End to end: `regarkiv crawl` of the replica, then pywb serves an article from it."""
    import html
    import sqlite3

    replica_site = pytest.importorskip("replica.site")
    replica_server = pytest.importorskip("replica.server")
    site = replica_site.Site(articles=25, seed=9)
    data = tmp_path / "data"
    with replica_server.ReplicaServer(site, host="127.0.0.1", port=0) as server:
        crawl(data, server.base_url, "--lang", "no")
        article = site.article_ids(lang="no")[3]
        expected = site.expected(article)
    conn = sqlite3.connect(data / "index.db")
    url, fetched = conn.execute(
        "SELECT url, fetched_at FROM captures WHERE article_id = ? AND status = 200", (article,)
    ).fetchone()
    stamp = "".join(ch for ch in fetched if ch.isdigit())[:14]
    with wayback(data / "warcs", tmp_path) as base:
        status, _, page = get(f"{base}/{stamp}mp_/{url}")
    assert status == 200
    text = html.unescape(page.decode("utf-8"))
    assert expected.title in text
    assert expected.body.split("\n\n")[0] in " ".join(text.split())
