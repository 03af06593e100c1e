"""The web interface in a real browser (Debian's Chromium through Playwright), served by
``regarkiv serve`` over an archive of two crawls of the replica (edits and removals between),
with pywb replaying archived pages on its own port. No request leaves the two servers."""

from __future__ import annotations

import sqlite3
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("datasette", reason="datasette (the web extra) is not installed")
pytest.importorskip("pywb", reason="pywb (the web extra) is not installed")

from archive.index.fts import words  # noqa: E402
from replica.server import ReplicaServer  # noqa: E402
from replica.site import Site  # noqa: E402
from tests.regarkiv.web.conftest import HOSTILE, HOSTILE_TEXT  # noqa: E402
from tests.support.browser import Traffic, screenshot_dir  # noqa: E402
from tests.support.serve import Served, serving  # noqa: E402

A = "{http://www.w3.org/2005/Atom}"
TIMEOUT = 20_000  # ms for any one page


@dataclass(frozen=True)
class Archive:
    served: Served
    site: Site
    base_url: str  # the replica's, as archived
    edited: list[int]
    removed: list[int]
    data: Path


@pytest.fixture(scope="module")
def archive(
    tmp_path_factory: pytest.TempPathFactory, crawl: Callable[..., dict]
) -> Iterator[Archive]:
    data = tmp_path_factory.mktemp("served") / "data"
    site = Site(articles=40, seed=2026)
    with ReplicaServer(site) as server:
        crawl(data, server.base_url)
        # Capture times are whole seconds, and pywb tells two captures of a URL apart by
        # their second alone: a recrawl within the same second as the first crawl's last
        # capture could replay the older copy for the newer (CI saw it once).
        time.sleep(1)
        server.set_version(2)
        crawl(data, server.base_url, "--recrawl", "all")
        base_url = server.base_url
    edited, removed = sorted(site.edited_ids()), sorted(site.removed_ids())
    assert edited and removed
    with serving("serve", "--data-dir", str(data), "--port", "0") as served:
        yield Archive(served, site, base_url, edited, removed, data)


@pytest.fixture
def page(browser: Any, archive: Archive) -> Iterator[Any]:
    """A page whose requests are watched and whose console errors and dialogs are counted."""
    shown = browser.new_page(viewport={"width": 1200, "height": 900})
    served = archive.served
    traffic = Traffic(allowed={served.netloc(served.url), served.netloc(served.replay)})
    traffic.watch(shown)
    shown.problems = []
    shown.on("console", lambda m: shown.problems.append(m.text) if m.type == "error" else None)
    shown.on("pageerror", lambda error: shown.problems.append(str(error)))
    shown.on("dialog", lambda dialog: (shown.problems.append("dialog"), dialog.dismiss()))
    shown.traffic = traffic
    yield shown
    shown.close()
    assert traffic.leaked() == []


def shoot(page: Any, root: Path, name: str) -> None:
    page.screenshot(path=str(screenshot_dir(root) / f"web-{name}.png"), full_page=True)


