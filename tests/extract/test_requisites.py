"""Finding a page's requisites and attached documents in HTML and CSS (no network)."""

from __future__ import annotations

from archive.extract.requisites import (
    MAX_REFERENCES,
    Kind,
    absolute,
    css_references,
    page_references,
    srcset_urls,
)
from archive.urls import is_document

BASE = "https://www.regjeringen.no"
PAGE = f"{BASE}/no/aktuelt/en-nyhet/id3170000/"


def urls(references: list) -> list[str]:
    return [r.url for r in references]


def test_a_real_page_gives_its_stylesheet_scripts_icons_and_attachment(read_real) -> None:
    found = page_references(read_real("hearing-id3167072.html"), PAGE)
    by_role: dict[str, list[str]] = {}
    for reference in found:
        by_role.setdefault(reference.role, []).append(reference.url)
    assert by_role["stylesheet"] == [f"{BASE}/dist-web/css/main.css?v=202606173_211653"]
    assert len(by_role["script"]) == 6
    assert all(url.endswith("?v=202606173_211653") for url in by_role["script"])
    assert len(by_role["icon"]) == 16  # 9 apple-touch, 6 favicons, the tile image
    assert f"{BASE}/dist-web/ico/mstile-144x144.png" in by_role["icon"]
    [document] = [r for r in found if r.kind is Kind.ATTACHMENT]
    assert document.url.startswith(f"{BASE}/contentassets/b04cfc23c69343ef800ce6a45f8cc456/")
    assert document.url.endswith(".pdf") and document.text == "Høringsnotat"
    # og:image and twitter:image are for other sites' previews, not for rendering.
    assert not [url for url in urls(found) if "opengraph" in url or "twitter_" in url]


def test_every_srcset_candidate_and_picture_source() -> None:
    html = b"""<html><body><picture>
      <source media="(max-width: 599px)" srcset="/b/x.jpg?width=480 480w, /b/x.jpg?width=960 960w">
      <img src="/b/x.jpg" srcset="/b/x.jpg?width=960 960w,/b/x.jpg?width=1920 1920w" alt="">
    </picture><img data-src="/lazy.png"><video poster="/poster.jpg"></video></body></html>"""
    assert urls(page_references(html, PAGE)) == [
        f"{BASE}/b/x.jpg",
        f"{BASE}/lazy.png",
        f"{BASE}/poster.jpg",
        f"{BASE}/b/x.jpg?width=480",  # srcsets in document order: the phone's <source> first
        f"{BASE}/b/x.jpg?width=960",
        f"{BASE}/b/x.jpg?width=1920",
    ]


def test_srcset_urls_with_commas_and_descriptors() -> None:
    assert srcset_urls("a.jpg 480w, b,c.jpg 2x,d.jpg") == ["a.jpg", "b,c.jpg", "d.jpg"]
    assert srcset_urls("  a.jpg 1x,b.jpg 1.5x ,  ") == ["a.jpg", "b.jpg"]
    # As browsers read it (HTML's srcset parser): a comma inside a URL does not split it.
    assert srcset_urls("a.jpg,b.jpg 2x") == ["a.jpg,b.jpg"]
    assert srcset_urls("") == []


def test_link_rels_that_load_and_those_that_do_not() -> None:
    html = b"""<html><head><base href="https://www.regjeringen.no/sub/">
      <link rel="stylesheet" href="a.css"><link rel="Shortcut Icon" href="/f.ico">
      <link rel="preload" as="font" href="/f.woff2"><link rel="manifest" href="/m.json">
      <link rel="modulepreload" href="/m.js"><link rel="alternate" hreflang="en" href="/en/">
      <link rel="next" href="?page=2"><link rel="alternate stylesheet" href="/alt.css">
      <style>body { background: url(bg.png) }</style></head>
      <body><p style="background-image: url('/inline.png')">x</p>
      <script src="s.js#frag"></script><script>var a = "<img src=no.png>";</script>
      <!-- <img src="/commented.png"> --></body></html>"""
    found = page_references(html, PAGE)
    assert [(r.role, r.url) for r in found] == [
        ("stylesheet", f"{BASE}/sub/a.css"),
        ("icon", f"{BASE}/f.ico"),
        ("preload", f"{BASE}/f.woff2"),
        ("manifest", f"{BASE}/m.json"),
        ("script", f"{BASE}/m.js"),
        ("script", f"{BASE}/sub/s.js"),
        ("css-url", f"{BASE}/sub/bg.png"),
        ("css-url", f"{BASE}/inline.png"),
    ]


