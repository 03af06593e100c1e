"""HTTP/1.1 on the wire: request parsing, response framing, and fault behaviour."""

from __future__ import annotations

import asyncio
import gzip
import os
import secrets
import socket
import struct
import time
from dataclasses import dataclass
from email.utils import formatdate
from http import HTTPStatus
from typing import TYPE_CHECKING

from replica.faults import Applied
from replica.templating import load

if TYPE_CHECKING:
    from replica.routes import Response
    from replica.server import ReplicaServer

# Unclosed tags, stray bytes and a broken entity, appended to a page cut short.
_GARBAGE = (
    b'<div class="article-body"><p>Uavsluttet <b>tekst <i>\x00\xff\xfe <<<>>> &#xZZZ; <tr><td'
)

# One "instance" of the origin: the ARRAffinity cookie is fixed, like a sticky backend.
_AFFINITY = "8f60b4b980ecbcf2fd9b03ce93c680d6b1fafced4d2ba05719358001084dbcc8"


@dataclass(frozen=True)
class HTTPRequest:
    method: str
    target: str
    version: str
    headers: dict[str, str]

    @property
    def length(self) -> int:
        value = self.headers.get("content-length", "0")
        return int(value) if value.isdigit() else 0

    @property
    def keep_alive(self) -> bool:
        connection = self.headers.get("connection", "").lower()
        if self.version == "HTTP/1.0":
            return "keep-alive" in connection
        return "close" not in connection

    @property
    def accepts_gzip(self) -> bool:
        for token in self.headers.get("accept-encoding", "").lower().split(","):
            name, _, params = token.strip().partition(";")
            if name in ("gzip", "*") and params.replace(" ", "") not in ("q=0", "q=0.0"):
                return True
        return False


def parse_head(head: bytes) -> HTTPRequest | None:
    try:
        lines = head.decode("latin-1").split("\r\n")
        method, target, version = lines[0].split(" ")
    except ValueError:
        return None
    if target.startswith(("http://", "https://")):  # absolute-form, as sent to proxies
        target = "/" + target.split("/", 3)[3] if target.count("/") >= 3 else "/"
    if not version.startswith("HTTP/1.") or not target.startswith("/"):
        return None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            return None
        key = name.strip().lower()
        headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    return HTTPRequest(method, target, version, headers)


def _cookies() -> list[tuple[str, str]]:
    now = int(time.time())
    stamp = f"{now}.{secrets.randbelow(10**7):07d}"
    bm = f"{secrets.token_urlsafe(32)}-{stamp}-1.0.1.1-{secrets.token_urlsafe(96)}"
    expires = formatdate(now + 1800, usegmt=True)
    return [
        ("set-cookie", f"ARRAffinity={_AFFINITY};Path=/;HttpOnly;Secure"),
        ("set-cookie", f"ARRAffinitySameSite={_AFFINITY};Path=/;HttpOnly;SameSite=None;Secure"),
        ("set-cookie", f"__cf_bm={bm}; HttpOnly; SameSite=None; Secure; Path=/; Expires={expires}"),
    ]


def frame(status: int, headers: list[tuple[str, str]], length: int, keep_alive: bool) -> bytes:
    """The status line and headers, in the real site's order, plus transport headers."""
    lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}", f"date: {formatdate(usegmt=True)}"]
    rest = list(headers)
    if rest and rest[0][0] == "content-type":
        lines.append(f"content-type: {rest.pop(0)[1]}")
    lines.append(f"content-length: {length}")
    lines.append(f"connection: {'keep-alive' if keep_alive else 'close'}")
    cookies_done = False
    for name, value in rest:
        if name in ("server", "cf-ray"):
            continue
        lines.append(f"{name}: {value}")
        if name == "vary" and not cookies_done:
            lines += [f"{k}: {v}" for k, v in _cookies()]
            cookies_done = True
    if not cookies_done:
        lines += [f"{k}: {v}" for k, v in _cookies()]
    lines.append("server: cloudflare")
    lines.append(f"cf-ray: {secrets.token_hex(8)}-OSL")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def write_response(
    writer: asyncio.StreamWriter,
    status: int,
    headers: list[tuple[str, str]],
    body: bytes,
    keep_alive: bool,
    *,
    head_only: bool = False,
) -> None:
    writer.write(frame(status, headers, len(body), keep_alive) + (b"" if head_only else body))
    await writer.drain()