def test_search_filter_article_history_diff(page: Any, archive: Archive, root: Path) -> None:
    url = archive.served.url
    article_id = archive.edited[0]
    title = archive.site.expected(article_id).title
    page.goto(url + "?hl=en", timeout=TIMEOUT)
    shoot(page, root, "front")
    page.get_by_label("Search the archive").fill(title.split()[-1])
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search?**")
    before = page.locator("li.hit").count()
    facet = page.locator("section.facet ul li a").first
    facet.click()
    page.wait_for_url("**ministry=**")
    assert 0 < page.locator("li.hit").count() <= before
    shoot(page, root, "search")
    page.goto(f"{url}article/{article_id}?hl=en", timeout=TIMEOUT)
    assert page.locator("h1").inner_text().strip()
    # Headings come back from the archived page (body keeps them as plain text).
    bodies = [page.request.get(f"{url}article/{other}").text() for other in archive.edited]
    assert any(body.split('<div class="body">')[1].count("<h2>") for body in bodies)
    # ... and stay headings in the diff, on both sides and inline (h2 of the page → h3).
    diffs = [page.request.get(f"{url}article/{other}/diff/1-2").text() for other in archive.edited]
    assert any(d.count('<h3 class="side body-heading">') >= 2 for d in diffs)
    inline = [
        page.request.get(f"{url}article/{n}/diff/1-2?view=inline").text() for n in archive.edited
    ]
    assert any('<h3 class="block equal body-heading">' in d for d in inline)
    shoot(page, root, "article")
    page.get_by_role("link", name="changes from the previous").first.click()
    page.wait_for_url(f"**/article/{article_id}/diff/*-*")
    marks = page.locator("main ins, main del")
    assert marks.count() > 0 and marks.first.is_visible()
    shoot(page, root, "diff")
    page.goto(url + "changes?since=2000-01-01&hl=en", timeout=TIMEOUT)
    assert page.locator("table.changes tbody tr").count() >= len(archive.edited)
    shoot(page, root, "changes")
    assert page.problems == []


def test_a_word_inside_an_attached_document_finds_it_and_leads_to_its_article(
    page: Any, archive: Archive
) -> None:
    with closing(sqlite3.connect(f"file:{archive.data / 'index.db'}?mode=ro", uri=True)) as db:
        url, text = db.execute(
            "SELECT url, text FROM attachments WHERE status = 'text' AND length(text) > 200"
            " ORDER BY url LIMIT 1"
        ).fetchone()  # the crawl fetched the replica's documents (attachments = all)
    word = max(words(text), key=len)
    page.goto(f"{archive.served.url}search?q={word}&hl=en", timeout=TIMEOUT)
    page.get_by_role("link", name="Attached documents").click()
    page.wait_for_url("**in=documents**")
    hit = page.locator("li.hit-document").filter(has=page.locator(f'a[href$="{url}"]'))
    assert hit.count() == 1 and page.locator("li.hit-article").count() == 0
    assert hit.locator("mark").count() > 0
    assert hit.locator("h3 a").get_attribute("href").startswith(archive.served.replay)
    hit.locator("p.listed a").first.click()
    page.wait_for_url("**/article/*")
    assert url in [a.get_attribute("href").split("/", 5)[-1] for a in page.locator("main a").all()
                   if a.get_attribute("href").startswith(archive.served.replay)]  # fmt: skip
    assert page.problems == []


def test_a_replay_link_opens_the_archived_page_on_pywbs_own_port(
    page: Any, archive: Archive
) -> None:
    article_id = archive.edited[0]
    page.goto(f"{archive.served.url}article/{article_id}?hl=en", timeout=TIMEOUT)
    assert page.problems == []
    link = page.get_by_role("link", name="Archived copy").first
    href = link.get_attribute("href")
    assert href.startswith(archive.served.replay)
    link.click()
    page.wait_for_url(archive.served.replay + "**", timeout=TIMEOUT)
    page.wait_for_load_state("load", timeout=TIMEOUT)
    frame = next(f for f in page.frames if "mp_/" in f.url)
    heading = frame.locator("h1").first.inner_text(timeout=TIMEOUT)
    assert heading.strip() == archive.site.expected(article_id, archive.base_url).title
    assert not page.url.startswith(archive.served.url)  # never from the interface's origin


def test_a_removed_article_shows_removed_and_its_last_copy_is_reachable(
    page: Any, archive: Archive
) -> None:
    article_id = archive.removed[0]
    page.goto(f"{archive.served.url}article/{article_id}?hl=en", timeout=TIMEOUT)
    assert "Removed from the site" in page.locator("header .removed-note").inner_text()
    last_copy = page.get_by_role("link", name="Last archived copy")
    response = page.request.get(
        last_copy.get_attribute("href").replace("/regarkiv/", "/regarkiv/", 1)
    )
    assert response.status == 200
    last_copy.click()
    page.wait_for_url(archive.served.replay + "**", timeout=TIMEOUT)
    page.wait_for_load_state("load", timeout=TIMEOUT)
    frame = next(f for f in page.frames if "mp_/" in f.url)
    assert frame.locator("h1").first.inner_text(timeout=TIMEOUT).strip()


