"""The replica's attached documents: listed in the page's real markup, deterministic,
replaced at the same URL by later versions, and faulty on request like any page."""

from __future__ import annotations

import urllib.request

import pypdfium2 as pdfium
from parsel import Selector

from replica import documents
from replica.server import ReplicaServer
from replica.site import Site

BASE = "http://127.0.0.1:8123"


def links_of(site: Site) -> list[tuple[int, str]]:
    return [
        (i, link.href) for i in site.ids_with("attachments") for link in site.attachment_links(i)
    ]


def test_every_listed_document_is_served_as_its_kind_says() -> None:
    site = Site(articles=300, seed=1)
    seen = set()
    for _, href in links_of(site):
        kind = documents.kind_of(href.split("/")[-2])[0]
        response = site.render(href, BASE)
        assert response.status == 200, href
        seen.add(kind)
        if kind in ("pdf", "pdf-scanned", "pdf-wrong-type"):
            document = pdfium.PdfDocument(response.body)
            assert len(document) >= 1
            document.close()
        elif kind == "pdf-empty":
            assert response.body == b""
        elif kind in ("docx", "xlsx", "docx-bomb"):
            assert response.body.startswith(b"PK\x03\x04")
        if kind == "pdf-wrong-type":
            assert response.header("content-type") == "text/html; charset=utf-8"
    assert seen == set(documents.KINDS)


def test_the_page_lists_its_documents_in_the_real_markup() -> None:
    site = Site(articles=300, seed=1)
    article_id, href = links_of(site)[0]
    html = site.render(site.article_url(article_id), BASE).body.decode()
    [anchor] = Selector(html).css(f'.article-body a[href="{href}"]')
    assert anchor.attrib["title"] == href.rsplit("/", 1)[1]
    after = anchor.xpath("following-sibling::text()").get() or ""
    assert after in ("", f" ({href.rsplit('.', 1)[1]})")
    assert documents.article_of(href) == article_id


def test_documents_are_deterministic_and_versions_replace_their_bytes() -> None:
    first, again = Site(articles=300, seed=1), Site(articles=300, seed=1)
    again.set_version(2)
    live = set(again.article_ids())
    again.set_version(1)
    silent = [(i, h) for i, h in links_of(first) if documents.silent(h) and i in live]
    assert silent
    article_id, href = silent[0]
    body = first.render(href, BASE).body
    assert body == again.render(href, BASE).body
    first.set_version(2)
    later = first.render(href, BASE)
    assert later.status == 200 and later.body != body
    assert later.header("etag") != again.render(href, BASE).header("etag")


def test_faults_apply_to_documents() -> None:
    with ReplicaServer(Site(articles=300, seed=1)) as server:
        article_id, href = links_of(server.site)[0]
        server.faults.add(article_id, "503", count=1)
        try:
            urllib.request.urlopen(server.base_url + href, timeout=5)
            raise AssertionError("the fault was not applied")
        except urllib.error.HTTPError as error:
            assert error.code == 503
        with urllib.request.urlopen(server.base_url + href, timeout=5) as response:
            assert response.status == 200
