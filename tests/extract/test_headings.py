"""Headings of an archived page's body, read back for the web interface's article page."""

from __future__ import annotations

from archive.extract.headings import headings

PAGE = b"""<!DOCTYPE html><html lang="nb"><head><title>T - regjeringen.no</title></head>
<body><main><div class="article-body">
<p>Innledning.</p><h2>Tall for 2027</h2><p>Tekst.</p>
<h3>Slik <em>fordeles</em> midlene</h3><ul><li>a</li></ul><h2></h2>
</div><h2>Not in the body</h2></main></body></html>"""


def test_body_headings_with_their_levels() -> None:
    assert headings(PAGE) == {"Tall for 2027": 2, "Slik fordeles midlene": 3}


def test_a_page_without_a_body_or_not_html_has_none() -> None:
    assert headings(b"<html><body><p>x</p></body></html>") == {}
    assert headings(b"\x00\x01 not html") == {}
