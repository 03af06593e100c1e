"""The exported WACZ opened in ReplayWeb.page, the viewer archivists use, in a real browser:
an archived article renders from the WACZ alone, and ReplayWeb.page's search finds it by a
word of its text (the ``text`` of ``pages.jsonl``).

ReplayWeb.page is the ``replaywebpage`` npm package's built ``ui.js`` and ``sw.js`` (.ci/run
unpacks them into ``.cache/replaywebpage/``), served with the WACZ from 127.0.0.1.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from archive.datadir import DataDir
from archive.wacz import export_wacz
from replica.requisites import TITLE_STYLE
from tests.support import browser as browser_support
from tests.support.browser import Traffic, screenshot_dir
from tests.support.replay import (
    REPLAYWEBPAGE_DIR,
    CrawledReplica,
    replaywebpage_files,
    replaywebpage_site,
    static_server,
)

SEARCH_BOX = "Search by Page URL, Title, or Text"
WORD = re.compile(r"[^\W\d_]{7,}")


@pytest.fixture(scope="module", autouse=True)
def replaywebpage_unpacked() -> None:
    if replaywebpage_files() is None:
        reason = f"ReplayWeb.page is not unpacked in {REPLAYWEBPAGE_DIR} (.ci/run fetches it)"
        if browser_support.required():
            pytest.fail(f"REGARKIV_TEST_BROWSER=required but {reason}")
        pytest.skip(reason)


def a_word_only_in_its_text(pages: list[dict[str, str]], url: str) -> str | None:
    """A word of the page's text that no other page has, nor its own title or URL."""
    seen: Counter[str] = Counter()
    for page in pages:
        seen.update(set(WORD.findall(f"{page.get('text', '')} {page['title']}".lower())))
    page = next(page for page in pages if page["url"] == url)
    own = f"{page['title']} {page['url']}".lower()
    return next(
        (
            word
            for word in sorted(set(WORD.findall(page["text"].lower())))
            if seen[word] == 1 and word not in own
        ),
        None,
    )


# The replayed page's first <h1>, its colours and the widths of its images, found by walking
# the same-origin frames and shadow roots of ReplayWeb.page, whose nested replay frame
# Playwright's frame tracking sometimes misses.
REPLAYED = """(fragment) => {
    const documents = [document];
    for (let i = 0; i < documents.length; i++) {
        const roots = [documents[i]];
        for (let j = 0; j < roots.length; j++) {
            for (const element of roots[j].querySelectorAll("*")) {
                if (element.shadowRoot) roots.push(element.shadowRoot);
                if (element.tagName === "IFRAME" && element.contentDocument) {
                    documents.push(element.contentDocument);
                }
            }
        }
        const doc = documents[i];
        const heading = doc.location.href.includes(fragment) && doc.querySelector("h1");
        const images = heading && Array.from(doc.images);
        if (heading && images.every(image => image.complete)) {
            heading.scrollIntoView();  // for the screenshot
            const style = doc.defaultView.getComputedStyle(heading);
            return {
                title: heading.innerText,
                colours: [style.color, style.borderBottomColor],
                widths: images.map(image => image.naturalWidth),
            };
        }
    }
    return null;
}"""


def replayed(page: Any, fragment: str, traffic: Traffic) -> Any:
    """What REPLAYED finds once the article has replayed.

    The first registration of ReplayWeb.page's service worker sometimes misses the replay
    frame's first request, which then shows the host's 404 and is not always reloaded
    (webrecorder/replayweb.page#412; CI saw it once in about twenty runs). A reader reloads;
    so does the test, once, and says what it saw if the reload does not help either.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        return page.wait_for_function(REPLAYED, arg=fragment, timeout=30_000).json_value()
    except PlaywrightTimeout:
        first = traffic.not_found()
        page.reload(wait_until="load", timeout=30_000)
    try:
        return page.wait_for_function(REPLAYED, arg=fragment, timeout=30_000).json_value()
    except PlaywrightTimeout:
        pytest.fail(
            f"the article did not replay, even after a reload; 404s before: {first}, "
            f"after: {traffic.not_found()}, failed requests: {traffic.failed}"
        )


def test_an_article_replays_from_the_wacz_in_replaywebpage_and_its_text_is_found(
    browser: Any, crawled_replica: CrawledReplica, tmp_path: Path, root: Path
) -> None:
    wacz = tmp_path / "news.wacz"
    export_wacz(DataDir(crawled_replica.data), wacz)
    lines = zipfile.ZipFile(wacz).read("pages/pages.jsonl").decode().splitlines()
    pages = [json.loads(line) for line in lines[1:]]
    site = crawled_replica.site
    # An article with an image, and a word in its text that no other page has.
    expected, word = next(
        (article, word)
        for article in (
            site.expected(i, crawled_replica.base_url)
            for i in site.article_ids()
            if "figure" in site.features(i)
        )
        if (word := a_word_only_in_its_text(pages, article.url))
    )
    title = expected.title

    site_dir = replaywebpage_site(tmp_path / "site", wacz, expected.url)
    with static_server(site_dir) as base:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        traffic = Traffic(allowed={urlsplit(base).netloc})
        traffic.watch(context)  # the context's requests include the service worker's
        try:
            page = context.new_page()
            page.goto(f"{base}/index.html", wait_until="load", timeout=30_000)
            found = replayed(page, f"mp_/{expected.url}", traffic)
            assert found["title"].strip() == expected.title
            assert found["colours"] == list(TITLE_STYLE.values())  # the archived stylesheet
            assert found["widths"] and all(width > 0 for width in found["widths"])
            page.wait_for_load_state("networkidle", timeout=15_000)
            page.screenshot(path=str(screenshot_dir(root) / "replay-replaywebpage.png"))

            page.goto(f"{base}/pages.html", wait_until="load", timeout=30_000)
            app = page.frame_locator("replay-web-page >> iframe")
            app.get_by_placeholder(SEARCH_BOX).fill(word)
            app.get_by_text("1 page", exact=True).wait_for(timeout=15_000)
            quoted = json.dumps(title, ensure_ascii=False)  # a CSS string, as JSON writes it
            hits = app.locator(f"wr-page-entry .page-title keyword-mark[title={quoted}]")
            assert hits.count() == 1
        finally:
            context.close()

    assert any(url.endswith("/archive.wacz") for url in traffic.requests)
    assert traffic.leaked() == []
