"""Decoding only the responses the spider reads."""

from __future__ import annotations

import gzip

import pytest
from scrapy import Request
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.utils.test import get_crawler

from crawler import settings
from crawler.middlewares.compression import BODY_UNREAD, DecodeWhenReadMiddleware
from crawler.spiders.news import NewsSpider

HTML = b"<html><head><meta http-equiv='refresh' content='0; url=/x'></head><p>Hei</p></html>"
URL = "https://www.regjeringen.no/no/aktuelt/sak/id1/"


def middleware() -> DecodeWhenReadMiddleware:
    return DecodeWhenReadMiddleware.from_crawler(get_crawler())


def gzipped(request: Request) -> HtmlResponse:
    return HtmlResponse(
        URL,
        body=gzip.compress(HTML),
        headers={"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"},
        request=request,
    )


def test_a_response_the_spider_reads_is_decoded() -> None:
    request = Request(URL)
    response = middleware().process_response(request, gzipped(request))
    assert isinstance(response, TextResponse)
    assert response.body == HTML
    assert b"Content-Encoding" not in response.headers


def test_an_unread_body_stays_as_it_came_and_is_not_html_to_later_middlewares() -> None:
    request = Request(URL, meta={BODY_UNREAD: True})
    original = gzipped(request)
    response = middleware().process_response(request, original)
    assert response.body == original.body  # still gzip: the capture has the same bytes
    assert response.headers[b"Content-Encoding"] == b"gzip"
    # Not an HtmlResponse, so the meta-refresh middleware does not parse gzip bytes.
    assert type(response) is Response
    for name in Response.attributes:  # the rest as it came
        assert getattr(response, name) == getattr(original, name), name
    assert list(response.headers.items()) == list(original.headers.items())


def test_an_unread_body_without_content_coding_is_left_alone() -> None:
    request = Request(URL, meta={BODY_UNREAD: True})
    plain = HtmlResponse(URL, body=HTML, headers={"Content-Type": "text/html"}, request=request)
    assert middleware().process_response(request, plain) is plain


def test_the_crawl_uses_it_instead_of_scrapys_and_articles_ask_for_it() -> None:
    mws = settings.DOWNLOADER_MIDDLEWARES
    assert mws["scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware"] is None
    assert mws["crawler.middlewares.compression.DecodeWhenReadMiddleware"] == 590
    spider = NewsSpider()
    spider.base_url = "https://www.regjeringen.no"
    assert spider._article_request(URL).meta[BODY_UNREAD] is True
    assert BODY_UNREAD not in spider._listing_request("no", 2).meta


def robots_gzipped(request: Request) -> TextResponse:
    # As the site serves robots.txt: text/plain without a charset, gzip'd.
    return TextResponse(
        "https://www.regjeringen.no/robots.txt",
        body=gzip.compress(b"User-agent: *\nDisallow: /no/dokumentarkiv/\n"),
        headers={"Content-Type": "text/plain", "Content-Encoding": "gzip"},
        request=request,
    )


def test_a_text_response_is_decoded_as_scrapy_decodes_it_without_guessing_its_encoding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    request = Request("https://www.regjeringen.no/robots.txt")
    scrapys = HttpCompressionMiddleware.from_crawler(get_crawler()).process_response(
        request, robots_gzipped(request)
    )

    def guessed(*args: object) -> None:
        raise AssertionError("the encoded body's encoding was guessed")

    monkeypatch.setattr(TextResponse, "_body_inferred_encoding", guessed)
    ours = middleware().process_response(request, robots_gzipped(request))
    monkeypatch.undo()  # the decoded response may guess its own, as Scrapy's does
    assert type(ours) is type(scrapys) is TextResponse
    assert isinstance(ours, TextResponse) and isinstance(scrapys, TextResponse)
    assert ours.body == scrapys.body == b"User-agent: *\nDisallow: /no/dokumentarkiv/\n"
    assert ours.encoding == scrapys.encoding and ours.text == scrapys.text
    assert list(ours.headers.items()) == list(scrapys.headers.items())
    for name in Response.attributes:
        if name not in ("body", "headers"):
            assert getattr(ours, name) == getattr(scrapys, name), name


def test_a_head_response_is_left_as_it_came() -> None:
    request = Request("https://www.regjeringen.no/robots.txt", method="HEAD")
    original = robots_gzipped(request)
    assert middleware().process_response(request, original) is original
