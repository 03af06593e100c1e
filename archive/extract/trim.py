"""Cut an article page down to the part extraction reads, before it is parsed.

Three quarters of every page are the megamenu, the footer and their scripts, which
extraction never reads, yet parsing them was most of its cost. The cut keeps the bytes up
to ``</head>`` (metadata, and the ``<html>`` start tag with its lang), the ``<body>`` start
tag and the ``<main>`` element.

A cut is offered only when the bytes it drops cannot change what extraction finds in the
bytes it keeps: nothing read document-wide (``<meta>``, ``<title>``, JSON-LD) is dropped,
and ``<main>`` and ``</main>`` are found where the HTML tokenizer would see them as tags:
outside comments, raw text (scripts, styles, ...) and other tags. Finding them takes a scan
for those few constructs, not a tokenizer (a regex tokenizer took a third of the time the
cut saves): anything unusual in the dropped bytes makes the caller parse the whole page.
Attribute quotes are counted, not tracked, so two values left open before ``<main>`` can
hide each other. The caller also checks the parsed cut (article.py). Where the bytes
before ``<main>`` start as those of a page scanned before (the megamenu), the scan resumes
where they part (prefixes.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from archive.extract.prefixes import KnownRegions, Resume, known_regions

_WHITESPACE = b"\t\n\f\r "
_NAME_ENDS = frozenset(bytes([c]) for c in _WHITESPACE + b"/>")
_NAME_END = rb"(?=[\t\n\f\r />])"
# Constructs that change how the bytes after them are tokenized, and the elements that
# must not be dropped; written as a trie, as each "<" costs the regex engine an attempt.
_MARKUP = re.compile(
    rb"<(?:/(?:main" + _NAME_END + rb"|(?![a-z]))"
    rb"|(?:m(?:ain|eta)|t(?:itle|extarea)|s(?:cript|tyle)|xmp|iframe|no(?:embed|frames)"
    rb"|plaintext)" + _NAME_END + rb"|!(?:--)?|\?)"
)
_BOGUS_COMMENTS = frozenset({b"<!", b"<?", b"</"})  # and doctypes: all end at the next ">"
# Their content is text up to their end tag (raw text and escapable raw text elements).
_RAW_TEXT = frozenset(
    {b"script", b"style", b"textarea", b"title", b"xmp", b"iframe", b"noembed", b"noframes"}
)
# A start or end tag whose attribute values are all closed; bounded backtracking.
_TAG = re.compile(
    rb"</?[a-z][^\t\n\f\r />]*"
    rb"(?:[\t\n\f\r /]+[^\t\n\f\r />=]+"
    rb"(?:[\t\n\f\r ]*=[\t\n\f\r ]*(?:\"[^\"]*\"|'[^']*'|[^\t\n\f\r >\"']+))?)*"
    rb"[\t\n\f\r /]*>"
)
_TAG_ANY_CASE = re.compile(_TAG.pattern, re.IGNORECASE)
_ALL_BUT_QUOTES = bytes(c for c in range(256) if c not in b"\"'")
# Read from the whole document: a copy after </main> could change the result. Searched
# with one expression whose every match starts with "<" (the regex engine then looks only
# at each "<": ~40% of two or three plain searches over the same bytes).
_READ_ANYWHERE = re.compile(rb"<(?:meta|title)")
_JSON_LD = b"ld+json"
_JSON_LD_PLUS = _JSON_LD.index(b"+")
# The first "</head" as a whole tag name, unless a "<main" comes before it; then "<body".
# Matched in the bytes as they are: for bytes, IGNORECASE folds ASCII letters alone, as
# bytes.lower() does.
_HEAD_CLOSE_OR_MAIN = re.compile(rb"<(?:/head" + _NAME_END + rb"|main)", re.IGNORECASE)
_BODY_ANY_CASE = re.compile(rb"<body" + _NAME_END, re.IGNORECASE)


@dataclass(frozen=True)
class Cut:
    """Where the parts of a page's cut are in its bytes: the head ends at ``head_end``
    (after ``</head>``, which starts at ``head_close``), then the ``<body>`` start tag and
    the ``<main>`` element; ``meta_in_main``: a ``<meta`` tag is in it (the scan met one)."""

    head_close: int
    head_end: int
    body_start: int
    body_end: int
    main_start: int
    main_end: int
    meta_in_main: bool


def find_cut(body: bytes, known: KnownRegions | None = None) -> Cut | None:
    """Where the head, ``<body>`` start tag and ``<main>`` element of ``body`` are, or None
    if unsure; ``known`` the regions before ``<main>`` scanned before (prefixes.py; the
    thread's own if None).

    The markup is matched as ASCII case-insensitive HTML is: the head's few tags by
    expressions that ignore case, the rest in ``body.lower()`` (offsets stay those of
    ``body``). Only the bytes the scan reads are lowered: not the ~30 kB of a known region
    it resumes after (lowering the whole page was ~6% of the instructions preparing it)."""
    found_head = _HEAD_CLOSE_OR_MAIN.search(body)
    if found_head is None or found_head[0].lower() == b"<main":
        return None
    head_close = found_head.start()
    head_end = _tag_end(body, head_close, _TAG_ANY_CASE)
    found_body = _BODY_ANY_CASE.search(body, head_end) if head_end >= 0 else None
    if found_body is None or body[head_end : found_body.start()].strip(_WHITESPACE):
        return None
    body_start = found_body.start()
    body_end = _tag_end(body, body_start, _TAG_ANY_CASE)
    found = _main_element(body, body_end, known_regions() if known is None else known)
    if found is None:
        return None
    lower, main_start, main_end, meta_in_main, (double, single) = found
    if _READ_ANYWHERE.search(lower, main_end) or has_json_ld(lower, main_end):
        return None
    # An attribute value left open runs to the next quote of its kind, over any markup and
    # maybe over <main>. The scan does not track quotes; an odd count of either kind before
    # <main> is the likely trace of one.
    if double % 2 or single % 2:
        return None
    return Cut(head_close, head_end, body_start, body_end, main_start, main_end, meta_in_main)


def has_json_ld(lower: bytes, start: int) -> bool:
    """Whether "ld+json" is in ``lower`` from ``start``: its "+" found by memchr (the bytes
    after ``</main>`` hold none, most often), where a search for the whole took ~0.55 ns a
    byte (2.6 µs a page)."""
    plus = lower.find(b"+", start + _JSON_LD_PLUS)
    while plus >= 0:
        if lower.startswith(_JSON_LD, plus - _JSON_LD_PLUS):
            return True
        plus = lower.find(b"+", plus + 1)
    return False


def _find_tag(lower: bytes, name: bytes, start: int) -> int:
    """The offset of the first ``name`` as a whole tag name ("</head" but not "</header")."""
    at = lower.find(name, start)
    while at >= 0 and lower[at + len(name) : at + len(name) + 1] not in _NAME_ENDS:
        at = lower.find(name, at + len(name))
    return at


def _tag_end(lower: bytes, at: int, tag: re.Pattern[bytes] | None = None) -> int:
    """The offset after the tag starting at ``at``; -1 if an attribute value is left open.
    ``tag``: the expression, if not ``_TAG`` (``lower`` is then any case)."""
    found = (_TAG if tag is None else tag).match(lower, at)
    return found.end() if found else -1


def _main_element(
    body: bytes, start: int, known: KnownRegions
) -> tuple[bytes, int, int, bool, tuple[int, int]] | None:
    """``body`` lowered where the scan reads it, where ``<main>`` starts and ``</main>``
    ends, whether a ``<meta`` tag is in it, and the quotes of either kind before ``<main>``,
    scanning on from text at ``start`` (or at a checkpoint it shares with a region scanned
    before); a region scanned whole is kept if it shares less than half."""
    if start < 0:
        return None
    resume = known.resume(body, start)
    stretches: list[tuple[int, int]] | None = [] if resume is None else None
    if resume is None:
        resume = Resume(start, start, (0, 0))
    # Before ``search_from`` the scan reads only to tell markup from text in a tag, which
    # it does in any case (``_outside_tags``): the menu it resumes after is not lowered.
    lower = _lowered_from(body, resume.search_from)
    found = _scan(lower, resume.text_start, resume.search_from, stretches)
    if found is None:
        return None
    main_start, main_end, meta_in_main = found
    if stretches is None and 2 * (resume.search_from - start) < main_start - start:
        lower = _lowered_from(body, start)
        _scan(lower, start, start, stretches := [])
    if stretches is not None:
        known.learn(body, start, stretches)
    quotes = lower[resume.search_from : main_start].translate(None, _ALL_BUT_QUOTES)
    double, single = resume.quotes
    quotes_before = (double + quotes.count(b'"'), single + quotes.count(b"'"))
    return lower, main_start, main_end, meta_in_main, quotes_before


def _lowered_from(body: bytes, at: int) -> bytes:
    """``body`` with the bytes from ``at`` on lowered (ASCII only: offsets stay)."""
    return b"".join((memoryview(body)[:at], body[at:].lower()))


def _scan(
    lower: bytes, text_start: int, search_from: int, stretches: list[tuple[int, int]] | None
) -> tuple[int, int, bool] | None:
    """The scan of ``_main_element`` from text at ``text_start``, with nothing to find
    before ``search_from``; ``stretches`` (if given) gets each (position, markup found) up
    to ``<main>``. One loop, longer than most: the scan's states read best in one place."""
    main_start = -1
    meta_in_main = False
    position = text_start
    match = _MARKUP.search(lower, search_from)
    while match:
        at = match.start()
        if not _outside_tags(lower, position, at):
            return None
        if stretches is not None and main_start < 0:
            stretches.append((position, at))
        markup = match[0]
        name = markup[1:]
        if markup == b"<!--":
            end = comment_end(lower, at)
        elif markup in _BOGUS_COMMENTS:
            end = _after(lower, b">", at)
        elif name in _RAW_TEXT:
            if main_start < 0 and (name == b"title" or _is_json_ld(lower, at)):
                return None  # read by extraction, and would be dropped
            end = raw_text_end(lower, name, at)
        elif name == b"main":
            if main_start >= 0:
                return None  # nested
            main_start, end = at, match.end()
        elif name == b"/main":
            end = _tag_end(lower, at)
            return (main_start, end, meta_in_main) if main_start >= 0 and end >= 0 else None
        elif name == b"meta" and main_start >= 0:
            meta_in_main = True
            end = match.end()
        else:  # a dropped <meta>, or <plaintext>: everything after it is text
            return None
        if end < 0:
            return None
        position = end
        match = _MARKUP.search(lower, position)
    return None


def _outside_tags(page: bytes, text_start: int, at: int) -> bool:
    """Whether the "<" at ``at`` starts markup, given that ``text_start`` is in text; in
    any case (``page`` lowered or not before ``at``)."""
    last_close = page.rfind(b">", text_start, at)
    if last_close < 0:
        return page.find(b"<", text_start, at) < 0
    if page.find(b"<", last_close, at) >= 0:
        return False
    last_open = page.rfind(b"<", text_start, last_close)
    return last_open < 0 or _TAG_ANY_CASE.fullmatch(page, last_open, last_close + 1) is not None


def _after(lower: bytes, text: bytes, start: int) -> int:
    """The offset after the next ``text`` from ``start``; -1 if there is none."""
    at = lower.find(text, start)
    return at + len(text) if at >= 0 else -1


def comment_end(lower: bytes, at: int) -> int:
    # "<!-->" and "<!--->" are empty comments; "--!>" also ends one.
    end = lower.find(b"-->", at + 2)
    bang = lower.find(b"--!>", at + 2, end if end >= 0 else len(lower))
    if bang >= 0:
        return bang + 4
    return end + 3 if end >= 0 else -1


def raw_text_end(lower: bytes, name: bytes, at: int) -> int:
    start = _tag_end(lower, at)
    end = _find_tag(lower, b"</" + name, start) if start >= 0 else -1
    # In a script, "<!--" starts an escaped section in which "</script>" may not end it.
    if end < 0 or (name == b"script" and lower.find(b"<!--", start, end) >= 0):
        return -1
    return _tag_end(lower, end)


def _is_json_ld(lower: bytes, at: int) -> bool:
    return lower.find(b"ld+json", at, _tag_end(lower, at)) >= 0