async def write_stream(
    writer: asyncio.StreamWriter, response: Response, keep_alive: bool, head_only: bool
) -> None:
    """A large body as it is made, each piece sent before the next is made."""
    writer.write(frame(response.status, list(response.headers), response.length, keep_alive))
    if not head_only and response.stream is not None:
        for piece in response.stream():
            writer.write(piece)
            await writer.drain()  # a client that hung up raises here, and it stops
    await writer.drain()


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with an RST instead of a FIN: SO_LINGER on with a zero timeout."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def _error_page(status: int) -> bytes:
    phrase = HTTPStatus(status).phrase
    return (
        f"<!DOCTYPE html>\n<html><head><title>{status} {phrase}</title></head>\n"
        f"<body><h1>{phrase}</h1><p>The service is temporarily unavailable.</p></body></html>\n"
    ).encode()


async def apply_fault(
    server: ReplicaServer,
    request: HTTPRequest,
    writer: asyncio.StreamWriter,
    fault: Applied,
) -> bool | None:
    """Misbehave for one request. True/False: answered (keep the connection or not);
    None: only delayed, so the caller serves the normal response."""
    kind, params = fault.kind, fault.params
    html = [("content-type", "text/html; charset=utf-8"), ("cache-control", "no-store")]
    if kind == "slow":
        await asyncio.sleep(float(params.get("delay", 2.0)))
        return None
    if kind in ("reset", "close"):
        _reset(writer) if kind == "reset" else writer.close()
        return False
    if kind.isdigit():
        status = int(kind)
        headers = list(html)
        if status in (429, 503) or "retry_after" in params:
            headers.append(("retry-after", str(params.get("retry_after", 1))))
        if status == 403:
            return await _challenge(request, writer)
        await write_response(writer, status, headers, _error_page(status), request.keep_alive)
        return request.keep_alive
    if kind == "challenge":
        return await _challenge(request, writer)
    if kind == "offsite-redirect":
        location = params.get("location", f"http://evil.example{request.target}")
        headers = [("content-type", "text/html; charset=utf-8"), ("location", location)]
        await write_response(writer, 302, headers, b"", request.keep_alive)
        return request.keep_alive
    response = server.site.render(request.target, server.page_base)
    body = response.body
    if kind == "malformed":
        cut = body[: len(body) * 55 // 100]
        garbage = _GARBAGE
        await write_response(writer, 200, html, cut + garbage, request.keep_alive)
        return request.keep_alive
    if kind == "truncate":
        headers = list(response.headers)
        if request.accepts_gzip:
            body = gzip.compress(body, server.gzip_level, mtime=0)
            headers.append(("content-encoding", "gzip"))
        sent = int(len(body) * float(params.get("fraction", 0.5)))
        writer.write(frame(response.status, headers, len(body), True) + body[:sent])
        await writer.drain()
        writer.close()
        return False
    raise ValueError(f"unhandled fault kind {kind}")


async def _challenge(request: HTTPRequest, writer: asyncio.StreamWriter) -> bool:
    ray = os.urandom(8).hex()
    body = load("challenge.html").render(
        ray=ray, token=secrets.token_urlsafe(24), path=request.target.split("?")[0],
        time=str(int(time.time())),
    ).encode()  # fmt: skip
    headers = [
        ("content-type", "text/html; charset=UTF-8"),
        (
            "cache-control",
            "private, max-age=0, no-store, no-cache, must-revalidate, post-check=0, pre-check=0",
        ),
        ("expires", "Thu, 01 Jan 1970 00:00:01 GMT"),
        ("referrer-policy", "same-origin"),
        ("x-frame-options", "SAMEORIGIN"),
        ("cf-mitigated", "challenge"),
        ("critical-ch", "Sec-CH-UA-Bitness, Sec-CH-UA-Arch, Sec-CH-UA-Full-Version"),
    ]
    await write_response(writer, 403, headers, body, request.keep_alive)
    return request.keep_alive
