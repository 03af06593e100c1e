"""Running a crawl in-process: what run_crawl changes around Scrapy, and puts back."""

from __future__ import annotations

import gc

from crawler.run import GC_THRESHOLD, _throughput_gc


def test_collections_are_rarer_only_while_the_reactor_runs() -> None:
    before = gc.get_threshold()
    with _throughput_gc():
        assert gc.get_threshold() == (GC_THRESHOLD, *before[1:])
        assert gc.get_freeze_count() > 0  # what was alive at the start is left alone
        assert gc.isenabled()  # cycles are still collected
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
