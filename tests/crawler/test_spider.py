"""The listing parser on the real listing template and on a changed one (no network)."""

from __future__ import annotations

import gc
import weakref
from datetime import date
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from archive.config import CrawlConfig, CrawlConfigError
from archive.resources import ResourceLedger
from crawler.spiders.news import NewsSpider, parse_listing_date
from replica.site import Site

BASE = "https://www.regjeringen.no"


class FakeSession:
    def __init__(self, archived: set[int] = frozenset(), recrawl: str = "recent") -> None:
        self.archived = archived
        self.recrawl = recrawl
        self.config = CrawlConfig(data_dir=Path("unused"), base_url=BASE, contact="tests")
        self.counts: dict[str, int] = {}
        self.failures: list[str] = []
        self.walked: set[str] = set()
        self.resources = ResourceLedger(BASE, (), kinds=())  # these tests read listings only
        self.listed_totals: dict[str, int] = {}

    def listed(self, lang: str, total: int) -> None:
        self.listed_totals[lang] = total

    def count(self, name: str, n: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + n

    def failed(self, reason: str, url: str, n: int = 1) -> None:
        self.failures.append(reason)

    def should_fetch(self, article: int, published: date | None) -> bool:
        return article not in self.archived

    def archived_before(self, article: int) -> bool:
        return article in self.archived

    def stop_paging(self, already: int, items: int) -> bool:
        return self.recrawl == "new" and already == items > 0

    def walked_to_end(self, lang: str) -> None:
        self.walked.add(lang)


@pytest.fixture
def real_listing(read_real) -> HtmlResponse:
    # The hearing listing uses the same search-results template as the news listing.
    url = f"{BASE}/no/aktuelt/nyheter/id2006120/"
    return HtmlResponse(
        url=url, body=read_real("hearings-listing-id1763-page-001.html"), encoding="utf-8"
    )


def spider(**kwargs) -> NewsSpider:
    return NewsSpider(session=FakeSession(**kwargs))


def test_real_listing_gives_20_items_and_page_2(real_listing) -> None:
    requests = list(spider().parse_listing(real_listing, "no", 1))
    articles = [r for r in requests if r.callback.__name__ == "parse_article"]
    listings = [r for r in requests if r.callback.__name__ == "parse_listing"]
    assert len(articles) == 20
    assert all("/id" in r.url and r.url.startswith(BASE + "/no/") for r in articles)
    assert [r.url for r in listings] == [f"{BASE}/no/aktuelt/nyheter/id2006120/?page=2"]
    # Never the disabled prev (?page=0), a sort link or a filter option.
    urls = " ".join(r.url for r in requests)
    assert "page=0" not in urls and "sortby" not in urls and "ownerid" not in urls


def test_the_real_count_line_gives_the_listing_total_for_the_progress_line(real_listing) -> None:
    session = FakeSession()
    list(NewsSpider(session=session).parse_listing(real_listing, "no", 1))
    assert session.listed_totals == {"no": 6960}  # "Viser 1-20 av 6960 treff."
    assert session.counts["listing_items"] == 20 and session.counts["articles_scheduled"] == 20
    list(NewsSpider(session=session).parse_listing(real_listing, "en", 2))
    assert "en" not in session.listed_totals  # read from each language's first page only


def test_a_page_of_archived_articles_stops_new_mode(real_listing) -> None:
    response = real_listing
    first = list(spider().parse_listing(response, "no", 1))
    ids = {
        int(r.url.rstrip("/").rsplit("/id", 1)[1])
        for r in first
        if r.callback.__name__ == "parse_article"
    }
    requests = list(spider(archived=ids, recrawl="new").parse_listing(response, "no", 1))
    assert requests == []


def test_changed_listing_markup_falls_back_and_warns() -> None:
    html = """<html><body><main><div class="results"><ul class="listing">
      <li class="item"><h3><a href="/no/aktuelt/ny-sak/id3200001/">Ny sak</a></h3>
      <div class="info"><span class="date">24.11.2026</span></div></li>
    </ul></div></main></body></html>"""
    url = f"{BASE}/no/aktuelt/nyheter/id2006120/"
    response = HtmlResponse(url=url, body=html.encode(), encoding="utf-8")
    news = spider()
    requests = list(news.parse_listing(response, "no", 1))
    assert [r.url for r in requests] == [f"{BASE}/no/aktuelt/ny-sak/id3200001/"]
    assert news.session.counts["listing_fallbacks"] == 1


def test_empty_first_page_is_a_counted_failure() -> None:
    body = b"<html><body><main></main></body></html>"
    url = f"{BASE}/no/aktuelt/nyheter/id2006120/"
    response = HtmlResponse(url=url, body=body, encoding="utf-8")
    news = spider()
    assert list(news.parse_listing(response, "no", 1)) == []
    assert news.session.failures == ["empty-listing"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("03.07.2026", date(2026, 7, 3)),
        ("24/11/2026", date(2026, 11, 24)),
        ("\n  3.7.2026 ", date(2026, 7, 3)),
        ("2026-07-03", date(2026, 7, 3)),
        ("31.02.2026", None),
        ("03.07.26", None),
        (" x ", None),
        (None, None),
    ],
)
def test_listing_dates(text: str | None, expected: date | None) -> None:
    assert parse_listing_date(text) == expected


def test_unknown_language_is_refused() -> None:
    with pytest.raises(CrawlConfigError, match="unknown language"):
        CrawlConfig(data_dir=Path("unused"), base_url=BASE, contact="tests", langs="no,de")


def test_spider_arguments_are_refused_with_the_setting_to_use() -> None:
    with pytest.raises(CrawlConfigError, match="REGARKIV_BASE_URL"):
        NewsSpider(base_url=BASE)


def test_cookie_domains_never_fetch_the_public_suffix_list() -> None:
    import scrapy.downloadermiddlewares.cookies as scrapy_cookies

    # Only 127.0.0.1 in tests, and only the archived site in production.
    assert tuple(scrapy_cookies._split_domain.__wrapped__.suffix_list_urls) == ()


def test_cookie_domains_are_split_once_each_as_the_suffix_list_says() -> None:
    import scrapy.downloadermiddlewares.cookies as scrapy_cookies
    from tldextract import TLDExtract

    offline = TLDExtract(suffix_list_urls=(), include_psl_private_domains=True)
    domains = ["www.regjeringen.no", ".regjeringen.no", "127.0.0.1", "co.uk", "github.io"]
    for domain in domains * 2:  # the second time from the cache
        assert scrapy_cookies._split_domain(domain) == offline(domain)
    assert not scrapy_cookies._split_domain("co.uk").domain  # a public suffix
    assert scrapy_cookies._split_domain.cache_info().hits >= len(domains)


def test_a_parsed_listing_is_freed_by_its_reference_count() -> None:
    """No cycle keeps a listing's response and lxml tree until a garbage collection (the
    crawl collects rarely: crawler/run.py), which had held 20-30 MB of listings at a time."""
    site = Site(articles=60, seed=4)
    response = HtmlResponse(
        url=BASE + site.listing_path("no"), body=site.render(site.listing_path("no")).body
    )
    news = spider()
    gc.disable()
    try:
        requests = list(news.parse_listing(response, "no", 1))
        freed = weakref.ref(response)
        del response
        assert freed() is None
    finally:
        gc.enable()
    assert len([r for r in requests if r.callback.__name__ == "parse_article"]) == 20
    assert [r.cb_kwargs["page"] for r in requests if r.callback.__name__ == "parse_listing"] == [2]