def test_keyboard_alone_reaches_the_search_box_and_a_diff(page: Any, archive: Archive) -> None:
    page.goto(archive.served.url + "?hl=en", timeout=TIMEOUT)
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "q":
            break
    assert page.evaluate("document.activeElement.id") == "q"
    page.goto(f"{archive.served.url}article/{archive.edited[0]}?hl=en", timeout=TIMEOUT)
    for _ in range(60):
        page.keyboard.press("Tab")
        if "/diff/" in (page.evaluate("document.activeElement.getAttribute('href')") or ""):
            break
    page.keyboard.press("Enter")
    page.wait_for_url("**/diff/*-*", timeout=TIMEOUT)
    assert page.locator("main ins, main del").count() > 0
    assert page.problems == []


def test_a_malformed_search_typed_in_the_box_is_a_message(page: Any, archive: Archive) -> None:
    page.goto(archive.served.url + "search?hl=no", timeout=TIMEOUT)
    page.get_by_label("Søk i arkivet").fill('"statsbudsjettet (2027')
    page.get_by_role("button", name="Søk").click()
    page.wait_for_url("**/search?**")
    alert = page.get_by_role("alert")
    assert "Søket kan ikke brukes" in alert.inner_text() and "anførselstegn" in alert.inner_text()
    assert page.locator("#q").input_value() == '"statsbudsjettet (2027'  # kept, to be fixed
    # The page answers 400, which Chromium logs as a failed load; nothing else may go wrong.
    assert [p for p in page.problems if "status of 400" not in p] == []


def test_the_atom_feed_is_xml_with_a_self_link(page: Any, archive: Archive) -> None:
    feed_url = archive.served.url + "changes.atom?since=2000-01-01"
    response = page.request.get(feed_url)
    assert response.status == 200
    feed = ET.fromstring(response.body())
    assert [link.get("href") for link in feed.findall(f"{A}link") if link.get("rel") == "self"] == [
        feed_url
    ]
    entries = feed.findall(f"{A}entry")
    assert len(entries) >= len(archive.edited) + len(archive.removed)
    for entry in entries:
        links = {link.get("rel"): link.get("href") for link in entry.findall(f"{A}link")}
        assert links["related"].startswith(archive.served.replay)  # the archived copy
        if ":revision:" in entry.findtext(f"{A}id", ""):
            assert "/diff/" in links["alternate"]
    removed = [e for e in entries if ":removed:" in e.findtext(f"{A}id", "")]
    gone = {link.get("rel"): link.get("href") for link in removed[0].findall(f"{A}link")}
    assert page.request.get(gone["related"]).status == 200  # the last copy, in replay
    assert page.request.get(gone["alternate"]).status == 200  # its page, marked removed


def test_hostile_article_text_runs_nothing_anywhere(
    browser: Any, web_archive: Path, root: Path
) -> None:
    replay = "http://127.0.0.1:9/regarkiv/"
    with serving(
        "serve", "--data-dir", str(web_archive), "--port", "0", "--replay-url", replay
    ) as served:
        shown = browser.new_page()
        problems: list[str] = []
        shown.on("dialog", lambda dialog: (problems.append("dialog"), dialog.dismiss()))
        shown.on("pageerror", lambda error: problems.append(str(error)))
        try:
            for path in ("", f"article/{HOSTILE}", f"article/{HOSTILE}/diff/1-2",
                         "changes?since=2000-01-01", "search?q=farlig", "search?q=lisensfelling",
                         "changes.atom?since=2000-01-01"):  # fmt: skip
                shown.goto(served.url + path, timeout=TIMEOUT)
                if path.startswith("article/"):
                    assert HOSTILE_TEXT.split()[0] in shown.locator("main").inner_text()
            shoot(shown, root, "hostile-diff")
        finally:
            shown.close()
    assert problems == []
