"""A download handler that keeps the HTTP exchange as it was on the wire.

Scrapy's HTTP/1.1 handler (over Twisted) hands on a parsed response: the
reason phrase is dropped, header names are re-cased and connection headers
(``Transfer-Encoding``, ``Connection``) are removed. A WARC response record
must hold the status line and headers as received, and the request record
the request head as sent. So we record both at the Twisted protocol level and
pass them to the capture middleware in ``request.meta[WIRE_META]``.

This leans on private Scrapy/Twisted classes; pyproject pins the Scrapy
range it is tested with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scrapy.http import Request, Response
from scrapy.utils._download_handlers import make_response, wrap_twisted_exceptions
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.python import to_unicode
from twisted.web._newclient import HEADER, STATUS

from crawler.lean_import import frames_only

with frames_only():  # its TLS modules walk the stack at import (crawler/lean_import.py)
    from scrapy.core.downloader.handlers.http11 import (
        HTTP11DownloadHandler,
        _LenientHTTP11ClientFactory,
        _LenientHTTP11ClientProtocol,
        _LenientHTTPClientParser,
        _ScrapyAgent,
    )

WIRE_META = "_regarkiv_wire"
# A request whose body nobody reads (an article: the indexer extracts it from the capture):
# its encoded response is passed on as it came (crawler/middlewares/compression.py).
BODY_UNREAD = "regarkiv_body_unread"


@dataclass(frozen=True)
class WireHead:
    request_head: bytes
    status_line: bytes
    headers: tuple[tuple[bytes, bytes], ...]


class _SequenceRecorder:
    """Stands in for a transport while Twisted writes the request head."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def writeSequence(self, data: list[bytes]) -> None:  # noqa: N802 (Twisted API)
        self.chunks.extend(data)

    def write(self, data: bytes) -> None:
        self.chunks.append(data)


def _parse_header_lines(lines: list[bytes]) -> tuple[tuple[bytes, bytes], ...]:
    headers: list[tuple[bytes, bytes]] = []
    for line in lines:
        if line[:1] in (b" ", b"\t") and headers:
            # obs-fold continuation of the previous header
            name, value = headers[-1]
            headers[-1] = (name, value + b" " + line.strip())
        elif b":" in line:
            name, value = line.split(b":", 1)
            headers.append((name, value.strip()))
    return tuple(headers)


class _WireParser(_LenientHTTPClientParser):
    def lineReceived(self, line: bytes) -> None:  # noqa: N802 (Twisted API)
        if self.state in (STATUS, HEADER):
            if not hasattr(self, "_wire_lines"):
                self._wire_lines: list[bytes] = []
            self._wire_lines.append(line.removesuffix(b"\r"))
        super().lineReceived(line)

    def allHeadersReceived(self) -> None:  # noqa: N802 (Twisted API)
        lines = getattr(self, "_wire_lines", [])
        head = getattr(self, "_wire_request_head", b"")
        if lines and self.response is not None:
            # lines[-1] is the blank line that ended the header block
            header_lines = [line for line in lines[1:] if line]
            self.response._regarkiv_wire = WireHead(
                request_head=head, status_line=lines[0], headers=_parse_header_lines(header_lines)
            )
        self._wire_lines = []  # a 1xx response is followed by the real one
        super().allHeadersReceived()


class _WireProtocol(_LenientHTTP11ClientProtocol):
    def request(self, request: Any) -> Any:
        sent: list[bytes] = []
        write_headers = request._writeHeaders

        def recording_write_headers(transport: Any, te_or_cl: bytes | None) -> None:
            recorder = _SequenceRecorder()
            write_headers(recorder, te_or_cl)
            sent.append(b"".join(recorder.chunks))
            transport.writeSequence(recorder.chunks)

        request._writeHeaders = recording_write_headers
        deferred = super().request(request)
        # The head is written within ``request`` (Request.writeTo writes it first, at
        # once). Left in place, the closure and the request would refer to each other: a
        # cycle per request, freed only by a garbage collection, not by its reference count.
        del request._writeHeaders
        if self._parser is not None:
            self._parser.__class__ = _WireParser
            # Its class is ours now (swapped above): _WireParser reads this.
            self._parser._wire_request_head = b"".join(sent)  # type: ignore[attr-defined]
        return deferred


class _WireClientFactory(_LenientHTTP11ClientFactory):
    def buildProtocol(self, addr: Any) -> _WireProtocol:  # noqa: N802 (Twisted API)
        return _WireProtocol(self._quiescentCallback)


class _WireAgent(_ScrapyAgent):
    body_unread = False  # the request's body is never read (BODY_UNREAD): see _cb_bodydone

    def _cb_bodyready(self, txresponse: Any, request: Request) -> Any:
        request.meta[WIRE_META] = getattr(txresponse, "_regarkiv_wire", None)
        return super()._cb_bodyready(txresponse, request)

    def _cb_bodydone(self, result: Any, url: str) -> Response:
        """``_ScrapyAgent._cb_bodydone``, but an encoded body nobody reads is a plain Response.

        DecodeWhenReadMiddleware (crawler/middlewares/compression.py) makes it one anyway;
        made here, it is not first typed by its Content-Type and URL (``responsetypes``) and
        built as an ``HtmlResponse`` with a copy of its headers: ~30 µs an article page.
        """
        txresponse = result["txresponse"]
        headers = self._headers_from_twisted_response(txresponse)
        version = txresponse.version
        fields: dict[str, Any] = {
            "url": url,
            "status": int(txresponse.code),
            "body": result.get("body", b""),
            "flags": result.get("flags"),
            "certificate": result.get("certificate"),
            "ip_address": result.get("ip_address"),
            "protocol": f"{to_unicode(version[0])}/{version[1]}.{version[2]}",
        }
        stop = result.get("stop_download")
        if not (self.body_unread and headers.get(b"Content-Encoding")):
            return make_response(headers=headers, stop_download=stop, **fields)
        response = Response(**fields)
        response.headers = headers  # not copied again: these are the response's own
        if stop:  # as make_response
            response.flags.append("download_stopped")
            if stop.fail:
                stop.response = response
                raise stop
        return response


class WireHTTPDownloadHandler(HTTP11DownloadHandler):
    """HTTP11DownloadHandler that records the wire-level request/response heads."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self._pool._factory = _WireClientFactory

    async def download_request(self, request: Request) -> Response:
        agent = _WireAgent(
            contextFactory=self._contextFactory,
            bindAddress=self._bind_address,
            pool=self._pool,
            maxsize=self._default_maxsize,
            warnsize=self._default_warnsize,
            fail_on_dataloss=self._fail_on_dataloss,
            crawler=self._crawler,
            tls_verbose_logging=self._tls_verbose_logging,
        )
        agent.body_unread = bool(request.meta.get(BODY_UNREAD))
        # Same body as HTTP11DownloadHandler.download_request, with our agent.
        with wrap_twisted_exceptions():
            return await maybe_deferred_to_future(agent.download_request(request))
