"""The download handler keeps the request head as sent and the response head as received."""

import gc
import json
import socket
import subprocess
import sys
import threading

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


def serve_once(listener: socket.socket, seen: list[bytes]) -> None:
    conn, _ = listener.accept()
    with conn:
        conn.settimeout(10)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
        seen.append(data)
        conn.sendall(RAW_RESPONSE)


def test_wire_heads_are_kept_verbatim() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    seen: list[bytes] = []
    server = threading.Thread(target=serve_once, args=(listener, seen), daemon=True)
    server.start()
    url = f"http://127.0.0.1:{port}/no/aktuelt/x/id1/?a=b"
    result = subprocess.run(
        [sys.executable, "-c", PROBE, url], capture_output=True, text=True, timeout=60
    )
    listener.close()
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
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