def test_documents_by_their_name_and_only_when_asked() -> None:
    html = b"""<html><body><div class="article-body">
      <p><a href="/contentassets/ab/rapport.PDF?uid=123">Rapport (pdf)</a></p>
      <ul><li><a href="/contentassets/cd/tabell.xlsx">Tabell</a></li>
      <li><a href="https://www.fhi.no/rapport.docx">Off-site</a></li>
      <li><a href="/no/aktuelt/id1/">A page</a></li><li><a href="mailto:a@b.no">Mail</a></li>
      <li><a href="/arkiv.zip#x">  Arkiv
         2026 </a></li><li><a href="/bilde.jpg">Not a document</a></li></ul></div></body></html>"""
    documents = page_references(html, PAGE)
    assert [(r.url, r.text) for r in documents] == [
        (f"{BASE}/contentassets/ab/rapport.PDF?uid=123", "Rapport (pdf)"),
        (f"{BASE}/contentassets/cd/tabell.xlsx", "Tabell"),
        ("https://www.fhi.no/rapport.docx", "Off-site"),  # scope is the crawl's business
        (f"{BASE}/arkiv.zip", "Arkiv 2026"),
    ]
    assert {r.kind for r in documents} == {Kind.ATTACHMENT}
    assert page_references(html, PAGE, attachments=False) == []


def test_css_imports_urls_comments_and_data_urls() -> None:
    css = b"""@charset "utf-8";
    @import url("print.css?v=2") print; @import 'fonts.css';
    /* url(commented.png) @import "no.css"; */
    @font-face { src: url(data:font/woff2;base64,AAAA) ,
                      url( "../fonts/x.ttf?v=2" ) format("truetype"); }
    .a { background: url(../img/a.png) }
    .b { background: URL(  'https://cdn.example.net/b.png'  ) }"""
    found = css_references(css, f"{BASE}/dist-web/css/main.css?v=2")
    assert [(r.role, r.url) for r in found] == [
        ("css-import", f"{BASE}/dist-web/css/print.css?v=2"),
        ("css-import", f"{BASE}/dist-web/css/fonts.css"),
        ("css-url", f"{BASE}/dist-web/fonts/x.ttf?v=2"),
        ("css-url", f"{BASE}/dist-web/img/a.png"),
        ("css-url", "https://cdn.example.net/b.png"),
    ]


def test_urls_are_escaped_as_requests_are_and_odd_ones_are_dropped() -> None:
    assert absolute("/contentassets/x/høring notat.pdf", PAGE) == (
        f"{BASE}/contentassets/x/h%C3%B8ring%20notat.pdf"
    )
    assert absolute("/a%20b.pdf", PAGE) == f"{BASE}/a%20b.pdf"  # not escaped twice
    for raw in ("", "#top", "javascript:void(0)", "data:image/png;base64,AA", "http://[::1"):
        assert absolute(raw, PAGE) is None
    assert is_document(f"{BASE}/x/Rapport.PDF?uid=1") and not is_document(f"{BASE}/pdf/")


def test_nothing_from_what_is_not_html_and_a_bound_on_hostile_pages() -> None:
    assert page_references(b"", PAGE) == []
    assert page_references(b"\x00\xff binary", PAGE) == []
    many = b"".join(b'<img src="/i%d.png">' % i for i in range(MAX_REFERENCES + 50))
    assert len(page_references(b"<html><body>" + many + b"</body></html>", PAGE)) == (
        MAX_REFERENCES
    )
