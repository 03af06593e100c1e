"""The crawl benchmark's floor: a bare Scrapy spider that fetches what `regarkiv crawl` fetches.

    python benchmarks/bare_spider.py BASE_URL [--concurrency N]

robots.txt, every listing page (``?page=N`` by the head's rel=next link, like
crawler/spiders/news.py) and every article in the listings; it writes nothing and prints a
JSON line with its counts. Stock Scrapy otherwise: the default HTTP/1.1 download handler,
HttpCompression on, no delay, AutoThrottle off. ``--concurrent-items`` is for matching
regarkiv's own Scrapy tuning, so that the comparison measures what regarkiv adds.
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

LISTING_PATHS = [
    "/no/aktuelt/nyheter/id2006120/",
    "/en/whatsnew/news-and-press-releases/id2006120/",
]
LISTING_ITEM_LINKS = "#searchResultsListing > li.listItem h2.title a::attr(href)"
NEXT_PAGE_LINK = 'link[rel="next"]::attr(href)'


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")
        self.listing_pages = 0
        self.articles = 0

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

    def parse_article(self, response: Response) -> None:
        self.articles += 1


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
    args = parser.parse_args()
    process = CrawlerProcess(settings(args.concurrency, args.concurrent_items))
    logging.getLogger("scrapy").setLevel(logging.WARNING)
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler, base_url=args.base_url)
    process.start()
    spider = crawler.spider
    assert isinstance(spider, BareSpider)
    stats = crawler.stats.get_stats() if crawler.stats else {}
    print(
        json.dumps(
            {
                "listing_pages": spider.listing_pages,
                "articles": spider.articles,
                "responses": stats.get("downloader/response_count", 0),
                "finish_reason": stats.get("finish_reason"),
            }
        )
    )


if __name__ == "__main__":
    main()
