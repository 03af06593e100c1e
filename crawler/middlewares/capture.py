"""Downloader middleware that hands every response, as it came, to the WARC writer."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from scrapy import Request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response

from archive.model import Exchange
from archive.warc.writer import WarcWriteError
from crawler.wire import WIRE_META, WireHead

log = logging.getLogger(__name__)
WRITE_ERROR = "warc-write-error"


def exchange_from(request: Request, response: Response, wire: WireHead) -> Exchange:
    latency = request.meta.get("download_latency") or 0.0
    fetched_at = datetime.now(UTC) - timedelta(seconds=latency)
    return Exchange(
        url=response.url,
        request_head=wire.request_head,
        status_line=wire.status_line,
        response_headers=wire.headers,
        body=response.body,
        fetched_at=fetched_at,
        ip_address=str(response.ip_address) if response.ip_address else None,
    )


class WarcCaptureMiddleware:
    """Sits next to the downloader (order 950): sees redirects, errors and
    gzip bodies before other middlewares change or drop them."""

    def __init__(self, session: Any, crawler: Any = None) -> None:
        self.session = session
        self.crawler = crawler
        self._stopping = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> WarcCaptureMiddleware:
        session = getattr(crawler.spider, "session", None)
        if session is None:
            raise NotConfigured("the spider has no crawl session to write WARCs to")
        return cls(session, crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        wire = request.meta.pop(WIRE_META, None)
        if wire is None:
            return response
        try:
            self.session.capture(exchange_from(request, response, wire))
        except WarcWriteError as error:
            # A full or failing disk: fetching on would only lose what we fetch.
            self._stop(str(error))
            raise IgnoreRequest(f"not archived: {error}") from error
        return response

    def _stop(self, why: str) -> None:
        if self._stopping or self.crawler is None:
            return
        self._stopping = True
        log.error("stopping the crawl: %s", why)
        asyncio.ensure_future(self.crawler.engine.close_spider_async(reason=WRITE_ERROR))
