"""The news spider: walks "Nyheter og pressemeldinger" and fetches each article once.

It only ever requests the listing pages (``?page=N``, nothing else), the
article links found in their result lists, and robots.txt (Scrapy does that); with
``--recrawl changed`` or ``all`` also the sitemaps and the articles they list
(crawler/sitemaps.py).
The decision whether an article needs fetching is the crawl session's.
"""

from __future__ import annotations

import functools
import re
from collections.abc import AsyncIterator, Iterator
from datetime import date
from typing import Any

import scrapy
import scrapy.downloadermiddlewares.cookies as scrapy_cookies
from lxml import etree
from parsel.csstranslator import css2xpath
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.selector import Selector
from tldextract import TLDExtract
from twisted.python.failure import Failure

from archive.compact_set import IdSet
from archive.config import CrawlConfigError
from archive.progress import listing_total
from archive.session import CrawlSession
from archive.urls import (
    OutOfScope,
    article_id,
    canonical_article_url,
    listing_page_number,
    listing_url,
)
from crawler.failures import failure_reason
from crawler.middlewares.compression import BODY_UNREAD
from crawler.resources import ResourceRequests
from crawler.sitemaps import SitemapDiscovery

# Ordered fallbacks: the first selector is the real markup (site.md §8); the
# others keep a crawl going, with a warning, if the listing template changes.
LISTING_ITEMS = [
    "#searchResultsListing > li.listItem",
    "ul.listing > li.listItem",
    "ul.listing > li",
    "main .results li",
]
LISTING_ITEM_LINKS = ["h2.title a::attr(href)", "h2 a::attr(href)", "h3 a::attr(href)"]
LISTING_ITEM_DATE = ".info .date::text"
# The head's absolute rel=next first, then the pager's relative link. On the
# last page the pager still links "next" (like the disabled "prev" ?page=0 on
# page 1), only marked disabled: never follow a disabled pager item.
NEXT_PAGE_LINKS = [
    'link[rel="next"]::attr(href)',
    "ul.pagination li.next:not(.disabled) a::attr(href)",
]
LAST_PAGE_LINK = "ul.pagination li.lastlink a::attr(href)"
# "Viser 1-20 av 6960 treff." (site.md §8): only for the progress line's total.
COUNT_LINE = ".statusLine .count ::text, .results p.count ::text"


def _compiled(css: str) -> etree.XPath:
    # A listing page has 20 items and each needs a link and a date: lxml's compiled
    # XPath on the item element, not parsel's css() (a translation, a query and
    # Selector objects per call), keeps this off the crawl's busy reactor thread.
    return etree.XPath(css2xpath(css))


_ITEMS = [(css, _compiled(css)) for css in LISTING_ITEMS]
_ITEM_LINKS = [_compiled(css) for css in LISTING_ITEM_LINKS]
_ITEM_DATE = _compiled(LISTING_ITEM_DATE)
_LISTING_DATE = re.compile(r"(\d{1,2})[./](\d{1,2})[./](\d{4})|(\d{4})-(\d{2})-(\d{2})")

# Scrapy's cookie middleware downloads the Public Suffix List from publicsuffix.org
# the first time it runs. An archiving crawler talks to the site it archives and
# nothing else (and must work offline): use the list tldextract ships with. It asks
# for every cookie of every response (three on the site's pages), always of the same
# few hosts, and the answer is fixed by the list: looked up once each (~10 µs a page).
scrapy_cookies._split_domain = functools.lru_cache(maxsize=1024)(  # type: ignore[assignment]
    TLDExtract(suffix_list_urls=(), include_psl_private_domains=True)
)  # (Scrapy declares a TLDExtract, and only ever calls it)

ARTICLE_STATUSES = [404, 410]


def parse_listing_date(text: str | None) -> date | None:
    """Norwegian listings show dd.mm.yyyy, English ones dd/mm/yyyy."""
    match = _LISTING_DATE.fullmatch(text.strip()) if text else None
    if match is None:
        return None
    day, month, year, iso_year, iso_month, iso_day = match.groups()
    try:
        if iso_year:
            return date(int(iso_year), int(iso_month), int(iso_day))
        return date(int(year), int(month), int(day))
    except ValueError:  # 31.02.2024
        return None


