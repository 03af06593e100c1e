"""Retries with exponential backoff that honour Retry-After.

A 403 Cloudflare challenge and a 429 are failures to retry later, never
content: the capture middleware has already written them to the WARC as what
the server said, and the index never treats them as the article.

Until the site has answered once, a request that cannot connect (refused, no such
host, no route, no answer in time) is not retried: a wrong or unreachable base URL
then fails in a second instead of after a minute of backoff. Once anything has been
reached, the same errors are an outage and get the backoff.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time
from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.defer import deferred_from_coro

from crawler.failures import CANNOT_CONNECT, failure_reason, is_challenge

log = logging.getLogger(__name__)


def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """Parse a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (now if now is not None else time.time()))


class BackoffRetryMiddleware:
    def __init__(
        self,
        max_retry_times: int,
        retry_http_codes: set[int],
        base_delay: float,
        max_delay: float,
        crawler: Any = None,
    ) -> None:
        self.max_retry_times = max_retry_times
        self.retry_http_codes = retry_http_codes
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.crawler = crawler
        self.reached = False  # has the site answered anything yet?

    @classmethod
    def from_crawler(cls, crawler: Any) -> BackoffRetryMiddleware:
        settings = crawler.settings
        if not settings.getbool("RETRY_ENABLED"):
            raise NotConfigured("RETRY_ENABLED is off")
        return cls(
            max_retry_times=settings.getint("RETRY_TIMES"),
            retry_http_codes={int(x) for x in settings.getlist("RETRY_HTTP_CODES")},
            base_delay=settings.getfloat("REGARKIV_RETRY_BASE_DELAY"),
            max_delay=settings.getfloat("REGARKIV_RETRY_MAX_DELAY"),
            crawler=crawler,
        )

    def _delay(self, request: Request, response: Response | None) -> float:
        attempt: int = request.meta.get("retry_times", 0)
        delay: float = self.base_delay * (2**attempt)
        if response is not None:
            server_delay = retry_after_seconds(response.headers.get(b"Retry-After"))
            if server_delay is not None:
                delay = server_delay
        return min(delay, self.max_delay)

    async def _retry(
        self, request: Request, reason: str, response: Response | None
    ) -> Request | None:
        if request.meta.get("dont_retry", False):
            return None
        retry = get_retry_request(
            request,
            spider=self.crawler.spider,
            reason=reason,
            max_retry_times=request.meta.get("max_retry_times", self.max_retry_times),
        )
        if retry is None:
            return None
        delay = self._delay(request, response)
        if delay > 0:
            await asyncio.sleep(delay)
        return retry

    def process_response(self, request: Request, response: Response) -> Any:
        # Synchronous on the common path: a coroutine per response is measurable
        # overhead on the reactor thread, which is the crawl's bottleneck.
        self.reached = True
        if response.status not in self.retry_http_codes and not is_challenge(
            response.status, response.headers
        ):
            return response
        reason = failure_reason(response.status, response.headers)
        return deferred_from_coro(self._retry_or(request, reason, response))

    async def _retry_or(self, request: Request, reason: str, response: Response) -> Any:
        return await self._retry(request, reason, response) or response

    def process_exception(self, request: Request, exception: Exception) -> Any:
        reason = failure_reason(None, None, exception)
        if reason in NOT_RETRIED or (reason == "cancelled" and "download_maxsize" in request.meta):
            return None  # a body past the request's size limit: it would be again
        if not self.reached and reason in NEVER_REACHED:
            log.info("%s: %s before the site ever answered: not retried", request.url, reason)
            return None
        return deferred_from_coro(self._retry(request, reason, None))


NOT_RETRIED = {
    "offsite-redirect", "out-of-scope", "robots-disallowed", "not-archived", "ignored",
    "too-large",
}  # fmt: skip
# Before the site has answered once, these mean it cannot be reached at all.
NEVER_REACHED = CANNOT_CONNECT | {"timeout"}
