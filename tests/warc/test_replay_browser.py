"""Archived articles replayed by pywb in a real browser (Debian's Chromium): the page comes
from our WARC files and CDXJ indexes alone, and not one request leaves the replay server.

The replica's chrome loads analytics from js.monitor.azure.com and cdn.matomo.cloud, as the
real site's does. pywb rewrites every URL a page asks for, off-site ones included, into its
own URL space, and this collection has no live-web fallback, so the browser asks pywb for
them and pywb answers 404: they were never archived (the crawl's scope is the site alone).
The test counts them to prove it: the page does ask for them, and only pywb is asked.
"""

from __future__ import annotations

import importlib.util
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.support import browser as browser_support
from tests.support.browser import Traffic, screenshot_dir
from tests.support.replay import CrawledReplica, wayback

ANALYTICS_HOSTS = ("js.monitor.azure.com", "cdn.matomo.cloud")


@pytest.fixture(scope="module", autouse=True)
def pywb_installed() -> None:
    if importlib.util.find_spec("pywb") is None:
        reason = "pywb (a dev extra) is not installed"
        if browser_support.required():
            pytest.fail(f"REGARKIV_TEST_BROWSER=required but {reason}")
        pytest.skip(reason)


def latest_response(data: Path, article_id: int) -> tuple[str, str]:
    """The URL and 14-digit timestamp of an article's latest full response."""
    with sqlite3.connect(data / "index.db") as conn:
        url, fetched = conn.execute(
            "SELECT url, max(fetched_at) FROM captures WHERE article_id = ? AND status = 200"
            " AND record_type = 'response'",
            (article_id,),
        ).fetchone()
    return url, "".join(ch for ch in fetched if ch.isdigit())[:14]


def replayed_target(url: str) -> str:
    """The archived URL inside a pywb replay URL (…/regarkiv/<ts><mod>/<archived URL>)."""
    parts = url.split("/regarkiv/", 1)
    return parts[1].split("/", 1)[1] if len(parts) == 2 and "/" in parts[1] else ""


def test_an_archived_article_replays_from_pywb_alone(
    browser: Any, crawled_replica: CrawledReplica, tmp_path: Path, root: Path
) -> None:
    site, data = crawled_replica.site, crawled_replica.data
    article_id = next(i for i in site.article_ids("no") if i in site.edited_ids())
    url, stamp = latest_response(data, article_id)
    expected = site.expected(article_id, crawled_replica.base_url)
    with wayback(data / "warcs", tmp_path) as base:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        traffic = Traffic(allowed={urlsplit(base).netloc})
        traffic.watch(page)
        try:
            response = page.goto(f"{base}/{stamp}/{url}", wait_until="load", timeout=30_000)
            assert response is not None and response.status == 200
            frame = page.frame_locator("#replay_iframe")
            heading = frame.locator("h1").first
            assert heading.inner_text(timeout=15_000).strip() == expected.title
            # The edit the second crawl archived is what replays (revision 2's words).
            lead = frame.locator("main").first.inner_text()
            assert expected.body.split("\n\n")[-1].split("\n")[0][:60] in " ".join(lead.split())
            page.wait_for_load_state("networkidle", timeout=15_000)
            heading.scroll_into_view_if_needed()
            page.screenshot(path=str(screenshot_dir(root) / "replay-pywb.png"))
        finally:
            page.close()

    assert traffic.requests and traffic.leaked() == []
    targets = [replayed_target(request) for request in traffic.requests]
    asked = {urlsplit(target).netloc for target in targets if target}
    # The analytics were asked for, of pywb, which never fetches from the live web.
    assert set(ANALYTICS_HOSTS) <= asked