class NewsSpider(scrapy.Spider):
    name = "news"
    handle_httpstatus_list = ARTICLE_STATUSES

    def __init__(self, session: CrawlSession | None = None, **kwargs: Any) -> None:
        # What to crawl comes from the crawl configuration (REGARKIV_* settings), never
        # from spider arguments: one road for `regarkiv crawl` and `scrapy crawl news`.
        unknown = sorted(set(kwargs) - {"name", "_job"})
        if unknown:
            raise CrawlConfigError(
                f"spider arguments are not used ({', '.join(unknown)}): pass settings, e.g. "
                "-s REGARKIV_BASE_URL=http://127.0.0.1:8080 (see crawler/settings.py)"
            )
        super().__init__(**kwargs)
        # Every article claimed, until the crawl ends: compact (archive/compact_set.py).
        self._seen_ids = IdSet()
        self._scheduled_articles = 0
        self._idle_done = False
        if session is not None:
            self.use_session(session)

    def use_session(self, session: CrawlSession) -> None:
        """Crawl for ``session``, as its configuration says (crawler/extension.py)."""
        self.session = session
        config = session.config
        self.base_url = config.base_url
        self.langs = config.langs
        self.max_listing_pages = config.max_listing_pages
        self.max_articles = config.max_articles
        self.since = config.since
        self.allowed_domains = [config.host]
        self.sitemaps = SitemapDiscovery(self)
        if getattr(self, "crawler", None) is not None:
            self.sitemaps.connect(self.crawler)
        self.resources = ResourceRequests(
            session.resources, config.requisite_max_size, config.attachment_max_size
        )

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._on_idle, signal=signals.spider_idle)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for lang in self.langs:
            for request in self._walk_listing(lang):
                yield request
        # Resuming: what the articles the interrupted run archived need and the archive lacks.
        for url, body in self.session.archived_articles():
            page = HtmlResponse(url=url, body=body, encoding="utf-8")
            for request in self.resources.from_page(page, article=True):
                yield request

    def _walk_listing(self, lang: str) -> Iterator[scrapy.Request]:
        """Request the listing, or, when resuming, replay the pages this job archived.

        A resumed job re-reads its own listing pages from the WARC files rather
        than fetching them again, and requests the first page it does not have.
        """
        page = 1
        while True:
            url = listing_url(self.base_url, lang, page)
            stored = self.session.archived_listing(url)
            if stored is None:
                yield self._listing_request(lang, page)
                return
            response = HtmlResponse(url=url, body=stored, encoding="utf-8")
            next_page = None
            for request in self.parse_listing(response, lang, page, replayed=True):
                if request.callback == self.parse_listing:
                    next_page = request.cb_kwargs["page"]
                else:
                    yield request
            if next_page is None:
                return
            page = next_page

    def _on_idle(self) -> None:
        """Once the listings are done: archived articles no longer listed ("all" mode)."""
        if self.sitemaps.on_idle():
            raise DontCloseSpider
        if self._idle_done:
            return
        self._idle_done = True
        requests = [
            self._article_request(url)
            for article, url in self.session.unlisted_to_refetch(self._seen_ids)
            if self._claim(article)
        ]
        for request in requests:
            self.crawler.engine.crawl(request)
        if requests:
            raise DontCloseSpider

    def _listing_request(self, lang: str, page: int) -> scrapy.Request:
        return scrapy.Request(
            listing_url(self.base_url, lang, page),
            callback=self.parse_listing,
            errback=self.on_error,
            cb_kwargs={"lang": lang, "page": page},
            priority=10,  # keep discovering while articles download
        )

    def _article_request(self, url: str) -> scrapy.Request:
        # parse_article never reads the body: the indexer extracts from the capture.
        return scrapy.Request(
            url, callback=self.parse_article, errback=self.on_error, meta={BODY_UNREAD: True}
        )

    def _claim(self, article: int) -> bool:
        if article in self._seen_ids:
            return False
        if self.max_articles is not None and self._scheduled_articles >= self.max_articles:
            return False
        self._seen_ids.add(article)
        self._scheduled_articles += 1
        self.session.count("articles_scheduled")
        return True

    def _items(self, response: TextResponse, page: int, root: Any) -> list[Any]:
        for number, (selector, xpath) in enumerate(_ITEMS):
            items: list[Any] = xpath(root)
            if items:
                if number:
                    self.logger.warning(
                        "%s: listing markup changed, items found with fallback %r",
                        response.url,
                        selector,
                    )
                    self.session.count("listing_fallbacks")
                return items
        if page == 1:
            self.logger.warning("%s: no items on the first listing page", response.url)
            self.session.failed("empty-listing", response.url)
        return []

    def parse_listing(
        self, response: Response, lang: str, page: int, replayed: bool = False
    ) -> Iterator[scrapy.Request]:
        if not isinstance(response, TextResponse):
            self.session.failed("not-html", response.url)  # an image or file, not a listing
            return
        if self.sitemaps.holds(response, lang, page, replayed):
            return  # "changed" mode: until the sitemap's dates are judged
        # Not ``response.selector``: the response would keep it, and it the response, a
        # cycle holding the page's lxml tree (~0.5 MB) until a garbage collection: 20-30 MB
        # of the crawl process between collections, more as the crawl goes on.
        selector = Selector(response=response)
        items = self._items(response, page, selector.root)
        if not replayed:  # a replayed page was counted by the run that fetched it
            self.session.count("listing_pages")
            self.session.count("listing_items", len(items))
        # Replayed too: the interrupted run may have been killed before its requisites.
        yield from self.resources.from_page(response, article=False)
        if page == 1 and (total := listing_total(" ".join(selector.css(COUNT_LINE).getall()))):
            self.session.listed(lang, total)
        oldest: date | None = None
        already_archived = 0
        for item in items:
            href = next((str(found[0]) for xpath in _ITEM_LINKS if (found := xpath(item))), None)
            published = parse_listing_date(next(iter(_ITEM_DATE(item)), None))
            if published is not None:
                oldest = published if oldest is None else min(oldest, published)
            if not href:
                continue
            if self.since and published and published < self.since:
                continue
            try:
                url = canonical_article_url(response.urljoin(href), self.base_url)
            except OutOfScope:
                continue
            article = article_id(url)
            if article is None:
                continue
            if not self.session.should_fetch(article, published):
                already_archived += self.session.archived_before(article)
                continue
            if self._claim(article):
                yield self._article_request(url)
        if not items:
            if page > 1:
                self.session.walked_to_end(lang)  # past the last page
            return
        if self.since and oldest and oldest < self.since:
            return  # the listing is newest first: the rest is older still
        if self.session.stop_paging(already_archived, len(items)):
            return
        if self.max_listing_pages is not None and page >= self.max_listing_pages:
            return
        if self.max_articles is not None and self._scheduled_articles >= self.max_articles:
            return
        next_page = self._next_page(response, selector, page)
        if next_page is None:
            self.session.walked_to_end(lang)
        else:
            yield self._listing_request(lang, next_page)

    def _next_page(self, response: TextResponse, selector: Selector, page: int) -> int | None:
        last = selector.css(LAST_PAGE_LINK).get()
        last_page = listing_page_number(response.urljoin(last)) if last else None
        if last_page is not None and page >= last_page:
            return None
        for css in NEXT_PAGE_LINKS:
            for href in selector.css(css).getall():
                number = listing_page_number(response.urljoin(href))
                # The disabled "prev" on page 1 links ?page=0; only ever go forward.
                if number is not None and number == page + 1:
                    return number
        return None

    def parse_article(self, response: Response) -> list[scrapy.Request]:
        # Extraction and indexing happen off the reactor thread, from the captured
        # exchange (see archive/ingest.py); here only its requisites and attachments.
        self.session.count("articles_fetched" if response.status < 400 else "articles_gone")
        return self.resources.from_page(response, article=True)

    def on_error(self, failure: Failure) -> None:
        response = getattr(failure.value, "response", None)
        if response is not None:
            reason = failure_reason(response.status, response.headers)
        else:
            reason = failure_reason(None, None, failure.value)
        self.session.failed(reason, failure.request.url if hasattr(failure, "request") else "")
