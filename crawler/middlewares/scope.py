"""The crawl's scope: the base URL's scheme, host and port, and nothing else.

Scrapy's OffsiteMiddleware compares host names only (and lets subdomains through): a
redirect to the same host on another port was followed, and what that port served was
archived and indexed as the article. This one takes its place (settings.py) with the
scope of ``archive.urls.same_site``, and names each refusal by what happened: a redirect
out of scope (``offsite-redirect``) or a request that was out of scope from the start
(``out-of-scope``). Scrapy drops a request it filters at scheduling without calling its
errback, so the refusal is counted here.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured

from archive.urls import same_site
from crawler.failures import OutOfScope


class SameSiteMiddleware(OffsiteMiddleware):
    session: Any

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SameSiteMiddleware:
        session = getattr(crawler.spider, "session", None)
        if session is None:
            raise NotConfigured("the spider has no crawl session to say what is in scope")
        middleware = super().from_crawler(crawler)
        middleware.session = session
        return middleware

    def should_follow(self, request: Request, spider: Spider) -> bool:
        return same_site(request.url, self.session.config.base_url)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        try:
            super().process_request(request)
        except IgnoreRequest:
            reason = "offsite-redirect" if request.meta.get("redirect_urls") else "out-of-scope"
            self.session.failed(reason, request.url)
            raise OutOfScope(reason, request.url) from None
