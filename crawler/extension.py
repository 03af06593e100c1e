"""The Scrapy extension that opens the crawl session from the settings and closes it.

`regarkiv crawl` and `scrapy crawl news -s REGARKIV_…=…` take this one path: the
``REGARKIV_*`` settings become a ``CrawlConfig``, the session (job, lock, WARC writer,
indexer) opens before the engine starts, and closes with the job's status when the
spider closes.
"""

from __future__ import annotations

from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler

from archive.config import CrawlConfig
from archive.session import CrawlSession
from archive.warc.exchange import software


class CrawlSessionExtension:
    def __init__(self, crawler: Crawler, session: CrawlSession) -> None:
        self.crawler = crawler
        self.session = session

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlSessionExtension:
        spider: Any = crawler.spider
        config = CrawlConfig.from_settings(crawler.settings)
        # What writes the WARC files, for their warcinfo records.
        session = CrawlSession.open(config, software(("Scrapy", scrapy.__version__)))
        spider.use_session(session)
        extension = cls(crawler, session)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider: scrapy.Spider, reason: str) -> None:
        # Every failure was counted where it happened: in the spider's errback (a request
        # robots.txt forbids reaches it too) or, out of scope, in crawler/middlewares/scope.py.
        status = "finished" if reason == "finished" else "interrupted"
        fetched_nothing = not self.session.counts["listing_pages"] and self.session.failures
        if status == "finished" and fetched_nothing:
            status = "failed"  # nothing could be fetched: the site is unreachable or blocks us
        self.session.close(status)
