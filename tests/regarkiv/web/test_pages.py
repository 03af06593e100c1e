"""The interface's pages through Datasette's own test client, over an archive built with the
Python API (``conftest.build_archive``)."""

from __future__ import annotations

import asyncio
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("datasette", reason="datasette (the web extra) is not installed")

from archive.datadir import DataDir  # noqa: E402
from regarkiv.web.app import make_datasette  # noqa: E402
from regarkiv.web.context import close  # noqa: E402
from regarkiv.web.i18n import word  # noqa: E402
from tests.regarkiv.web.conftest import DOCUMENT_URL, EDITED, ENGLISH, HOSTILE, REMOVED  # noqa: E402

REPLAY = "http://127.0.0.1:9/regarkiv/"
A = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def datasette(web_archive: Path) -> Iterator[Any]:
    instance = make_datasette(DataDir(web_archive), REPLAY)
    yield instance
    close(instance)


def get(datasette: Any, path: str, **headers: str) -> Any:
    async def fetch() -> Any:
        return await datasette.client.get(path, headers=headers)

    # In a thread of its own: once the session's browser runs, Playwright's event loop is the
    # running loop of the main thread, where asyncio.run refuses to start another.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, fetch()).result()


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_front_page_lists_new_edited_and_removed_with_counts_per_day(datasette: Any) -> None:
    response = get(datasette, "/", **{"accept-language": "en"})
    assert response.status_code == 200
    html = response.text
    assert f'href="/article/{EDITED}/diff/1-2"' in html  # the latest edit, to its diff
    assert f'href="/article/{REMOVED}"' in html
    assert 'id="q"' in html and '<label for="q">Search the archive</label>' in html
    # A capture an hour from T0 (2026-07-04 12:00): 11 new articles that day; 18 new, two
    # edits and a removal the next.
    table = text_of(html.split('id="per-day"')[1].split("</table>")[0])
    assert "2026-07-05 18 2 1 2026-07-04 11 0 0" in table


def test_search_finds_inflections_with_snippets_facets_and_pages(datasette: Any) -> None:
    html = get(datasette, "/search?q=regjering&hl=en").text
    assert "<mark>Regjeringen</mark>" in html  # the base form found the inflected one
    found = int(re.search(r"(\d+) results", html).group(1))
    assert found == 28  # every Norwegian article says "Regjeringen"
    assert 'rel="next"' in html and html.count('class="hit hit-article"') == 20
    second = get(datasette, "/search?q=regjering&hl=en&page=2").text
    assert second.count('class="hit hit-article"') == 8 and 'rel="prev"' in second
    # A facet with its count; following it narrows the results to that count.
    match = re.search(r'href="([^"]*ministry=Finansdepartementet[^"]*)">Finansdepartementet</a>'
                      r' <span class="count">(\d+)</span>', html)  # fmt: skip
    assert match is not None and match.group(2) == "1"
    narrowed = get(datasette, match.group(1).replace("&amp;", "&")).text
    assert "1 results" in narrowed and "Skatten senkes" in narrowed
    assert "✕ Finansdepartementet" in narrowed
    dated = get(datasette, "/search?q=regjering&from=2025-01-01&to=2025-12-31&hl=en").text
    assert "25 results" in dated


@pytest.mark.parametrize(
    "query", ['"unclosed', "(a OR", "a AND", "x" * 1001, "regjering&lang=xx", "a&from=2025-13-01"]
)
def test_a_malformed_search_is_a_message_not_a_500(datasette: Any, query: str) -> None:
    response = get(datasette, f"/search?hl=en&q={query}")
    assert response.status_code == 400
    assert 'role="alert"' in response.text and "The search cannot be run" in response.text
    syntax_help = "Check that &#34;quotes&#34; and (parentheses) are closed" in response.text
    assert syntax_help == ("&" not in query)  # for the query's syntax, not a bad filter


