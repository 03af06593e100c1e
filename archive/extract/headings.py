"""The headings of an archived article page's body, with their levels.

``body`` keeps a heading as a block of plain text (``archive.model.Article``); the web
interface reads them back from the page to show them as headings again.
"""

from __future__ import annotations

from archive.extract import selectors as s
from archive.extract.article import NotAnArticle, parse
from archive.extract.selectors import first
from archive.extract.text import HEADING_LEVELS, text_of

_BODY_HEADINGS = ("h2", "h3", "h4", "h5", "h6")


def headings(html: bytes) -> dict[str, int]:
    """Each heading's text (as ``body`` holds it) → its level (2-6); empty for a page that is
    not an article."""
    try:
        root = parse(html)
    except NotAnArticle:
        return {}
    body = first(root, s.ARTICLE_BODY)
    if body is None:
        return {}
    found: dict[str, int] = {}
    for element in body.iter(*_BODY_HEADINGS):
        text = text_of(element)
        if text:
            found.setdefault(text, HEADING_LEVELS[str(element.tag)])
    return found
