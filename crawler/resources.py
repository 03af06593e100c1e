"""Requests for what an archived page needs: its page requisites and attached documents.

The spider hands each archived article and listing page here (``from_page``). The URLs
come from archive/extract/requisites.py; whether to fetch each, and the counts, from
the crawl's ledger (archive/resources.py). Here: the Scrapy side of it.

- Priorities: a page's requisites (5) come before further articles (0) but after
  listing pages (10), so a page's stylesheet and images are archived close to the page
  and an interrupted crawl leaves few pages without theirs; attachments (4) after them.
- Size: each request carries Scrapy's ``download_maxsize`` (``--requisite-max-size``,
  ``--attachment-max-size``). A larger answer is aborted when its Content-Length says
  so, before its body is read, or as soon as a body without one grows past it; it is
  counted as skipped (``too-large``), never retried and never held in memory whole.
- Stylesheets are read for their ``@import`` and ``url()`` targets, to ``CSS_DEPTH``
  levels; a loop of imports ends because each URL is fetched once per crawl.
- robots.txt applies through Scrapy's RobotsTxtMiddleware, as for every request.

Bodies are never decoded by Scrapy (``BODY_UNREAD``): only a stylesheet's is, here.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from archive.extract.requisites import Kind, Reference, css_references, page_references
from archive.resources import TOO_LARGE, ResourceLedger
from archive.warc.reader import UnsupportedEncoding, decode_body
from crawler.failures import failure_reason
from crawler.middlewares.compression import BODY_UNREAD

log = logging.getLogger(__name__)

PRIORITY = {Kind.REQUISITE: 5, Kind.ATTACHMENT: 4}
# How deep stylesheets are followed: page → main.css → an @import → its url()s.
CSS_DEPTH = 3
KIND = "regarkiv_resource_kind"
DEPTH = "regarkiv_css_depth"
ROLE = "regarkiv_resource_role"
# What a stylesheet is read up to; a larger one is archived but not followed.
MAX_CSS_BYTES = 4 * 1024 * 1024


def is_stylesheet(response: Response, role: str) -> bool:
    content_type = (response.headers.get(b"Content-Type") or b"").lower()
    return b"text/css" in content_type or (not content_type and role == "stylesheet")


def decoded(response: Response, max_size: int) -> bytes | None:
    """The body without its content coding (a capture keeps it as sent), or None."""
    coding = response.headers.get(b"Content-Encoding")
    try:
        return decode_body(response.body, coding.decode("latin-1") if coding else None, max_size)
    except (UnsupportedEncoding, zlib.error, OSError, ValueError) as error:
        log.warning("%s: cannot decode (%s)", response.url, error)
        return None


class ResourceRequests:
    """Makes the requests for a crawl's resources and counts what became of them."""

    def __init__(self, ledger: ResourceLedger, requisite_max_size: int, attachment_max_size: int):
        self.ledger = ledger
        self.max_size = {Kind.REQUISITE: requisite_max_size, Kind.ATTACHMENT: attachment_max_size}

    @property
    def enabled(self) -> bool:
        return bool(self.ledger.kinds)

    def from_page(self, response: Response, *, article: bool) -> list[scrapy.Request]:
        """Requests for what an archived page (a 2xx HTML answer) references."""
        if not self.enabled or not 200 <= response.status < 300:
            return []
        content_type = (response.headers.get(b"Content-Type") or b"").lower()
        if content_type and b"html" not in content_type:
            return []
        body = decoded(response, self.max_size[Kind.REQUISITE])
        if not body:
            return []
        references = page_references(body, response.url, attachments=article)
        return self._requests(references, depth=0)

    def _requests(self, references: list[Reference], depth: int) -> list[scrapy.Request]:
        requests = []
        for reference in references:
            if not self.ledger.claim(reference):
                continue
            size = self.max_size[reference.kind]
            meta: dict[str, Any] = {
                KIND: reference.kind,
                DEPTH: depth,
                ROLE: reference.role,
                BODY_UNREAD: True,
                "download_maxsize": size,
                "download_warnsize": size,
            }
            requests.append(
                scrapy.Request(
                    reference.url,
                    callback=self.parse_resource,
                    errback=self.on_error,
                    priority=PRIORITY[reference.kind],
                    meta=meta,
                    dont_filter=True,  # the ledger already makes it once per crawl
                )
            )
        return requests

    def parse_resource(self, response: Response) -> Iterator[scrapy.Request]:
        """An answer for a resource: count it; follow a stylesheet's references."""
        meta = response.meta
        kind = meta[KIND]
        self.ledger.fetched(kind, response.status)
        if (
            200 <= response.status < 300
            and meta[DEPTH] < CSS_DEPTH
            and is_stylesheet(response, meta.get(ROLE, ""))
        ):
            css = decoded(response, MAX_CSS_BYTES)
            if css:
                yield from self._requests(css_references(css, response.url), meta[DEPTH] + 1)

    def on_error(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        response = getattr(failure.value, "response", None)
        if response is not None:
            reason = failure_reason(response.status, response.headers)
        else:
            reason = failure_reason(None, None, failure.value)
        if request is None or KIND not in request.meta:
            return
        if reason in (TOO_LARGE, "cancelled") and "download_maxsize" in request.meta:
            reason = TOO_LARGE  # aborted by the size limit, as the body streamed in
            log.warning(
                "%s: not archived, larger than %s bytes (the %s size limit)",
                request.url,
                f"{request.meta['download_maxsize']:,}",
                request.meta[KIND],
            )
        self.ledger.failed(request.meta[KIND], reason)
