"""Paths walked in Python (paths.py) select what XPath selects, in the same order."""

from __future__ import annotations

import random

import pytest
from lxml import etree

from archive.extract import selectors as s
from archive.extract.article import parse
from archive.extract.paths import walker
from archive.extract.selectors import Element, xpath

TAGS = ["div", "span", "a", "p", "ul", "li", "header", "aside", "main", "h1"]
# Class values with tokens, near misses and every kind of whitespace around them.
CLASSES = [
    "a", "b", "a b", "b a", "ab", "a-b", " a ", "a\tb", "a\x0cb", "a\xa0b", "a\vb", "x a\n",
    "article-body", "article-body-wide", "article", "content-row article", "A", "",
]  # fmt: skip
# Nested matches, repeated steps, "*", several classes: what the site's selectors do not
# show, but a walk must get right.
EXPRESSIONS = [
    "//div", "//*", '//div[has-class("a")]', '//span[has-class("a")]//a', "//main//li",
    "./div", ".//div", "./*", ".//*", './div[has-class("a")]/span', './/div[has-class("a")]',
    './/div[has-class("a")][has-class("b")]', './/span//a', './/div//div//div', './*/*/*',
    './div/div//span//a', './/*[has-class("b")]//*[has-class("a")]', "./p/a", ".//li//p",
    './/div[has-class("article-body")]', './/*[has-class("article")]//h1',
]  # fmt: skip


def random_page(draw: random.Random, elements: int = 300) -> bytes:
    """Elements nested at random, with classes and text between them."""
    parts: list[str] = []
    open_tags: list[str] = []
    for _ in range(elements):
        if open_tags and draw.random() < 0.4:
            parts.append(f"</{open_tags.pop()}>")
            continue
        tag = draw.choice(TAGS)
        value = draw.choice(CLASSES)
        attribute = "" if draw.random() < 0.2 else f' class="{value}"'
        parts.append(f"<{tag}{attribute}>t{draw.randint(0, 9)}")
        if draw.random() < 0.1:
            parts.append("<!-- a comment --><?pi x?>")
        open_tags.append(tag)
    parts.extend(f"</{tag}>" for tag in reversed(open_tags))
    return f"<html><head></head><body>{''.join(parts)}</body></html>".encode()


def simple_selectors() -> list[str]:
    chains = [value for name, value in vars(s).items() if name.isupper()]
    chains += list(s.NON_ARTICLE.values())
    found = [e for c in chains if isinstance(c, list) for e in c if isinstance(e, str)]
    found += [c for c in chains if isinstance(c, str) and c.startswith((".", "/"))]
    return [e for e in found if walker(e) is not None]


def test_the_templates_lookups_are_walked() -> None:
    walked = simple_selectors()
    for chain in (s.MAIN, s.ARTICLE_CONTENT, s.ARTICLE_TITLE, s.ARTICLE_BODY, s.SIDEBAR):
        assert chain[0] in walked
    for chain in (s.ARTICLE_INFO, s.ARTICLE_LEAD, s.INFO_TYPE, s.INFO_OWNER_LINKS, s.TOPIC_LINKS):
        assert chain[0] in walked
    # Not walked: attribute tests, "or", nested paths in a predicate, a child after "//".
    for expression in ('//*[@id="mainContent"]', s.NON_ARTICLE["error-page"][0], s.JSON_LD):
        assert walker(expression) is None
    for expression in (s.ARTICLE_INFO[2], ".//div/p", "/html/body", "div", "./div[1]"):
        assert walker(expression) is None


@pytest.mark.parametrize("seed", range(12))
def test_a_walk_selects_what_xpath_selects(seed: int) -> None:
    draw = random.Random(seed)
    root = parse(random_page(draw))
    everything: list[Element] = list(root.iter("*"))
    contexts = [root, *draw.sample(everything, 25)]
    for expression in EXPRESSIONS + simple_selectors():
        path = walker(expression)
        assert path is not None, expression
        for context in contexts:
            expected: list[Element] = xpath(expression)(context)
            assert path.every(context) == expected, (expression, context)
            assert path.first(context) is (expected[0] if expected else None)


def test_the_selectors_pick_the_same_nodes(sample_pages: list[tuple[bytes, str]]) -> None:
    """On the replica's article pages, chain by chain, from every element as context."""
    chains = [value for value in vars(s).values() if isinstance(value, list)]
    chains = [c for c in chains if all(isinstance(e, str) for e in c)]
    for body, _ in sample_pages[:3]:
        root = parse(body)
        for context in root.iter("main", "div", "aside", "p"):
            for chain in chains:
                for expression in chain:
                    if (path := walker(expression)) is not None:
                        assert path.every(context) == xpath(expression)(context)


def test_comments_and_instructions_are_not_elements() -> None:
    """A tree kept with its comments and processing instructions (a parser other than
    extraction's): ``*`` steps pass over them as XPath does."""
    page = b"<html><body><div><!-- c --><?pi x?><p>a</p><!-- d --><p>b<?pi y?><a>c</a></p></div>"
    root = etree.fromstring(page, etree.HTMLParser(remove_comments=False, remove_pis=False))
    assert any(not isinstance(node.tag, str) for node in root.iter())
    for expression in ("//*", ".//*", "./*", "./*/*", "./*/*/*", "./*/*/*/*", "./body/*/*"):
        path = walker(expression)
        assert path is not None
        for context in root.iter("*"):
            expected: list[Element] = xpath(expression)(context)
            assert path.every(context) == expected, (expression, context)
            assert path.first(context) is (expected[0] if expected else None)
