"""Sitemap discovery for the news spider, in ``--recrawl changed`` and ``all``.

robots.txt is fetched once, by Scrapy's robots middleware, before the first listing
page; its ``robots_parsed`` signal hands over the ``Sitemap:`` lines. Sitemap indexes
and urlsets are then fetched (robots-checked and archived like any response, their
bodies kept as they came and read by ``archive.sitemap``), and the news article URLs
they list are discovered like listing items: keyed by id, canonical, in scope. URLs that
name the canonical host (www.regjeringen.no) are read from the host being crawled, as a
mirror's robots.txt and sitemaps name the real site. Work is bounded: ``MAX_FILES``
sitemap files, ``MAX_DEPTH`` levels of indexes, each file ``archive.sitemap.MAX_BYTES``;
a loop of indexes is cut at the first repeat; what is skipped is counted by reason.

In ``changed`` mode the listing pages wait (``holds``) until the verdict on the
sitemap's dates is in (archive/changed.py): the sample articles are fetched first, their
text compared with the archive, and only then is it decided what else to fetch. In
``all`` mode sitemap articles are fetched as they are found.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections import Counter
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from archive.changed import Plan, Verdict, fallback, judge, plan, seen_articles, text_changed
from archive.config import REAL_HOSTS
from archive.policy import Recrawl
from archive.sitemap import Lastmod, parse_sitemap
from archive.urls import OutOfScope, article_id, canonical_article_url, on_site, same_site
from crawler.middlewares.compression import BODY_UNREAD

if TYPE_CHECKING:
    from crawler.spiders.news import NewsSpider

log = logging.getLogger(__name__)

MAX_FILES = 500
MAX_DEPTH = 3  # robots.txt -> index -> index -> urlset
MAX_ARTICLES = 1_000_000  # article entries kept over all files
# News items, in either language: /<lang>/aktuelt/<slug>/id<N>/ (site.md §2). The hubs
# and listings of that section have the same form; their ids (site.md §2) are no news.
NEWS_PATH = re.compile(r"/(?:no|nb|nn|en)/aktuelt/[^/?#]+/id\d+/?")
SECTION_IDS = frozenset({1150, 1330, 1334, 30297, 2000007, 2006120, 2343343, 2581966})
PRIORITY = 20  # before listing pages (10) and articles (0)


class SitemapDiscovery:
    """One crawl's sitemap reading and, in ``changed`` mode, its verdict."""

    def __init__(self, spider: NewsSpider) -> None:
        self.spider = spider
        self.session = spider.session
        self.base_url = self.session.config.base_url
        self.mode = self.session.config.recrawl
        self.active = self.mode in (Recrawl.CHANGED, Recrawl.ALL)
        self.pending = 0  # sitemap files and sample articles on their way
        self.visited: set[str] = set()
        self.lastmods: dict[int, Lastmod | None] = {}
        self.urls: dict[int, str] = {}
        self.skipped: Counter[str] = Counter()
        self.files = 0
        self.verdict: Verdict | None = None
        self.plan: Plan | None = None
        self.compared: dict[int, bool | None] = {}
        self.parked: list[tuple[Response, str, int, bool]] = []

    def connect(self, crawler: Any) -> None:
        if self.active:
            crawler.signals.connect(self._robots_parsed, signal=signals.robots_parsed)

    @property
    def deciding(self) -> bool:
        """``changed`` mode before its verdict: listing pages wait."""
        return self.mode is Recrawl.CHANGED and self.verdict is None

    def holds(self, response: Response, lang: str, page: int, replayed: bool) -> bool:
        """Keep a listing page until the verdict says what its items need.

        Not a page a resumed job replays from its WARC files: the walk must reach the
        first page it lacks, whose request fetches robots.txt and so the sitemap. Those
        pages are judged as ``recent`` would (a few more articles, never fewer).
        """
        if not self.deciding or replayed:
            return False
        self.parked.append((response, lang, page, replayed))
        return True

    def on_idle(self) -> bool:
        """Nothing left to crawl: decide with what came (robots.txt unread, requests
        dropped). True when that scheduled more requests."""
        if not self.deciding:
            return False
        if self.plan is not None:
            self._decide(judge(self.plan, self.compared, self._figures()))
        else:
            why = "no sitemap could be read" if self.files else "robots.txt could not be read"
            self._decide(fallback(why, **self._figures()))
        return True

    # -- robots.txt and sitemap files ---------------------------------------------

    def _robots_parsed(self, robotparser: Any, request: scrapy.Request) -> None:
        if not same_site(request.url, self.base_url) or self.visited:
            return
        # Scrapy's default parser (ProtegoRobotParser) keeps Protego's parse as ``rp``.
        urls = list(getattr(getattr(robotparser, "rp", None), "sitemaps", ()) or ())
        for url in urls:
            self._request_sitemap(url, depth=1)
        if self.pending == 0 and self.deciding:
            self._decide(fallback("robots.txt names no sitemap on this site", **self._figures()))

    def _request_sitemap(self, url: str, depth: int) -> None:
        local = self._here(url)
        if local is None:
            self.skipped["off-site"] += 1
        elif local in self.visited:
            self.skipped["loop"] += 1
        elif depth > MAX_DEPTH:
            self.skipped["too-deep"] += 1
        elif self.files >= MAX_FILES:
            self.skipped["too-many-files"] += 1
        else:
            self.visited.add(local)
            self.files += 1
            self.pending += 1
            self.spider.crawler.engine.crawl(
                scrapy.Request(
                    local,
                    callback=self._parse_sitemap,
                    errback=self._sitemap_failed,
                    cb_kwargs={"depth": depth},
                    meta={BODY_UNREAD: True},  # read by archive.sitemap, bounded
                    priority=PRIORITY,
                    dont_filter=True,  # repeats are cut above, and counted
                )
            )

    def _here(self, url: str) -> str | None:
        """``url`` at the crawled host if it names it or the canonical host, else None."""
        host = urlsplit(url).hostname
        if host in REAL_HOSTS:
            url = on_site(url, self.base_url)
        return url if same_site(url, self.base_url) else None

    def _parse_sitemap(self, response: Response, depth: int) -> list[scrapy.Request]:
        out: list[scrapy.Request] = []
        if response.status != 200:
            self.skipped[f"http-{response.status}"] += 1
        else:
            encoding = (response.headers.get(b"Content-Encoding") or b"").decode("latin-1")
            sitemap = parse_sitemap(response.body, encoding)
            self.skipped.update(sitemap.skipped)
            for entry in sitemap.entries:
                if sitemap.is_index:
                    self._request_sitemap(entry.loc, depth + 1)
                else:
                    out.extend(self._found(entry.loc, entry.lastmod))
        self._one_done()
        return out

    def _sitemap_failed(self, failure: Failure) -> None:
        self.skipped["fetch-failed"] += 1
        self.spider.on_error(failure)
        self._one_done()

    def _found(self, loc: str, lastmod: Lastmod | None) -> list[scrapy.Request]:
        local = self._here(loc)
        if local is None:
            self.skipped["off-site"] += 1
            return []
        path = urlsplit(local).path
        if not NEWS_PATH.fullmatch(path) or _lang(path) not in self.spider.langs:
            return []  # another kind of page, or language: not this crawl's
        try:
            url = canonical_article_url(local, self.base_url)
        except OutOfScope:
            return []
        article = article_id(url)
        if article is None or article in SECTION_IDS:
            return []
        if article not in self.lastmods and len(self.lastmods) >= MAX_ARTICLES:
            self.skipped["too-many-articles"] += 1
            return []
        known = self.lastmods.get(article)
        if known is None or (lastmod is not None and lastmod.when > known.when):
            self.lastmods[article] = lastmod
        self.urls.setdefault(article, url)
        if self.mode is Recrawl.ALL:
            return self._fetch(article, url)
        return []

    def _fetch(self, article: int, url: str) -> list[scrapy.Request]:
        if self.spider.since and article not in self.session.policy.archived:
            return []  # a sitemap gives no publication date to hold against --since
        if self.session.should_fetch(article, None) and self.spider._claim(article):
            return [self.spider._article_request(url)]
        return []

    # -- the verdict, in "changed" mode ---------------------------------------------

    def _one_done(self) -> None:
        self.pending -= 1
        if self.pending or not self.deciding:
            return
        if self.plan is None:
            self._sample()
        else:
            self._decide(judge(self.plan, self.compared, self._figures()))

    def _sample(self) -> None:
        found = plan(self.lastmods, seen_articles(self.session.index))
        if isinstance(found, Verdict):
            self._decide(dataclasses.replace(found, figures={**found.figures, **self._figures()}))
            return
        self.plan = found
        live = dict(self.session.index.live_articles())
        for article in found.sample:
            url = live.get(article)
            if url is None or _lang(urlsplit(url).path) not in self.spider.langs:
                continue
            if not self.spider._claim(article):
                continue
            self.pending += 1
            self.spider.crawler.engine.crawl(
                scrapy.Request(
                    on_site(url, self.base_url),
                    callback=self._parse_sample,
                    errback=self._sample_failed,
                    cb_kwargs={"article": article},
                    priority=PRIORITY,
                    dont_filter=True,
                )
            )
        if self.pending == 0:
            self._decide(judge(found, self.compared, self._figures()))

    def _parse_sample(self, response: Response, article: int) -> None:
        self.spider.parse_article(response)
        changed = None
        if response.status == 200 and isinstance(response, TextResponse):
            changed = text_changed(self.session.index, article, response.body, response.url)
        self.compared[article] = changed
        self._one_done()

    def _sample_failed(self, failure: Failure) -> None:
        self.spider.on_error(failure)
        self._one_done()

    def _figures(self) -> dict[str, Any]:
        dated = sum(1 for lastmod in self.lastmods.values() if lastmod is not None)
        return {
            "sitemap_files": self.files,
            "sitemap_articles": len(self.lastmods),
            "sitemap_dated": dated,
            "sitemap_skipped": dict(sorted(self.skipped.items())),
        }

    def _decide(self, verdict: Verdict) -> None:
        """Apply the verdict: what the listings and the sitemap now fetch."""
        self.verdict = verdict
        self.session.notes["recrawl_verdict"] = verdict.as_dict()
        session, spider = self.session, self.spider
        if verdict.trusted and self.plan is not None:
            session.policy = dataclasses.replace(
                session.policy, dated=self.plan.dated, moved=self.plan.moved
            )
            log.info("--recrawl changed: %s", verdict.reason)
        else:
            session.policy = dataclasses.replace(session.policy, mode=Recrawl.RECENT)
            log.warning("%s", verdict.warning())
        engine = spider.crawler.engine
        for response, lang, page, replayed in self.parked:
            for request in spider.parse_listing(response, lang, page, replayed):
                engine.crawl(request)
        self.parked.clear()
        for article, url in self.urls.items():
            for request in self._fetch(article, url):
                engine.crawl(request)
        if verdict.trusted and self.plan is not None:
            for request in self._absent(self.plan.absent):
                engine.crawl(request)

    def _absent(self, articles: list[int]) -> list[scrapy.Request]:
        """Archived articles a complete sitemap no longer lists: most likely removed."""
        live = dict(self.session.index.live_articles()) if articles else {}
        requests = []
        for article in articles:
            stored = live.get(article)
            if stored is None or _lang(urlsplit(stored).path) not in self.spider.langs:
                continue
            if self.spider._claim(article):
                requests.append(self.spider._article_request(on_site(stored, self.base_url)))
        return requests


def _lang(path: str) -> str:
    """The listing language of an article path: /nb/ and /nn/ are /no/ (site.md §2)."""
    lang = path.split("/")[1] if path.count("/") > 1 else ""
    return "no" if lang in ("nb", "nn") else lang
