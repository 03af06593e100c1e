"""An article page's head read from its bytes: its metadata, title and JSON-LD.

Of the time lxml took to parse an article page's cut (trim.py), the head was more than
half, and reading its ~40 ``<meta>`` elements back out of the tree as much again; all
extraction wants from it is a few attribute values, the title and, rarely, JSON-LD.

Two regular expressions give the same without a tree or a Python step per tag. ``_HEAD``
must match the whole head: the doctype and comments, then ``<html>``, ``<head>``, and only
``<meta>`` in the shapes the CMS writes, ``<title>``, ``<link>``, ``<base>``, ``<script>``,
``<style>`` and ``<template>``, attribute values in double quotes; no "<" in text, values
or comments, no control character, and in scripts no "<" that starts "</", "<!", "<meta",
"<title" or "<script" (a script's text is not markup, but the searches below would take it
for some). Every ``<meta``, ``<title`` and JSON-LD ``<script`` in such a head is then a
tag, so plain searches find them in document order (``_META``, ``_TITLE``, ``_JSON_LD``).
Values hold only numeric references to printable characters or ``&amp;``, ``&lt;``, ``&gt;``,
``&quot;``, on which every HTML parser agrees; they are decoded when read (``Meta``).
Anything else returns None, and the caller parses the head with lxml as before
(article.py). Measured in place: extraction ~8% faster a page (README, Benchmarks). The
template's bytes of a head (its runs shared with heads read before) are not matched again:
head_runs.py gives ``_HEAD``'s verdict matching only the rest (~0.6 of its time).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from archive.extract import selectors as s
from archive.extract.head_runs import known_heads

# No head text, value or comment holds a "<" where markup could start, nor a character a
# parser could drop or complain about (C0 controls but tab, line feed and carriage return;
# DEL): the classes below leave them out, so a head holding one does not match, without a
# pass of its own over the head.
_CONTROLS = rb"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
_TEXT = rb"[^<" + _CONTROLS + rb"]"
_IN_VALUE = rb'[^"<\t\n\r' + _CONTROLS + rb"]"
_SPACE = rb"[\t\n\r ]"  # HTML whitespace but the form feed, a control here
_VALUE = rb'"' + _IN_VALUE + rb'*+"'
_ATTRIBUTES = rb"(?: [a-z][a-z0-9_.:-]*+(?:=" + _VALUE + rb")?)*+ ?/?>"
# Script text: no "</", no "<!--" (its escape states), and none of the tags searched for.
_SCRIPT_TEXT = rb"(?:" + _TEXT + rb"++|<(?![/!]|meta|title|script))*+"
# "\r": some parsers drop it
_JSON_LD_TEXT = rb"(?:[^<\r" + _CONTROLS + rb"]++|<(?![/!]|meta|title|script))*+"
_META_SHAPES = (
    rb'<meta (?:(name|property)="(' + _IN_VALUE + rb'*+)" content="(' + _IN_VALUE + rb'*+)"'
    rb"|charset=" + _VALUE + rb"|http-equiv=" + _VALUE + rb" content=" + _VALUE + rb")"
    rb" ?/?>"
)
_TITLE_SHAPE = rb"<title>(" + _TEXT + rb"*+)</title>"
_JSON_LD_SHAPE = rb'<script type="application/ld\+json">(' + _JSON_LD_TEXT + rb")</script>"
_COMMENT = rb"<!--(?![->])(?:[^<\-" + _CONTROLS + rb"]++|-(?!-))*+-->"
# One item of the head (an atomic group: the first alternative that matches is kept).
_ITEM = (
    rb"(?>" + _TEXT + rb"++|" + _COMMENT + rb"|" + _META_SHAPES + rb"|" + _TITLE_SHAPE + rb"|"
    + _JSON_LD_SHAPE
    + rb"|<script(?: (?!type=)[a-z][a-z0-9_.:-]*+(?:=" + _VALUE + rb")?)*+>" + _SCRIPT_TEXT
    + rb"</script>|<style" + _ATTRIBUTES + _TEXT + rb"*+</style>"
    + rb"|<(?:link|base|template)" + _ATTRIBUTES + rb"|</template>)"
)  # fmt: skip
_BEFORE_HTML = rb"(?:" + _SPACE + rb"++|" + _COMMENT + rb"|<!(?:DOCTYPE|doctype) html>)*+"
_BEFORE_HEAD = rb"(?:" + _SPACE + rb"++|" + _COMMENT + rb")*+<head" + _ATTRIBUTES
# The item without its capture groups (no "(" in the pieces is escaped or in a class):
# with them, CPython 3.11's engine raises SystemError ("The span of capturing group is
# wrong") on a head with a meta by name before one by charset.
_UNCAPTURED_ITEM = re.sub(rb"\((?!\?)", b"(?:", _ITEM)
# The whole head: what read_head's verdict is, matched in parts (head_runs.py): up to
# the loop over items (the end of <html> marked by an empty group), then the loop.
_HEAD = re.compile(
    _BEFORE_HTML + rb"<html" + _ATTRIBUTES + rb"(" + _BEFORE_HEAD + _UNCAPTURED_ITEM + rb"*+)"
)
_PROLOGUE = re.compile(_BEFORE_HTML + rb"<html" + _ATTRIBUTES + rb"()" + _BEFORE_HEAD)
_ONE_ITEM = re.compile(_UNCAPTURED_ITEM)
_ITEMS = re.compile(_UNCAPTURED_ITEM + rb"*+")
# The metas extraction reads (s.META_KEYS), in a head _HEAD matched: the others' values
# are never decoded.
_META = re.compile(
    '<meta (?:name|property)="('
    + "|".join(map(re.escape, sorted(s.META_KEYS, key=len, reverse=True)))
    + ')" content="([^"<\t\n\r\x0c]*+)" ?/?>'
)
_TITLE = re.compile(_TITLE_SHAPE.decode())
_JSON_LD = re.compile(_JSON_LD_SHAPE.decode())
# Noncharacters a parser could drop or complain about; found in the decoded head, where
# a search for a character above U+00FF in a Latin-1 string (most heads) costs nothing.
_NONCHARACTERS = ("\ufffe", "\uffff")
# A reference every parser decodes alike: to a printable character below the surrogates
# (decimal 32-126 or 160-55295), or one of four names; any other "&" is unsure.
_DECIMAL = (
    r"3[2-9]|[4-9][0-9]|1[01][0-9]|12[0-6]|1[6-9][0-9]|[2-9][0-9]{2}|[1-9][0-9]{3}"
    r"|[1-4][0-9]{4}|5[0-4][0-9]{3}|55[01][0-9]{2}|552[0-8][0-9]|5529[0-5]"
)
_HEXADECIMAL = r"[2-6][0-9a-fA-F]|7[0-9a-eA-E]|[a-fA-F][0-9a-fA-F]|[1-9a-fA-F][0-9a-fA-F]{2}"
_HEXADECIMAL += r"|[1-9a-cA-C][0-9a-fA-F]{3}|[dD][0-7][0-9a-fA-F]{2}"
_UNSURE_REFERENCE = re.compile(
    rf"&(?!(?:#0*(?:{_DECIMAL})|#[xX]0*(?:{_HEXADECIMAL})|amp|lt|gt|quot);)"
)
_REFERENCE = re.compile(r"&(?:#([0-9]+)|#[xX]([0-9a-fA-F]+)|(amp|lt|gt|quot));")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"'}


class Meta(Mapping[str, str]):
    """Meta contents, their character references decoded when first read (most never are)."""

    def __init__(self, raw: dict[str, str]) -> None:
        self._raw = raw
        self._decoded: dict[str, str] = {}

    def __getitem__(self, key: str) -> str:
        value = self._raw[key]
        if "&" not in value:
            return value
        if (decoded := self._decoded.get(key)) is None:
            decoded = self._decoded[key] = _REFERENCE.sub(_referenced, value)
        return decoded

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


@dataclass(frozen=True)
class Head:
    """What extraction reads from a page's head, in document order."""

    meta: Meta  # the first content by name or property, of s.META_KEYS
    title: str | None  # the first <title>'s text
    prologue_end: int  # the offset after the <html> start tag
    text: str  # the head, decoded

    def json_ld(self) -> list[str]:
        """The text of the head's JSON-LD scripts (rarely wanted: found when asked)."""
        return _JSON_LD.findall(self.text)


def read_head(body: bytes, head_close: int) -> Head | None:
    """The head of ``body`` up to ``head_close`` (where ``</head>`` starts), or None if unsure."""
    head = body[:head_close]
    prologue = _PROLOGUE.match(head)
    if prologue is None or not known_heads(_ONE_ITEM, _ITEMS).match(head, prologue.end()):
        return None
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if any(code in text for code in _NONCHARACTERS):
        return None
    raw: dict[str, str] = {}
    for key, content in _META.findall(text):
        if key not in raw:
            if "&" in content and _UNSURE_REFERENCE.search(content):
                return None
            raw[key] = content
    meta = Meta(raw)
    title = _TITLE.search(text)
    if title is None:
        return Head(meta, None, prologue.start(1), text)
    if "&" in title[1] and _UNSURE_REFERENCE.search(title[1]):
        return None
    return Head(meta, _REFERENCE.sub(_referenced, title[1]), prologue.start(1), text)


def _referenced(match: re.Match[str]) -> str:
    decimal, hexadecimal, named = match.groups()
    if named:
        return _NAMED[named]
    return chr(int(decimal) if decimal else int(hexadecimal, 16))
