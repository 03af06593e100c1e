"""Archived articles replayed by pywb in a real browser (Debian's Chromium): each page comes
from the WARC files and CDXJ indexes of a real crawl alone, styled by its archived
stylesheet and font, with every image decoded, its attachment opening the archived PDF, and
not one request leaving the replay server.

The replica's chrome loads analytics from js.monitor.azure.com and cdn.matomo.cloud, as the
real site's does. pywb rewrites every URL a page asks for, off-site ones included, into its
own URL space, and this collection has no live-web fallback, so the browser asks pywb for
them and pywb answers 404: they were never archived (the crawl's scope is the site alone).
The tests count them to prove it: the page does ask for them, and only pywb is asked.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from replica.requisites import BIG_IMAGE, OFF_SITE_IMAGE, TITLE_STYLE, has_bad_requisites
from tests.support import browser as browser_support
from tests.support.browser import Traffic, screenshot_dir
from tests.support.replay import CrawledReplica, wayback

ANALYTICS_HOSTS = {"js.monitor.azure.com", "cdn.matomo.cloud"}
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
IMAGES = "() => Array.from(document.images, i => [i.currentSrc || i.src, i.naturalWidth])"
IMAGES_DONE = "() => Array.from(document.images).every(i => i.complete)"
TITLE_COLOURS = "e => [getComputedStyle(e).color, getComputedStyle(e).borderBottomColor]"
ICON_FONT = "() => document.fonts.check('16px \"Regjeringen Ikoner\"')"


@pytest.fixture(scope="module")
def pywb(
    crawled_replica: CrawledReplica, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """pywb over the crawl's WARC directory; the replica itself is stopped by now."""
    if importlib.util.find_spec("pywb") is None:
        reason = "pywb (a dev extra) is not installed"
        if browser_support.required():
            pytest.fail(f"REGARKIV_TEST_BROWSER=required but {reason}")
        pytest.skip(reason)
    with wayback(crawled_replica.data / "warcs", tmp_path_factory.mktemp("pywb")) as base:
        yield base


def latest_response(data: Path, article_id: int) -> tuple[str, str]:
    """The URL and 14-digit timestamp of an article's latest full response."""
    with sqlite3.connect(data / "index.db") as conn:
        url, fetched = conn.execute(
            "SELECT url, max(fetched_at) FROM captures WHERE article_id = ? AND status = 200"
            " AND record_type = 'response'",
            (article_id,),
        ).fetchone()
    return url, "".join(ch for ch in fetched if ch.isdigit())[:14]


def archived_digest(data: Path, url: str) -> str:
    with sqlite3.connect(data / "index.db") as conn:
        (digest,) = conn.execute(
            "SELECT payload_digest FROM captures WHERE url = ? AND record_type = 'response'",
            (url,),
        ).fetchone()
    return str(digest)


def replayed_target(url: str) -> str:
    """The archived URL inside a pywb replay URL (…/regarkiv/<ts><mod>/<archived URL>)."""
    parts = url.split("/regarkiv/", 1)
    return parts[1].split("/", 1)[1] if len(parts) == 2 and "/" in parts[1] else ""


class Replay:
    """One archived page opened in pywb's frame, and every request the browser made."""

    def __init__(self, browser: Any, base: str, url: str, stamp: str, viewport: str) -> None:
        self.page = browser.new_page(viewport=VIEWPORTS[viewport])
        self.traffic = Traffic(allowed={urlsplit(base).netloc})
        self.traffic.watch(self.page)
        response = self.page.goto(f"{base}/{stamp}/{url}", wait_until="load", timeout=30_000)
        assert response is not None and response.status == 200
        self.frame = self.page.wait_for_selector("#replay_iframe").content_frame()
        self.frame.wait_for_selector("h1", timeout=15_000)
        self.page.wait_for_load_state("networkidle", timeout=15_000)
        self.frame.wait_for_function(IMAGES_DONE, timeout=15_000)

    def targets(self, status: int | None = None) -> set[str]:
        """The archived URLs the page asked pywb for (those answered ``status``)."""
        asked = (
            self.traffic.statuses if status is not None else dict.fromkeys(self.traffic.requests)
        )
        return {replayed_target(url) for url, code in asked.items() if status in (None, code)} - {
            ""
        }

    def missing_on_site(self, site: str) -> set[str]:
        """Same-site URLs pywb answered 404: requisites the archive lacks."""
        return {target for target in self.targets(404) if urlsplit(target).netloc == site}


