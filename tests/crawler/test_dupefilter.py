"""The crawl's duplicate filter (crawler/dupefilter.py): Scrapy's verdicts, compact storage."""

from __future__ import annotations

from pathlib import Path

from scrapy import Request
from scrapy.utils.misc import load_object

from archive.compact_set import FixedWidthSet
from archive.config import CrawlConfig
from crawler.dupefilter import CompactDupeFilter
from crawler.run import scrapy_settings

URL = "https://www.regjeringen.no/no/aktuelt/sak/id3169214/"


def test_it_filters_what_scrapy_s_filter_filters() -> None:
    seen = CompactDupeFilter()
    assert isinstance(seen._fingerprints, FixedWidthSet)
    assert not seen.request_seen(Request(URL))
    assert seen.request_seen(Request(URL))
    assert seen.request_seen(Request(URL + "#innhold"))  # Scrapy drops the fragment
    assert not seen.request_seen(Request(URL + "?page=2"))
    assert not seen.request_seen(Request(URL, method="POST"))
    assert seen.request_seen(Request(URL, method="POST"))


def test_a_job_directory_s_fingerprints_are_read_back(tmp_path: Path) -> None:
    first = CompactDupeFilter(str(tmp_path))
    assert not first.request_seen(Request(URL))
    first.close("finished")
    again = CompactDupeFilter(str(tmp_path))
    assert isinstance(again._fingerprints, FixedWidthSet)
    assert again.request_seen(Request(URL))
    assert not again.request_seen(Request(URL + "?page=2"))
    again.close("finished")


def test_the_crawl_uses_it(tmp_path: Path) -> None:
    config = CrawlConfig(data_dir=tmp_path, base_url="http://127.0.0.1:8080")
    assert load_object(scrapy_settings(config)["DUPEFILTER_CLASS"]) is CompactDupeFilter
