"""Replay servers for the tests: pywb's ``wayback`` over a WARC directory, a static server
for ReplayWeb.page and a WACZ, and an archive of the replica crawled twice.

Every server listens on 127.0.0.1 on a free port and is stopped when its block ends.
"""

from __future__ import annotations

import functools
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.support.paths import ROOT

WAYBACK = Path(sys.executable).with_name("wayback")
# Where .ci/run unpacks ReplayWeb.page (`npm pack replaywebpage@<version>`): ui.js, sw.js.
REPLAYWEBPAGE_VERSION = "2.5.3"
REPLAYWEBPAGE_DIR = ROOT / ".cache" / "replaywebpage" / REPLAYWEBPAGE_VERSION / "package"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _wait_until_up(port: int, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            get(f"http://127.0.0.1:{port}/")
            return
        except (OSError, http.client.HTTPException):  # not up yet, or a TCP self-connect
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"wayback did not start:\n{log.read_text()}") from None
            time.sleep(0.2)


@contextmanager
def wayback(warcs: Path, workdir: Path) -> Iterator[str]:
    """pywb's wayback on 127.0.0.1 over a collection that is our WARC directory itself
    (its ``.cdxj`` files as they are); yields the collection's base URL."""
    root = workdir / "pywb"
    root.mkdir()
    (root / "config.yaml").write_text(
        f"collections:\n  regarkiv:\n    index_paths: {warcs}/\n    archive_paths: {warcs}/\n"
    )
    port = free_port()
    log_path = workdir / "wayback.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed in finally
    server = subprocess.Popen(
        [str(WAYBACK), "-d", str(root), "-b", "127.0.0.1", "-p", str(port), "-t", "4"],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_until_up(port, server, log_path)
        yield f"http://127.0.0.1:{port}/regarkiv"
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(5)
        log.close()


class _QuietHandler(SimpleHTTPRequestHandler):
    """Static files with the types a service worker and a WACZ need; range requests are
    not needed (ReplayWeb.page reads a small WACZ whole when the server offers no ranges)."""

    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".js": "application/javascript",
        ".wacz": "application/wacz+zip",
    }

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def static_server(root: Path) -> Iterator[str]:
    """A static HTTP server on 127.0.0.1 over ``root``; yields its base URL."""
    handler: Callable[..., Any] = functools.partial(_QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def replaywebpage_files() -> Path | None:
    """ReplayWeb.page's built ``ui.js`` and ``sw.js``, where .ci/run unpacked them."""
    found = all((REPLAYWEBPAGE_DIR / name).is_file() for name in ("ui.js", "sw.js"))
    return REPLAYWEBPAGE_DIR if found else None


def replaywebpage_site(root: Path, wacz: Path, url: str) -> Path:
    """A directory to serve: ReplayWeb.page's ui.js, an index page opening ``url`` from
    the WACZ, and its service worker at /replay/sw.js."""
    files = replaywebpage_files()
    assert files is not None, "ReplayWeb.page is not unpacked"
    (root / "replay").mkdir(parents=True)
    shutil.copy(files / "ui.js", root / "ui.js")
    shutil.copy(files / "sw.js", root / "replay" / "sw.js")
    shutil.copy(wacz, root / "archive.wacz")
    (root / "index.html").write_text(
        '<!doctype html><html><head><meta charset="utf-8"><script src="./ui.js"></script>'
        "<style>html, body, replay-web-page {width: 100%; height: 100%; margin: 0}</style>"
        f'</head><body><replay-web-page source="/archive.wacz" url="{url}" '
        'replayBase="/replay/" embed="replayonly"></replay-web-page></body></html>'
    )
    (root / "pages.html").write_text(
        '<!doctype html><html><head><meta charset="utf-8"><script src="./ui.js"></script>'
        "<style>html, body, replay-web-page {width: 100%; height: 100%; margin: 0}</style>"
        '</head><body><replay-web-page source="/archive.wacz" replayBase="/replay/">'
        "</replay-web-page></body></html>"
    )
    return root


@dataclass(frozen=True)
class CrawledReplica:
    """A data directory holding two crawls of one replica: version 1, then version 2 (edits,
    removals, new articles) with ``--recrawl all``, so that unchanged pages are revisits."""

    data: Path
    site: Any  # replica.site.Site, at version 2
    base_url: str  # where the replica was served while it was crawled (stopped since)
    jobs: tuple[str, str]


def crawl_replica_twice(data: Path, crawl: Callable[..., dict[str, Any]]) -> CrawledReplica:
    """Crawl a 24-article replica (both languages), change it, crawl it again."""
    # The replica imports only archive.model; the suite collects without it all the same.
    from replica.server import ReplicaServer
    from replica.site import Site

    site = Site(articles=24, seed=11)
    with ReplicaServer(site, host="127.0.0.1", port=0) as server:
        first = crawl(data, server.base_url, "--lang", "no,en")
        site.set_version(2)
        second = crawl(data, server.base_url, "--lang", "no,en", "--recrawl", "all")
        base_url = server.base_url
    return CrawledReplica(data, site, base_url, (first["job_id"], second["job_id"]))
