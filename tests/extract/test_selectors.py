"""Selector evaluation: has-class() compiled to plain XPath keeps parsel's verdicts."""

from __future__ import annotations

import random

import pytest
from lxml import etree

from archive.extract import selectors as s
from archive.extract.article import parse
from archive.extract.selectors import xpath

# HTML whitespace includes the form feed, XPath's normalize-space() does not.
PIECES = ["x", "a", "-", "x-", "-x", " ", "\t", "\n", "\r", "\f", "å", "_", "X", "\xa0", "\v"]


def page_of_classes(count: int = 2000, seed: int = 11) -> bytes:
    draw = random.Random(seed)
    divs = [
        f'<div id="d{i}" class="{"".join(draw.choices(PIECES, k=draw.randint(0, 6)))}"></div>'
        for i in range(count)
    ]
    divs.append('<div id="none"></div>')
    return f"<html><body>{''.join(divs)}</body></html>".encode()


@pytest.mark.parametrize("name", ["x", "a", "x-", "article-body"])
def test_has_class_matches_parsels_function(name: str) -> None:
    root = parse(page_of_classes())
    expression = f'//div[has-class("{name}")]'
    assert "normalize-space(@class)" in xpath(expression).path
    ours = [el.get("id") for el in xpath(expression)(root)]
    parsels = [el.get("id") for el in etree.XPath(expression)(root)]
    assert ours == parsels
    assert ours or name == "article-body"


def test_every_selector_compiles() -> None:
    chains = [value for name, value in vars(s).items() if name.isupper()]
    expressions = [e for c in chains if isinstance(c, list) for e in c if e.startswith((".", "/"))]
    expressions += [e for c in s.NON_ARTICLE.values() for e in c]
    for expression in expressions:
        xpath(expression)