def test_an_article_replays_styled_with_its_images_and_attachment(
    browser: Any, pywb: str, crawled_replica: CrawledReplica, root: Path
) -> None:
    site, data = crawled_replica.site, crawled_replica.data
    article_id = next(
        i
        for i in site.article_ids("no")
        if {"figure", "attachments"} <= site.features(i) and not has_bad_requisites(site.meta(i))
    )
    expected = site.expected(article_id, crawled_replica.base_url)
    url, stamp = latest_response(data, article_id)
    archived_host = urlsplit(crawled_replica.base_url).netloc
    widths = {}
    for viewport in VIEWPORTS:
        replay = Replay(browser, pywb, url, stamp, viewport)
        try:
            heading = replay.frame.locator(".article-header h1")
            assert heading.inner_text().strip() == expected.title
            # The archived stylesheet applied, and its @font-face font loaded from the archive.
            assert heading.evaluate(TITLE_COLOURS) == list(TITLE_STYLE.values())
            assert replay.frame.evaluate(ICON_FONT)
            images = replay.frame.evaluate(IMAGES)
            assert images and all(width > 0 for _, width in images), images
            widths[viewport] = {src.rsplit("width=", 1)[-1] for src, _ in images}
            if viewport == "desktop":
                heading.scroll_into_view_if_needed()
                replay.page.screenshot(path=str(screenshot_dir(root) / "replay-pywb.png"))
                open_attachment(replay, crawled_replica, expected.attachments[0].url)
        finally:
            replay.page.close()
        assert replay.traffic.leaked() == []
        assert replay.missing_on_site(archived_host) == set()
        asked = replay.targets()
        assert {urlsplit(target).netloc for target in asked} >= ANALYTICS_HOSTS
        assert any("/dist-web/css/main.css" in target for target in asked)
        assert any(".ttf" in target for target in replay.targets(200))
    # Each viewport found its own size of the figure's image in the archive (srcset).
    assert widths["desktop"] != widths["phone"]


def open_attachment(replay: Replay, crawled_replica: CrawledReplica, attachment: str) -> None:
    """Clicking the attachment link opens the archived PDF, served by pywb byte for byte."""
    path = urlsplit(attachment).path
    link = replay.frame.locator(f'.article-body a[href$="{path}"]').first
    with replay.page.expect_response(lambda response: response.url.endswith(path)) as opened:
        link.click()
    response = opened.value
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert replayed_target(response.url) == attachment
    body = replay.page.request.get(response.url).body()  # the bytes pywb serves there
    assert body.startswith(b"%PDF-")
    digest = "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode()
    assert digest == archived_digest(crawled_replica.data, attachment)


def test_only_what_the_crawl_skipped_is_missing_at_replay(
    browser: Any, pywb: str, crawled_replica: CrawledReplica
) -> None:
    """An article showing a 50 MB image (over the requisite size limit) and an image on
    another host: those two, and nothing else, are missing, and neither is fetched live."""
    site, data = crawled_replica.site, crawled_replica.data
    article_id = next(i for i in site.article_ids() if has_bad_requisites(site.meta(i)))
    url, stamp = latest_response(data, article_id)
    replay = Replay(browser, pywb, url, stamp, "desktop")
    try:
        images = replay.frame.evaluate(IMAGES)
    finally:
        replay.page.close()
    unloaded = {replayed_target(src) for src, width in images if width == 0}
    assert unloaded == {crawled_replica.base_url + BIG_IMAGE, OFF_SITE_IMAGE}
    assert replay.missing_on_site(urlsplit(crawled_replica.base_url).netloc) == {
        crawled_replica.base_url + BIG_IMAGE
    }
    assert replay.traffic.leaked() == []
    assert OFF_SITE_IMAGE in replay.targets(404)  # asked of pywb, not of its host
