"""pywb replays an article straight from our WARC files and CDXJ indexes."""

from __future__ import annotations

import gzip
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support.warc import ARTICLE_TEXT, FETCHED

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("pywb") is None, reason="pywb is not installed: no replay test"
)

WAYBACK = Path(sys.executable).with_name("wayback")
URL = "https://www.regjeringen.no/no/aktuelt/beredskap/id2950000/"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@contextmanager
def wayback(warcs: Path, tmp_path: Path) -> Iterator[str]:
    """pywb's wayback on 127.0.0.1 over a collection that is our WARC directory itself."""
    root = tmp_path / "pywb"
    root.mkdir()
    (root / "config.yaml").write_text(
        f"collections:\n  regarkiv:\n    index_paths: {warcs}/\n    archive_paths: {warcs}/\n"
    )
    port = free_port()
    log = open(tmp_path / "wayback.log", "wb")  # noqa: SIM115 - closed in finally
    server = subprocess.Popen(
        [str(WAYBACK), "-d", str(root), "-b", "127.0.0.1", "-p", str(port), "-t", "2"],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}/regarkiv"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                get(f"http://127.0.0.1:{port}/")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"wayback did not start:\n{(tmp_path / 'wayback.log').read_text()}")
                time.sleep(0.2)
        yield base
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(5)
        log.close()


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
