"""The download handler keeps the request head as sent and the response head as received."""

import gc
import gzip
import json
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

from twisted.internet.testing import StringTransport
from twisted.web._newclient import Request as TwistedRequest
from twisted.web.http_headers import Headers

from crawler.wire import _WireProtocol

RAW_RESPONSE = (
    b"HTTP/1.1 200 Everything Fine\r\n"
    b"content-type: text/html; charset=utf-8\r\n"
    b"X-Weird-CASE: kept\r\n"
    b"Transfer-Encoding: chunked\r\n"
    b"Set-Cookie: a=1\r\n"
    b"Set-Cookie: b=2\r\n"
    b"\r\n"
    b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
)

PROBE = """
import json, sys
import scrapy
from scrapy.crawler import CrawlerProcess
from crawler.wire import WIRE_META

class Probe(scrapy.Spider):
    name = "probe"
    async def start(self):
        yield scrapy.Request(sys.argv[1], callback=self.done)
    def done(self, response):
        wire = response.meta[WIRE_META]
        print(json.dumps({
            "request_head": wire.request_head.decode(),
            "status_line": wire.status_line.decode(),
            "headers": [[k.decode(), v.decode()] for k, v in wire.headers],
            "body": response.body.decode(),
        }))

process = CrawlerProcess({
    "DOWNLOAD_HANDLERS": {"http": "crawler.wire.WireHTTPDownloadHandler"},
    "LOG_LEVEL": "ERROR", "TELNETCONSOLE_ENABLED": False,
    "USER_AGENT": "regarkiv-test",
})
process.crawl(Probe)
process.start()
"""


def read_head(conn: socket.socket) -> bytes:
    conn.settimeout(10)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def serve_once(listener: socket.socket, seen: list[bytes]) -> None:
    conn, _ = listener.accept()
    with conn:
        seen.append(read_head(conn))
        conn.sendall(RAW_RESPONSE)


def probe_output(script: str, path: str, serve: Callable[..., None], *args: object) -> Any:
    """Run ``script`` against ``serve(listener, *args)`` on a free port: its last JSON line."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = threading.Thread(target=serve, args=(listener, *args), daemon=True)
    server.start()
    url = f"http://127.0.0.1:{port}{path}"
    result = subprocess.run(
        [sys.executable, "-c", script, url], capture_output=True, text=True, timeout=60
    )
    listener.close()
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_wire_heads_are_kept_verbatim() -> None:
    seen: list[bytes] = []
    probe = probe_output(PROBE, "/no/aktuelt/x/id1/?a=b", serve_once, seen)
    # The request record must hold exactly what went over the socket.
    assert probe["request_head"].encode() == seen[0]
    assert probe["request_head"].startswith("GET /no/aktuelt/x/id1/?a=b HTTP/1.1\r\n")
    assert probe["status_line"] == "HTTP/1.1 200 Everything Fine"
    assert probe["headers"] == [
        ["content-type", "text/html; charset=utf-8"],
        ["X-Weird-CASE", "kept"],
        ["Transfer-Encoding", "chunked"],
        ["Set-Cookie", "a=1"],
        ["Set-Cookie", "b=2"],
    ]
    assert probe["body"] == "hello world"


PLAIN_PROBE = """
import json, sys
import scrapy
from scrapy.crawler import CrawlerProcess
from crawler.middlewares.compression import BODY_UNREAD

seen = {}

class Probe(scrapy.Spider):
    name = "probe"
    async def start(self):
        yield scrapy.Request(
            sys.argv[1] + "read.html", callback=self.done, cb_kwargs={"unread": False}
        )
        yield scrapy.Request(
            sys.argv[1] + "unread.html", callback=self.done, cb_kwargs={"unread": True},
            meta={BODY_UNREAD: True},
        )
    def done(self, response, unread):
        seen[unread] = {
            "class": type(response).__name__,
            "path": response.url.rsplit("/", 1)[-1],
            "status": response.status,
            "headers": [[k.decode(), [v.decode() for v in vs]]
                        for k, vs in response.headers.items()],
            "body": response.body.hex(),
            "flags": response.flags,
            "protocol": response.protocol,
            "ip_address": str(response.ip_address),
        }

process = CrawlerProcess({
    "DOWNLOAD_HANDLERS": {"http": "crawler.wire.WireHTTPDownloadHandler"},
    "DOWNLOADER_MIDDLEWARES_BASE": {}, "SPIDER_MIDDLEWARES_BASE": {},
    "LOG_LEVEL": "ERROR", "TELNETCONSOLE_ENABLED": False, "CONCURRENT_REQUESTS": 1,
})
process.crawl(Probe)
process.start()
print(json.dumps(seen))
"""


def serve_gzip(listener: socket.socket, body: bytes, count: int) -> None:
    for _ in range(count):
        conn, _ = listener.accept()
        with conn:
            read_head(conn)
            conn.sendall(
                b"HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\n"
                b"Content-Encoding: gzip\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n"
                b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(body) + body
            )


def test_an_encoded_body_nobody_reads_arrives_as_a_plain_response_otherwise_the_same() -> None:
    body = gzip.compress(b"<html><body><p>Hei</p></body></html>")
    seen = probe_output(PLAIN_PROBE, "/no/aktuelt/x/id1/", serve_gzip, body, 2)
    read, unread = seen["false"], seen["true"]
    # Scrapy types a response by its Content-Type, unless encoded, then by its URL.
    assert read.pop("class") == "HtmlResponse"
    assert unread.pop("class") == "Response"  # never parsed as HTML, gzip bytes and all
    assert read.pop("path") == "read.html" and unread.pop("path") == "unread.html"
    assert unread == read
    assert bytes.fromhex(unread["body"]) == body
    assert unread["protocol"] == "HTTP/1.1" and unread["ip_address"] == "127.0.0.1"


def test_the_head_recorder_leaves_no_cycle_on_the_request() -> None:
    """The head recorder does not stay on Twisted's request: it had made a cycle per
    request, kept until a garbage collection (rare while crawling: crawler/run.py)."""
    protocol = _WireProtocol(lambda protocol: None)
    transport = StringTransport()
    protocol.makeConnection(transport)
    headers = Headers({b"host": [b"127.0.0.1"], b"user-agent": [b"regarkiv-test"]})
    request = TwistedRequest(b"GET", b"/no/aktuelt/x/id1/", headers, None)
    protocol.request(request)
    sent = transport.value()
    assert sent.startswith(b"GET /no/aktuelt/x/id1/ HTTP/1.1\r\n")
    assert protocol._parser._wire_request_head == sent  # type: ignore[union-attr]
    assert not _refers_to_itself(request)


def _refers_to_itself(start: object, depth: int = 6) -> bool:
    """Whether ``start`` can be reached from ``start`` through ``depth`` references."""
    seen: set[int] = set()
    frontier = gc.get_referents(start)
    for _ in range(depth):
        if any(found is start for found in frontier):
            return True
        seen.update(id(found) for found in frontier)
        frontier = [
            found
            for referrer in frontier
            for found in gc.get_referents(referrer)
            if id(found) not in seen
        ]
    return False
