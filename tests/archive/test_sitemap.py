"""Reading sitemaps: indexes, urlsets, gzip both ways, and bad input with bounded work."""

from __future__ import annotations

import gzip
import time
from datetime import UTC, datetime

import pytest

from archive.sitemap import parse_lastmod, parse_sitemap

NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
URL = "https://www.regjeringen.no/no/aktuelt/felling-av-ulv-i-innlandet/id{n}/"


def urlset(count: int, lastmod: str = "<lastmod>2026-11-20T15:53:00+01:00</lastmod>") -> bytes:
    rows = "".join(f"<url><loc>{URL.format(n=n)}</loc>{lastmod}</url>\n" for n in range(count))
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {NS}>\n{rows}</urlset>\n'.encode()


def test_a_urlset_gives_each_url_and_its_lastmod_in_utc() -> None:
    sitemap = parse_sitemap(urlset(3))
    assert sitemap.kind == "urlset" and not sitemap.is_index
    assert [e.loc for e in sitemap.entries] == [URL.format(n=n) for n in range(3)]
    lastmod = sitemap.entries[0].lastmod
    assert lastmod is not None and lastmod.precise
    assert lastmod.when == datetime(2026, 11, 20, 14, 53, tzinfo=UTC)
    assert not sitemap.skipped


def test_an_index_lists_its_sitemaps() -> None:
    body = (
        f"<sitemapindex {NS}><sitemap><loc>https://x/a.xml</loc>"
        "<lastmod>2026-11-20</lastmod></sitemap><sitemap><loc>https://x/b.xml.gz</loc>"
        "</sitemap></sitemapindex>"
    ).encode()
    sitemap = parse_sitemap(body)
    assert sitemap.is_index
    assert [e.loc for e in sitemap.entries] == ["https://x/a.xml", "https://x/b.xml.gz"]
    assert sitemap.entries[0].lastmod is not None and not sitemap.entries[0].lastmod.precise


@pytest.mark.parametrize(
    ("body", "coding"),
    [
        (gzip.compress(urlset(50)), "gzip"),  # Content-Encoding
        (gzip.compress(urlset(50)), None),  # a .xml.gz file
        (gzip.compress(gzip.compress(urlset(50))), "gzip"),  # a .xml.gz sent gzipped
    ],
)
def test_gzip_as_content_coding_or_file_or_both(body: bytes, coding: str | None) -> None:
    sitemap = parse_sitemap(body, coding)
    assert len(sitemap.entries) == 50 and not sitemap.skipped


def test_a_truncated_file_keeps_what_came_and_says_so() -> None:
    body = urlset(100)
    sitemap = parse_sitemap(body[: len(body) // 2])
    assert 0 < len(sitemap.entries) < 100
    assert sitemap.skipped == {"truncated": 1}
    cut_gzip = gzip.compress(body)[:400]
    assert parse_sitemap(cut_gzip).skipped == {"truncated-gzip": 1}


def test_malformed_and_foreign_documents() -> None:
    assert parse_sitemap(b"not xml at all").skipped == {"malformed": 1}
    html = parse_sitemap(b"<html><body><url><loc>https://x/</loc></url></body></html>")
    assert html.entries == [] and html.skipped == {"not-a-sitemap": 1}
    broken = urlset(10).replace(b"</url>\n<url>", b"</url>\n<url><<", 1)
    sitemap = parse_sitemap(broken)
    assert sitemap.skipped["malformed"] == 1 and len(sitemap.entries) >= 1
    assert parse_sitemap(b"\x1f\x8bnot gzip").skipped == {"bad-gzip": 1}


def test_bad_entries_are_counted_and_the_rest_read() -> None:
    body = (
        f"<urlset {NS}><url><lastmod>2026-11-20</lastmod></url>"
        "<url><loc>https://x/a</loc><lastmod>yesterday</lastmod></url>"
        "<url><loc>https://x/b</loc><lastmod>2026-02-30</lastmod></url></urlset>"
    ).encode()
    sitemap = parse_sitemap(body)
    assert [(e.loc, e.lastmod) for e in sitemap.entries] == [
        ("https://x/a", None),
        ("https://x/b", None),
    ]
    assert sitemap.skipped == {"no-loc": 1, "bad-lastmod": 2}


def test_a_gzip_bomb_is_never_inflated_past_the_bound() -> None:
    bomb = gzip.compress(b"<urlset>" + b"<url><loc>https://x/a</loc></url>" * 3_000_000)
    assert len(bomb) < 1_000_000  # ~100 MB of XML
    started = time.process_time()
    sitemap = parse_sitemap(bomb, max_bytes=2_000_000, max_urls=10**9)
    assert time.process_time() - started < 2
    assert sitemap.skipped["too-large"] == 1
    assert len(sitemap.entries) <= 2_000_000 // 33


def test_at_most_max_urls_entries() -> None:
    sitemap = parse_sitemap(urlset(100), max_urls=10)
    assert len(sitemap.entries) == 10 and sitemap.skipped == {"too-many-urls": 1}


def test_entities_are_not_expanded() -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        b"<urlset><url><loc>&c;</loc></url></urlset>"
    )
    sitemap = parse_sitemap(laughs)
    assert sitemap.entries == [] and sitemap.skipped == {"no-loc": 1}


@pytest.mark.parametrize(
    ("text", "expected", "precise"),
    [
        ("2026-11-20", datetime(2026, 11, 20, tzinfo=UTC), False),
        ("2026-11-20T15:53Z", datetime(2026, 11, 20, 15, 53, tzinfo=UTC), True),
        ("2026-11-20T15:53:07.123-02:30", datetime(2026, 11, 20, 18, 23, 7, tzinfo=UTC), True),
        (" 2026-11-20T00:30:00+01:00 ", datetime(2026, 11, 19, 23, 30, tzinfo=UTC), True),
    ],
)
def test_lastmod_w3c_datetimes(text: str, expected: datetime, precise: bool) -> None:
    lastmod = parse_lastmod(text)
    assert lastmod is not None and lastmod.when == expected and lastmod.precise is precise


@pytest.mark.parametrize("text", ["", "yesterday", "2026-13-01", "2026-11-20T25:00Z", "20261120"])
def test_lastmod_nonsense_is_none(text: str) -> None:
    assert parse_lastmod(text) is None
