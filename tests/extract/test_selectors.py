"""Selector evaluation: has-class() compiled to plain XPath keeps parsel's verdicts."""

from __future__ import annotations

import random
import subprocess
import sys

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


def test_has_class_is_parsels_own_without_importing_parsel() -> None:
    """The same elements as parsel's has-class() for odd class attributes and arguments;
    extraction alone does not import parsel (a fresh interpreter)."""
    from parsel.xpathfuncs import has_class as parsels

    from archive.extract.selectors import has_class

    namespace = etree.FunctionNamespace(None)
    namespace["ours-has-class"] = has_class  # parsel's import registered its own as has-class
    namespace["parsels-has-class"] = parsels
    rng = random.Random(7)
    tokens = ["a", "b", "article", "article-body", "A", "æøå", "x y", ""]
    spaces = [" ", "  ", "\t", "\n", "\r", "\x0c", "\xa0", "\u2003", ""]
    try:
        for _ in range(300):
            paragraphs = []
            for _ in range(8):
                words = [rng.choice(tokens) for _ in range(rng.randint(0, 4))]
                value = "".join(rng.choice(spaces) + word for word in words) + rng.choice(spaces)
                paragraphs.append(f'<p class="{value}"></p>' if rng.random() < 0.9 else "<p></p>")
            root = parse(f"<html><body><div>{''.join(paragraphs)}</div></body></html>".encode())
            root = root.find(".//div")
            asked = ", ".join(repr(rng.choice(tokens)) for _ in range(rng.randint(1, 3)))
            ours = root.xpath(f"./p[ours-has-class({asked})]")
            theirs = root.xpath(f"./p[parsels-has-class({asked})]")
            assert ours == theirs, asked
        for arguments in ("", "1", "'a', 2"):
            raised = []
            for name in ("ours-has-class", "parsels-has-class"):
                with pytest.raises(Exception) as error:  # noqa: PT011 (the same as parsel's)
                    root.xpath(f"./p[{name}({arguments})]")
                raised.append((type(error.value), str(error.value)))
            assert raised[0] == raised[1]
    finally:
        del namespace["parsels-has-class"], namespace["ours-has-class"]
    probe = (
        "import sys; from archive.ingest import prepare;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('parsel', 'pypdfium2')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert loaded.stdout.strip() == "[]"
