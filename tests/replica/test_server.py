"""The replica over HTTP: headers, gzip, keep-alive, redirects, faults, the CLI entry point."""

from __future__ import annotations

import gzip
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from replica.server import ReplicaServer
from replica.site import Site

TIMEOUT = 5


@pytest.fixture
def server() -> Iterator[ReplicaServer]:
    with ReplicaServer(Site(articles=120, seed=3)) as running:
        yield running


def get(
    server: ReplicaServer, target: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> tuple[http.client.HTTPResponse, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
    try:
        connection.request(method, target, headers=headers or {})
        response = connection.getresponse()
        return response, response.read()
    finally:
        connection.close()


def nonce(body: bytes) -> str:
    return re.search(rb'csp-nonce" content="([^"]+)"', body)[1].decode()


def test_html_headers_like_the_real_site(server: ReplicaServer) -> None:
    article = server.site.article_ids()[0]
    response, body = get(server, server.site.article_url(article), {"Accept-Encoding": "gzip"})
    assert response.status == 200 and response.reason == "OK"
    assert response.getheader("content-type") == "text/html; charset=utf-8"
    assert response.getheader("content-encoding") == "gzip"
    assert response.getheader("vary") == "accept-encoding"
    assert response.getheader("cache-control") == "public,max-age=15"
    assert response.getheader("server") == "cloudflare"
    assert re.fullmatch(r"[0-9a-f]{16}-OSL", response.getheader("cf-ray"))
    assert response.getheader("date").endswith(" GMT")
    assert "__cf_bm=" in " ".join(v for k, v in response.getheaders() if k == "set-cookie")
    assert response.getheader("etag") is None and response.getheader("last-modified") is None
    html = gzip.decompress(body).decode()
    assert f"{server.base_url}{server.site.article_url(article)}" in html
    assert server.site.expected(article).url == server.base_url + server.site.article_url(article)
    listing, _ = get(server, server.site.listing_path())
    assert listing.getheader("cache-control") == "public,max-age=5"
    assert listing.getheader("content-encoding") is None


def test_gzip_is_deterministic_and_nonces_differ(server: ReplicaServer) -> None:
    gz = {"Accept-Encoding": "gzip, deflate"}
    first, second = get(server, "/robots.txt", gz)[1], get(server, "/robots.txt", gz)[1]
    assert first == second and gzip.decompress(first).startswith(b"User-agent: *")
    target = server.site.article_url(server.site.article_ids()[1])
    bodies = [gzip.decompress(get(server, target, gz)[1]) for _ in range(3)]
    assert len({nonce(b) for b in bodies}) == 3
    assert (
        get(server, target, {"Accept-Encoding": "gzip;q=0"})[0].getheader("content-encoding")
        is None
    )


def test_keep_alive_head_and_conditional_requests(server: ReplicaServer) -> None:
    site = server.site
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
    try:
        for article_id in site.article_ids()[:5]:
            connection.request("GET", site.article_url(article_id))
            response = connection.getresponse()
            assert response.status == 200 and response.getheader("connection") == "keep-alive"
            response.read()
        connection.request("HEAD", site.listing_path())
        head = connection.getresponse()
        assert head.status == 200 and int(head.getheader("content-length")) > 10_000
        assert head.read() == b""
        connection.request("GET", "/robots.txt")
        robots = connection.getresponse()
        robots.read()
        etag = robots.getheader("etag")
        assert robots.getheader("cache-control") == "public, max-age=604800" and etag
        connection.request("GET", "/robots.txt", headers={"If-None-Match": etag})
        not_modified = connection.getresponse()
        assert not_modified.status == 304 and not_modified.read() == b""
    finally:
        connection.close()
    assert len(server.requests) == 8
    method, target, headers = server.requests[5]
    assert (method, target) == ("HEAD", site.listing_path()) and "host" in headers


def test_redirects_over_the_wire(server: ReplicaServer) -> None:
    site = server.site
    article_id = site.article_ids("no")[2]
    response, _ = get(server, f"/id{article_id}/")
    assert response.status == 301 and response.reason == "Moved Permanently"
    assert response.getheader("location") == server.base_url + site.article_url(article_id)
    legacy, _ = get(server, "/nn" + site.article_url(article_id)[3:] + "?utm_source=x")
    assert legacy.getheader("location").endswith(site.article_url(article_id) + "?utm_source=x")
    missing, body = get(server, "/no/aktuelt/finnes-ikke/id1/")
    assert missing.status == 404 and b'class="pageHeader' in body


def test_version_switch_over_the_wire(server: ReplicaServer) -> None:
    site = server.site
    server.set_version(2)
    removed = sorted(site.removed_ids())[0]
    assert get(server, site.article_url(removed))[0].status == 404
    newest = sorted(site.new_ids())[-1]
    _, listing = get(server, site.listing_path(site.lang_of(newest)))
    assert site.article_url(newest).encode() in listing


def test_concurrent_clients(server: ReplicaServer) -> None:
    targets = [server.site.article_url(i) for i in server.site.article_ids()] * 2

    def fetch(target: str) -> int:
        return get(server, target, {"Accept-Encoding": "gzip"})[0].status

    with ThreadPoolExecutor(32) as pool:
        assert set(pool.map(fetch, targets)) == {200}
    assert len(server.requests) == len(targets)


@pytest.mark.parametrize(("kind", "status"), [("500", 500), ("503", 503), ("429", 429)])
def test_error_faults_with_retry_after_then_recover(
    server: ReplicaServer, kind: str, status: int
) -> None:
    article_id = server.site.article_ids()[0]
    server.faults.add(f"id{article_id}", kind, count=2, retry_after=3)
    target = server.site.article_url(article_id)
    for _ in range(2):
        response, _ = get(server, target)
        assert response.status == status and response.getheader("retry-after") == "3"
    assert get(server, f"/id{article_id}/")[0].status == 301
    assert get(server, target)[0].status == 200
    assert [a.kind for a in server.faults.applied] == [kind, kind]


def test_challenge_fault(server: ReplicaServer) -> None:
    server.faults.add("/robots.txt", "challenge", count=1)
    response, body = get(server, "/robots.txt")
    assert response.status == 403 and response.getheader("cf-mitigated") == "challenge"
    assert response.getheader("server") == "cloudflare"
    assert b"<title>Just a moment...</title>" in body
    assert get(server, "/robots.txt")[0].status == 200


def test_slow_fault(server: ReplicaServer) -> None:
    target = server.site.listing_path()
    server.faults.add(target, "slow", count=1, delay=0.4)
    started = time.monotonic()
    assert get(server, target)[0].status == 200
    assert time.monotonic() - started >= 0.4


def test_truncated_body_fault(server: ReplicaServer) -> None:
    article_id = server.site.article_ids()[0]
    server.faults.add(article_id, "truncate", count=1)
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
    try:
        connection.request("GET", server.site.article_url(article_id))
        response = connection.getresponse()
        with pytest.raises(http.client.IncompleteRead):
            response.read()
    finally:
        connection.close()


def test_connection_reset_fault(server: ReplicaServer) -> None:
    article_id = server.site.article_ids()[0]
    server.faults.add(article_id, "reset", count=1)
    with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as sock:
        target = server.site.article_url(article_id)
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        with pytest.raises(ConnectionResetError):
            assert sock.recv(1024) == b""  # a FIN would return b"" instead of raising


def test_malformed_and_offsite_redirect_faults(server: ReplicaServer) -> None:
    article_id = server.site.article_ids()[0]
    target = server.site.article_url(article_id)
    server.faults.add(target, "malformed", count=1)
    response, body = get(server, target)
    assert response.status == 200 and b"</html>" not in body and b"\x00" in body
    server.faults.add(article_id, "offsite-redirect", count=1)
    response, _ = get(server, target)
    assert (
        response.status == 302 and response.getheader("location") == "http://evil.example" + target
    )
    assert get(server, target)[0].status == 200


def test_misbehave_is_seeded_and_retries_succeed(server: ReplicaServer) -> None:
    targets = [server.site.article_url(i) for i in server.site.article_ids()[:60]]

    def run() -> list[tuple[str, str]]:
        server.faults.clear()
        server.faults.misbehave(rate=0.3, seed=7, kinds=("500", "503", "429"))
        outcomes = [(t, str(get(server, t)[0].status)) for t in targets]
        return [(a.target, a.kind) for a in server.faults.applied] + outcomes

    first = run()
    assert first == run()
    failed = [t for t, kind in first if kind in ("500", "503", "429")]
    assert 5 <= len(set(failed)) <= 35
    assert get(server, server.site.listing_path())[0].status == 200  # not an article
    statuses = [get(server, failed[0])[0].status for _ in range(8)]
    assert 200 in statuses


def test_main_serves_until_sigterm(tmp_path: Path, root: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "replica.server", "--articles", "40", "--seed", "2"],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    try:
        line = process.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        assert url, line
        connection = http.client.HTTPConnection("127.0.0.1", int(url[1]), timeout=TIMEOUT)
        connection.request("GET", "/robots.txt")
        assert connection.getresponse().status == 200
        connection.close()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)


def test_remaining_fault_kinds_and_bad_requests(server: ReplicaServer) -> None:
    target = server.site.listing_path()
    for kind, status in (("502", 502), ("504", 504), ("403", 403)):
        server.faults.add(target, kind, count=1)
        assert get(server, target)[0].status == status
    server.faults.add(target, "close", count=1)
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
        get(server, target)
    with pytest.raises(ValueError):
        server.faults.add(target, "explode")
    with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as sock:
        sock.sendall(b"NONSENSE\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 400 Bad Request")
    absolute = f"{server.base_url}/robots.txt"
    with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as sock:
        sock.sendall(f"GET {absolute} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        assert sock.recv(100).startswith(b"HTTP/1.1 200 OK")
