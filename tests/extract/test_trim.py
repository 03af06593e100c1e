"""Extraction from a page's cut (archive/extract/trim.py) gives what the whole page gives."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

pytest.importorskip("hypothesis", reason="hypothesis (a dev extra) is not installed")

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.extract import article as extract
from archive.extract.article import NotAnArticle, extract_article
from archive.extract.trim import find_cut, has_json_ld
from archive.model import Article

SITE = "https://www.regjeringen.no"
HEARING = "hearing-id3167072.html"
HEARING_URL = (
    f"{SITE}/no/dokumenter/kort-horing-avskogingsforordningen-og-forbud-mot-eksport-til-"
    "tredjeland/id3167072/"
)

Outcome = Article | tuple[str, str]


def readable_part(body: bytes) -> bytes | None:
    """The bytes a page's cut keeps, in order, or None where the page is parsed whole."""
    cut = find_cut(body)
    if cut is None:
        return None
    kept = ((0, cut.head_end), (cut.body_start, cut.body_end), (cut.main_start, cut.main_end))
    return b"".join(body[start:end] for start, end in kept)


def outcome(html: str | bytes, url: str) -> Outcome:
    try:
        return extract_article(html, url)
    except NotAnArticle as error:
        return type(error).__name__, error.reason


@pytest.fixture
def whole_parses(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The bodies extraction parsed whole rather than from their cut."""
    parsed: list[bytes] = []
    parse = extract.parse

    def recording(html: str | bytes) -> object:
        parsed.append(html)
        return parse(html)

    monkeypatch.setattr(extract, "parse", recording)
    return parsed


def whole_page_outcome(monkeypatch: pytest.MonkeyPatch, html: str | bytes, url: str) -> Outcome:
    with monkeypatch.context() as patch:
        patch.setattr(extract, "find_cut", lambda body: None)
        return outcome(html, url)


def test_every_page_of_a_replica_site(
    monkeypatch: pytest.MonkeyPatch, whole_parses: list[bytes]
) -> None:
    site_module = pytest.importorskip("replica.site", reason="replica.site not available")
    site = site_module.Site(articles=200, seed=3)
    for article_id in site.article_ids():
        target = site.article_url(article_id)
        body = site.render(target).body
        whole_parses.clear()
        fast = outcome(body, SITE + target)
        assert not whole_parses, f"{target} was not read from its cut"
        assert fast == whole_page_outcome(monkeypatch, body, SITE + target)
    for target in ("/no/aktuelt/finnes-ikke/id999/", site.listing_path("no"), "/no/id4/", "/"):
        body = site.render(target).body
        assert outcome(body, SITE + target) == whole_page_outcome(monkeypatch, body, SITE + target)


@pytest.mark.parametrize(
    "name", ["hearing-id3167072.html", "hearing-id3168423.html", "hearing-id3168525.html"]
)
def test_real_hearing_pages_are_read_from_their_cut(
    monkeypatch: pytest.MonkeyPatch, whole_parses: list[bytes], name: str, read_real
) -> None:
    raw = read_real(name)
    url = f"{SITE}/no/dokumenter/x/{name.removeprefix('hearing-').removesuffix('.html')}/"
    for html in (raw, raw.decode("utf-8")):
        whole_parses.clear()
        fast = outcome(html, url)
        assert not whole_parses
        assert isinstance(fast, Article) and fast.extracted_by == "template"
        assert fast == whole_page_outcome(monkeypatch, html, url)


def test_real_listing_and_fixtures_agree(
    monkeypatch: pytest.MonkeyPatch, read_real, fixtures_dir
) -> None:
    pages = [(read_real("hearings-listing-id1763-page-001.html"), f"{SITE}/no/id1763/")]
    for path in sorted(fixtures_dir.glob("*.html")):
        pages.append((path.read_bytes(), f"{SITE}/no/aktuelt/x/id3170001/"))
    for html, url in pages:
        assert outcome(html, url) == whole_page_outcome(monkeypatch, html, url)


def _insert_before(marker: bytes, insert: bytes) -> Callable[[bytes], bytes]:
    return lambda page: page.replace(marker, insert + marker, 1)


HEADER = b'<header class="pageHeader'
# Each leaves the article as it was; True: the cut still serves, False: the whole page must.
ODD_PAGES: dict[str, tuple[Callable[[bytes], bytes], bool]] = {
    "no </head>": (lambda page: page.replace(b"</head>", b""), False),
    "no <body> tag": (lambda page: re.sub(rb"<body[^>]*>", b"", page), False),
    "no </main>": (lambda page: page.replace(b"</main>", b""), False),
    "a comment after </head>": (lambda page: page.replace(b"</head>", b"</head><!-- -->"), False),
    "a <main> nested in main": (
        _insert_before(b'<div class="article-body">', b"<main></main>"),
        False,
    ),
    "an unclosed div in main": (lambda page: page.replace(b"</main>", b"<div></main>"), False),
    "<main> in an attribute": (_insert_before(HEADER, b'<div data-x="<main>"></div>'), False),
    "a meta tag after main": (
        _insert_before(b"<footer", b'<meta name="DC.Subject" content="Annet">'),
        False,
    ),
    "JSON-LD after main": (
        _insert_before(b"<footer", b'<script type="application/ld+json">{}</script>'),
        False,
    ),
    "a title in an SVG icon": (_insert_before(HEADER, b"<svg><title>Ikon</title></svg>"), False),
    "upper-case MAIN": (
        lambda page: page.replace(b"<main", b"<MAIN").replace(b"</main>", b"</MAIN >"),
        True,
    ),
    "<main> in a comment": (_insert_before(HEADER, b"<!-- <main> -->"), True),
    "<main> in a script": (_insert_before(HEADER, b'<script>w("<main></main>")</script>'), True),
    "a second main after main": (_insert_before(b"<footer", b"<main><p>Annen</p></main>"), True),
}


@pytest.mark.parametrize("change", sorted(ODD_PAGES))
def test_odd_main_markers(whole_parses: list[bytes], change: str, read_real) -> None:
    transform, cut_serves = ODD_PAGES[change]
    raw = read_real(HEARING)
    changed = transform(raw)
    assert changed != raw
    expected = extract_article(raw, HEARING_URL)
    whole_parses.clear()
    assert extract_article(changed, HEARING_URL) == expected
    assert bool(whole_parses) is not cut_serves


PAGE = (
    b'<!DOCTYPE html>\n<html lang="nb"><head><title>T</title>'
    b'<meta name="DC.Title" content="T"></head>\n'
    b'<body class="page-nyhet">\n<header class="pageHeader"><nav><a href="/">Forsiden</a></nav>'
    b"</header>\n<!-- <main> -->\n"
    b'<main id="mainContent" tabindex="-1"><div class="article">x</div></main>\n'
    b"<footer><script>var t = '<main>';</script></footer>\n</body></html>"
)


def test_the_cut_keeps_head_body_tag_and_main() -> None:
    assert readable_part(PAGE) == (
        b'<!DOCTYPE html>\n<html lang="nb"><head><title>T</title>'
        b'<meta name="DC.Title" content="T"></head><body class="page-nyhet">'
        b'<main id="mainContent" tabindex="-1"><div class="article">x</div></main>'
    )


@pytest.mark.parametrize(
    "old, new, cut",
    [
        (b"<!-- <main> -->", b"<!-- <main> ", False),  # main inside an unclosed comment
        (b"<!-- <main> -->", b"<script>", False),  # ... or script
        (b"<!-- <main> -->", b"<div class='x'", False),  # ... or start tag
        (b"<!-- <main> -->", b"<plaintext>", False),
        (b"<!-- <main> -->", b"<title>Ikon</title>", False),
        (b"<!-- <main> -->", b"<script><!-- </script>", False),  # an escaped script
        (b"<!-- <main> -->", b'<script type="application/ld+json">{}</script>', False),
        (b"<footer>", b"<footer><meta name='x' content='y'>", False),
        (b"x</div>", b"x</div><main></main>", False),  # a main inside main
        (b"</main>\n", b"</main><main></main>\n", True),  # a main after main
        (b"<!-- <main> -->", b"<script>var m = '<main>';</script>", True),
        (b'<body class="page-nyhet">', b'<body class="a>b">', True),
        (b'<body class="page-nyhet">', b'<body class="a>', False),
        (b"<nav>", b"<nav title='>", False),  # an attribute value left open...
        (b"<nav>", b"<nav title='x'>", True),  # ... or not
    ],
)
def test_whether_the_dropped_bytes_could_matter(old: bytes, new: bytes, cut: bool) -> None:
    page = PAGE.replace(old, new)
    assert page != PAGE
    assert (readable_part(page) is not None) is cut


# Markup that changes how what follows it is tokenized, or that extraction reads anywhere.
SNIPPETS = [
    b"<div>", b"</div>", b"<p>", b"</li>", b"<table><tr><td>", b"<!--", b"-->", b"--!>",
    b"<!-- x -->", b"<script>", b"</script>", b"<script><!--", b"<style>", b"<textarea>",
    b"<title>", b"</title>", b"<main>", b"</main>", b"<MAIN>", b"<plaintext>", b"<iframe>",
    b"<xmp>", b"<noscript>", b"</body>", b'<html lang="se">', b"<head>", b"</head>", b"<!",
    b"<?", b"</", b"<", b">", b'"', b"'", b'<a title="', b"<a title='", b"<![CDATA[",
    b'<meta name="DC.Subject" content="Annet">', b"<svg><title>Ikon</title></svg>",
    b'<script type="application/ld+json">{"@id": "https://www.regjeringen.no/id5/"}</script>',
    b'<body class="page-search">', b'<form id="challenge-form">', b"\xff", b"&#12;", b"\x0c",
]  # fmt: skip


# Markup that a head scan could misread, put anywhere around what it reads.
HEAD_SNIPPETS = [
    b"<!--", b"-->", b"<!-- x -->", b"<!-->", b"<script>", b"</script>", b"<script><!--",
    b'<script type="application/ld+json">{"@id": "https://www.regjeringen.no/id5/"}</script>',
    b"<style>", b"<title>", b"</title>", b"<title>Annen</title>", b"<textarea>", b"<noscript>",
    b"<plaintext>", b"<body>", b"<div>", b"<p>x</p>", b"<html lang='se'>", b"<head>", b"</head>",
    b'<meta name="DC.Type" content="Sok">', b'<meta name="DC.Title" content="Ny &amp; annen">',
    b'<META NAME="DC.Title" CONTENT="Store">', b"<meta name='DC.Title' content='Enkle'>",
    b'<meta content="Omvendt" name="DC.Title">', b'<meta name="DC.Title" content="a" name="b">',
    b'<meta name="DC.Title">', b'<meta name="DC.Title" content>', b'<meta property="og:url"'
    b' content="https://www.regjeringen.no/no/x/id77/">', b"&#0;", b"&#x80;", b"&#150;",
    b"&#xD800;", b"&#65535;", b"&nbsp;", b"&amp", b"&#229", b"&#xE5;", b"&quot;", b"&apos;",
    b"&", b"<", b">", b'"', b"'", b"=", b"/", b"\r", b"\n", b"\t", b"\x0c", b"\x01",
    b"\xef\xbf\xbe", b"\xff", b"\xc3\xa5", b"<![CDATA[", b"<?x?>", b"</ x>", b"<a title='<meta'>",
]  # fmt: skip
HEAD_MARKS = [
    b"<!doctype", b"<html", b"<head>", b"<title>", b"</title>", b'name="dc.title"',
    b'name="dc.type"', b'name="dc.date"', b'content="', b'property="og:url"', b"<script",
    b"</script>", b"ld+json", b"<template", b"<link", b"</head",
]  # fmt: skip


CUT_MARKS = [b"</head", b"<body", b"pageheader", b"<main", b'"article-body"', b"</main", b"<footer"]
# What to change, where, and how far from it: the cut's markers, or what the head scan reads.
CHANGES = {"cut": (SNIPPETS, CUT_MARKS, 60), "head": (HEAD_SNIPPETS, HEAD_MARKS, 40)}


@settings(
    max_examples=700, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.data(),
    page=st.integers(min_value=0, max_value=3),
    where=st.sampled_from(sorted(CHANGES)),
)
def test_any_one_change_gives_what_the_whole_page_gives(
    monkeypatch: pytest.MonkeyPatch,
    sample_pages: list[tuple[bytes, str]],
    data: st.DataObject,
    page: int,
    where: str,
) -> None:
    """One change: two attribute values left open before <main> can hide each other; the
    head is read from its bytes (head.py) only where that gives lxml's reading."""
    snippets, marks, reach = CHANGES[where]
    snippet = data.draw(st.sampled_from(snippets))
    near = data.draw(st.sampled_from(marks))
    offset = data.draw(st.integers(min_value=-reach, max_value=reach))
    body, url = sample_pages[page % len(sample_pages)]
    found = body.lower().find(near)
    at = min(max((found if found >= 0 else 0) + offset, 0), len(body))
    changed = body[:at] + snippet + body[at:]
    assert outcome(changed, url) == whole_page_outcome(monkeypatch, changed, url)


@pytest.mark.parametrize(
    "around, read",
    [(b"%s", True), (b"<!-- %s -->", False), (b"<script>var m = '%s';</script>", False)],
)
def test_a_meta_in_main_is_read_from_the_cut(
    monkeypatch: pytest.MonkeyPatch,
    whole_parses: list[bytes],
    sample_pages: list[tuple[bytes, str]],
    around: bytes,
    read: bool,
) -> None:
    """The cut's scan tells whether main holds a <meta> tag (its own, not in a comment or
    script): its content is read as if it were in the head."""
    body, url = sample_pages[0]
    undated = re.sub(rb'<meta name="DC.Date"[^>]*>', b"", body)
    assert undated != body
    meta = around.replace(b"%s", b'<meta name="DC.Date" content="2001-02-03">')
    page = undated.replace(b'<div class="article-body">', meta + b'<div class="article-body">', 1)
    fast = outcome(page, url)
    assert not whole_parses
    assert isinstance(fast, Article) and (fast.published == "2001-02-03") is read
    assert fast == whole_page_outcome(monkeypatch, page, url)


@pytest.mark.parametrize(
    "tail, found",
    [(b"", False), (b"ld+json", True), (b"+ld+jsonx", True), (b"ld+jso", False), (b"+", False)]
    + [(b"a+b ld+json", True), (b"ld-json +json", False), (b"LD+JSON", False)],
)
def test_json_ld_is_found_after_main_as_a_search_would(tail: bytes, found: bool) -> None:
    page = b"0123456789" + tail
    for start in range(len(page) + 1):
        expected = page.find(b"ld+json", start) >= 0
        assert has_json_ld(page, start) is expected
    assert has_json_ld(page, 5) is found