def test_article_page_reads_well_and_links_every_revision_and_capture_to_replay(
    datasette: Any,
) -> None:
    html = get(datasette, f"/article/{EDITED}").text
    assert '<html lang="nb">' in html  # the article's language
    assert "<h1>Felling av ulv i Innlandet (oppdatert)</h1>" in html
    assert "<ul><li>første punkt</li><li>andre punkt</li></ul>" in html
    assert "<tr><td>Innlandet</td><td>12</td><td>5</td></tr>" in html  # a table as a table
    assert "Viser versjon 2 av 2" in html
    assert html.count(f'href="{REPLAY}2026070') >= 4  # two revisions, two captures
    assert f'href="/article/{EDITED}/diff/1-2"' in html
    assert 'action="/article/3169214/diff"' in html and '<label for="diff-from">' in html
    older = get(datasette, f"/article/{EDITED}?revision=1").text
    assert "Viser versjon 1 av 2" in older and "<td>3</td>" in older
    missing = get(datasette, "/article/1234")
    assert missing.status_code == 404 and "no article" in missing.text


def test_a_removed_article_says_so_and_links_its_last_archived_copy(datasette: Any) -> None:
    html = get(datasette, f"/article/{REMOVED}?hl=en").text
    assert "Removed from the site" in html
    last_copy = re.search(r'<a href="([^"]+)">Last archived copy</a>', html)
    assert last_copy is not None
    assert (
        last_copy.group(1)
        == f"{REPLAY}20260704140000/https://www.regjeringen.no/no/aktuelt/skatt/id{REMOVED}/"
    )
    assert "HTTP 404" in html and "HTTP 200" in html


def test_diff_marks_words_compares_tables_as_tables_and_folds_unchanged_text(
    datasette: Any,
) -> None:
    response = get(datasette, f"/article/{EDITED}/diff/1-2")
    assert response.status_code == 200
    html = response.text
    assert "<ins> (oppdatert)</ins>" in html
    assert "<td><del>3</del></td>" in html and "<td><ins>5</ins></td>" in html
    assert "Vedtaket gjelder i<ins> år og neste</ins> år." in html
    assert '<details class="folded"><summary>11 uendrede avsnitt</summary>' in html
    # The summary speaks the page's language (the CLI's Diff.summary is English).
    assert '<p class="summary">tittel endret, 5 ord lagt til, 1 fjernet (' in html
    english = get(datasette, f"/article/{EDITED}/diff/1-2?hl=en").text
    assert '<p class="summary">title changed, 5 words added, 1 removed (' in english
    assert 'rel="bookmark" href="/article/3169214/diff/1-2"' in html
    inline = get(datasette, f"/article/{EDITED}/diff/1-2?view=inline").text
    assert "<td><del>3</del><ins>5</ins></td>" in inline
    # Lists stay lists: one list inline, an item of a list on each side.
    assert '<ul class="diff-list"><li class="equal">første punkt</li><li class="equal">' in inline
    assert '<div class="old"><ul class="diff-list"><li>første punkt</li></ul></div>' in html
    assert 'aria-current="page">I teksten</a>' in inline
    form = get(datasette, f"/article/{EDITED}/diff?from=2&to=1")
    assert form.status_code == 302 and form.headers["location"] == f"/article/{EDITED}/diff/1-2"
    assert get(datasette, f"/article/{EDITED}/diff/1-9").status_code == 404


def test_changes_filter_by_kind_ministry_and_date(datasette: Any) -> None:
    every = get(datasette, "/changes?since=2026-01-01&hl=en").text
    assert every.count("<tr class=") == 3  # two edits, one removal
    removed = get(datasette, "/changes?since=2026-01-01&kind=removed").text
    assert removed.count("<tr class=") == 1 and "Skatten senkes" in removed
    assert "<td>fjernet (HTTP 404)</td>" in removed  # the summary in the page's language
    assert "<td>removed (HTTP 404)</td>" in every
    ministry = get(datasette, "/changes?since=2026-01-01&ministry=Finansdepartementet").text
    assert ministry.count("<tr class=") == 1
    assert "<tr class=" not in get(datasette, "/changes?since=2026-01-01&until=2026-07-03").text
    assert get(datasette, "/changes?since=yesterday").status_code == 400
    documents = get(datasette, "/changes?since=2026-01-01&kind=attachment").text
    assert documents.count("<tr class=") == 0  # no document was replaced
    assert '<option value="attachment" selected>' in documents
    assert get(datasette, "/changes?kind=edited").status_code == 400


