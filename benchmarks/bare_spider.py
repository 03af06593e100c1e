"""The crawl benchmark's floor: a bare Scrapy spider that fetches what `regarkiv crawl` fetches.

    python benchmarks/bare_spider.py BASE_URL [--concurrency N] [--requisites]

robots.txt, every listing page (``?page=N`` by the head's rel=next link, like
crawler/spiders/news.py) and every article in the listings; it writes nothing and prints a
JSON line with its counts. Stock Scrapy otherwise: the default HTTP/1.1 download handler,
HttpCompression on, no delay, AutoThrottle off. ``--concurrent-items`` is for matching
regarkiv's own Scrapy tuning, so that the comparison measures what regarkiv adds.

``--requisites``: also what `regarkiv crawl --requisites all --attachments all` fetches
besides the pages, found the same way (archive/extract/requisites.py): each listing
page's and article's same-site requisites, an article's attached documents, and what
stylesheets reference, to the crawl's depth; each URL once, with regarkiv's default
per-resource size limits. Nothing is decoded beyond that, nothing is written.
"""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response

from archive.config import CrawlConfig
from archive.extract.requisites import Kind, Reference, css_references, page_references
from archive.urls import same_site

LISTING_PATHS = [
    "/no/aktuelt/nyheter/id2006120/",
    "/en/whatsnew/news-and-press-releases/id2006120/",
]
LISTING_ITEM_LINKS = "#searchResultsListing > li.listItem h2.title a::attr(href)"
NEXT_PAGE_LINK = 'link[rel="next"]::attr(href)'
CSS_DEPTH = 3  # as crawler/resources.py: page → main.css → an @import → its url()s
MAX_SIZE = {
    Kind.REQUISITE: CrawlConfig.requisite_max_size,
    Kind.ATTACHMENT: CrawlConfig.attachment_max_size,
}
PRIORITY = {Kind.REQUISITE: 5, Kind.ATTACHMENT: 4}  # as crawler/resources.py


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, base_url: str, requisites: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")
        self.requisites = requisites
        self.listing_pages = 0
        self.articles = 0
        self.resources: dict[str, int] = {kind: 0 for kind in Kind}
        self.claimed: set[str] = set()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for path in LISTING_PATHS:
            yield scrapy.Request(self.base_url + path, callback=self.parse_listing, priority=10)

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        self.listing_pages += 1
        for href in response.css(LISTING_ITEM_LINKS).getall():
            yield response.follow(href, callback=self.parse_article)
        next_page = response.css(NEXT_PAGE_LINK).get()
        if next_page:
            yield response.follow(next_page, callback=self.parse_listing, priority=10)
        yield from self.page_requisites(response, article=False)

    def parse_article(self, response: Response) -> Iterator[scrapy.Request]:
        self.articles += 1
        yield from self.page_requisites(response, article=True)

    def page_requisites(self, response: Response, *, article: bool) -> Iterator[scrapy.Request]:
        if self.requisites and 200 <= response.status < 300:
            found = page_references(response.body, response.url, attachments=article)
            yield from self.resource_requests(found, depth=0)

    def resource_requests(self, found: list[Reference], depth: int) -> Iterator[scrapy.Request]:
        for reference in found:
            url = reference.url
            if url in self.claimed or not same_site(url, self.base_url):
                continue
            self.claimed.add(url)
            size = MAX_SIZE[reference.kind]
            meta = {"kind": reference.kind, "depth": depth, "download_maxsize": size}
            yield scrapy.Request(
                url,
                callback=self.parse_resource,
                errback=self.resource_failed,
                priority=PRIORITY[reference.kind],
                meta=meta,
                dont_filter=True,  # once per crawl by ``claimed``
            )

    def parse_resource(self, response: Response) -> Iterator[scrapy.Request]:
        self.resources[response.meta["kind"]] += 1
        content_type = (response.headers.get(b"Content-Type") or b"").lower()
        if response.meta["depth"] < CSS_DEPTH and b"text/css" in content_type:
            found = css_references(response.body, response.url)
            yield from self.resource_requests(found, response.meta["depth"] + 1)

    def resource_failed(self, failure: Any) -> None:
        self.resources["failed"] = self.resources.get("failed", 0) + 1


def settings(concurrency: int, concurrent_items: int) -> dict[str, Any]:
    return {
        "CONCURRENT_ITEMS": concurrent_items,
        "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,  # as regarkiv
        "LOG_LEVEL": "WARNING",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--concurrent-items", type=int, default=100)
    parser.add_argument("--requisites", action="store_true", help="requisites and attachments")
    args = parser.parse_args()
    process = CrawlerProcess(settings(args.concurrency, args.concurrent_items))
    logging.getLogger("scrapy").setLevel(logging.WARNING)
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler, base_url=args.base_url, requisites=args.requisites)
    process.start()
    spider = crawler.spider
    assert isinstance(spider, BareSpider)
    stats = crawler.stats.get_stats() if crawler.stats else {}
    print(
        json.dumps(
            {
                "listing_pages": spider.listing_pages,
                "articles": spider.articles,
                "resources": spider.resources,
                "responses": stats.get("downloader/response_count", 0),
                "finish_reason": stats.get("finish_reason"),
            }
        )
    )


if __name__ == "__main__":
    main()