def test_the_atom_feed_links_itself_the_diff_and_the_archived_copy(datasette: Any) -> None:
    response = get(datasette, "/changes.atom?since=2026-01-01")
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    self_link = [link for link in feed.findall(f"{A}link") if link.get("rel") == "self"]
    assert self_link[0].get("href") == "http://localhost/changes.atom?since=2026-01-01"
    entries = {entry.find(f"{A}id").text: entry for entry in feed.findall(f"{A}entry")}
    edited = entries[f"urn:regarkiv:article:{EDITED}:revision:2"]
    links = {link.get("rel"): link.get("href") for link in edited.findall(f"{A}link")}
    assert links["alternate"] == f"http://localhost/article/{EDITED}/diff/1-2"
    assert links["related"].startswith(REPLAY) and links["via"].startswith("https://www.")
    gone = next(e for key, e in entries.items() if f":{REMOVED}:removed" in key)
    gone_links = {link.get("rel"): link.get("href") for link in gone.findall(f"{A}link")}
    assert gone_links["related"].startswith(f"{REPLAY}20260704140000/")


def test_hostile_text_is_escaped_on_every_page_and_in_the_feed(datasette: Any) -> None:
    for path in ("/", f"/article/{HOSTILE}", f"/article/{HOSTILE}/diff/1-2",
                 "/changes?since=2026-01-01", "/search?q=farlig"):  # fmt: skip
        html = get(datasette, path).text
        assert "<script" not in html and "<img src=x" not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
    feed = get(datasette, "/changes.atom?since=2026-01-01")
    assert "<script>" not in feed.text
    ET.fromstring(feed.content)  # still well-formed with "]]>" in it


def test_every_response_carries_the_security_headers(datasette: Any) -> None:
    page = get(datasette, "/search?q=x")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "unsafe-inline" not in policy
    assert "script-src" not in policy  # default-src 'none': no script at all
    table = get(datasette, "/index/captures")
    for response in (page, table):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"


def test_language_follows_the_parameter_the_article_or_the_browser(datasette: Any) -> None:
    assert '<html lang="en">' in get(datasette, "/", **{"accept-language": "en-GB,en;q=0.9"}).text
    assert '<html lang="nb">' in get(datasette, "/", **{"accept-language": "nn,en;q=0.5"}).text
    assert '<html lang="nb">' in get(datasette, "/").text
    assert '<html lang="en">' in get(datasette, f"/article/{ENGLISH}").text
    assert '<html lang="en">' in get(datasette, f"/article/{EDITED}?hl=en").text
    # A hit in another language than the page's says so (screen readers switch voice).
    hits = get(datasette, "/search?q=wolves&hl=no").text
    assert '<html lang="nb">' in hits and '<h3 lang="en"><a href="/article/3169500">' in hits


def test_researchers_keep_datasette_tables_json_csv_metadata_and_canned_queries(
    datasette: Any,
) -> None:
    rows = get(
        datasette, "/index/revisions.json?_shape=array&article_id=3169214&_sort=revision"
    ).json()
    assert [row["revision"] for row in rows] == [1, 2]
    assert rows[0]["revised_utc"] is None  # the test articles carry no revised meta
    assert get(datasette, "/index/articles.csv").text.startswith("id,url,lang")
    table = get(datasette, "/index/captures").text
    assert 'href="/index/articles/3169214"' in table and 'href="/index/jobs/job1"' in table
    # A declared foreign key: an article's row page lists its captures.
    assert (
        'href="/index/captures?article_id=3169214"'
        in get(datasette, "/index/articles/3169214").text
    )
    assert "One row per fetched response" in table
    meta = get(datasette, "/-/metadata.json").json()
    assert meta["license"].startswith("NLOD") and meta["source"] == "regjeringen.no"
    for query in ("edited_last_7_days", "removed_articles", "articles_per_ministry_per_month"):
        response = get(datasette, f"/index/{query}.json?_shape=array")
        assert response.status_code == 200, query
    removed = get(datasette, "/index/removed_articles.json?_shape=array").json()
    assert [row["id"] for row in removed] == [REMOVED]
    facets = get(datasette, "/index/revisions.json").json()["facet_results"]  # configured
    assert {"type", "lang", "ministries", "published"} <= set(facets)
    assert get(datasette, "/index").text.count("revisions_stems_text") == 0  # shadow: hidden


def test_every_kind_of_change_has_its_words() -> None:
    # A replaced document (kind "attachment") once made /changes a 500 (KeyError).
    for kind in ("revised", "removed", "attachment"):
        assert word(kind, "no") != kind and word(kind, "en") != kind
    assert word("a-kind-added-later", "en") == "a-kind-added-later"


def hits_of(html: str, kind: str) -> list[str]:
    return [part.split("</li>")[0] for part in html.split(f'class="hit hit-{kind}"')[1:]]


def test_search_finds_words_inside_attached_documents(datasette: Any) -> None:
    # An inflection of a word only the PDF has: one hit, naming the document.
    html = get(datasette, "/search?q=lisensfellingen&hl=en").text
    assert "1 results" in html and not hits_of(html, "article")
    [hit] = hits_of(html, "document")
    assert f'<a href="{REPLAY}20260705210000/{DOCUMENT_URL}">Vedtak</a>' in hit  # link text
    assert "Document · v.pdf · PDF · Version 1 · Text: extracted" in hit
    assert "<mark>lisensfelling</mark>" in hit  # the snippet, from the document's own text
    assert f'<a href="/article/{EDITED}">Felling av ulv i Innlandet (oppdatert)</a>' in hit
    assert "and 26 more" in hit  # 29 articles list it: three named
    assert "<script>" not in html and "&lt;script&gt;alert(1)" in hit  # its text escaped
    norsk = get(datasette, "/search?q=lisensfelling&hl=no").text
    assert "Dokument · v.pdf · PDF · Versjon 1 · Tekst: hentet ut" in norsk
    # The listing articles' filters apply to the document; the facets stay about articles.
    assert "1 results" in get(datasette, "/search?q=lisensfelling&type=Nyhet&hl=en").text
    unlisted = get(datasette, "/search?q=lisensfelling&ministry=Forsvar&hl=en").text
    assert "0 results" in unlisted and not hits_of(unlisted, "document")


def test_the_in_filter_chooses_articles_documents_or_both(datasette: Any) -> None:
    both = get(datasette, "/search?q=kvote&hl=en").text
    articles = len(hits_of(both, "article"))
    assert articles >= 1 and len(hits_of(both, "document")) == 1
    assert f"{articles + 1} results" in both and f"{articles} articles, 1 documents" in both
    assert '<strong aria-current="true">Everything</strong>' in both
    link = re.search(r'<a href="([^"]*in=documents[^"]*)">Attached documents</a>', both)
    assert link is not None and "q=kvote" in link.group(1)
    documents = get(datasette, link.group(1).replace("&amp;", "&")).text
    assert "1 results" in documents and not hits_of(documents, "article")
    assert '<input type="hidden" name="in" value="documents">' in documents  # the date form
    only = get(datasette, "/search?q=kvote&in=articles&hl=en").text
    assert f"{articles} results" in only and not hits_of(only, "document")
    assert "No results" in get(datasette, "/search?q=lisensfelling&in=articles&hl=en").text
    bad = get(datasette, "/search?q=ulv&in=pdf&hl=en")
    assert bad.status_code == 400 and "in: choose from all, articles, documents" in bad.text
