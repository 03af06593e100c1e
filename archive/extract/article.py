"""Extract an Article from one regjeringen.no article page (plain Python over parsel/lxml).

An article page is parsed once, and only in part: its head and ``main`` element, cut out
of the bytes (trim.py); any other page is parsed whole. Lookups are precompiled XPath
expressions (selectors.py), scoped to ``main`` or the article column so that nothing
rescans the page, and the body is read in one walk (text.py).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lxml import etree

from archive.extract import selectors as s
from archive.extract.fallback import generic_content, meta_title
from archive.extract.head import Head, read_head
from archive.extract.plain_urls import is_canonical, join, path_and_query
from archive.extract.selectors import Element, every, first, xpath
from archive.extract.text import BlockCollector, normalize, text_of
from archive.extract.trim import find_cut
from archive.model import Article
from archive.urls import id_in

_ID_IN_QUERY = re.compile(r"(?:^|&)id=(\d+)(?:&|$)")
_JSON_LD_ID = re.compile(r'"@id"\s*:\s*"([^"]*)"')
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})")
_SHOWN_DATE = re.compile(r"(\d{1,2})[./](\d{1,2})[./](\d{4})")
_LANGUAGES = {"nb": "nb", "no": "nb", "nob": "nb", "nn": "nn", "nno": "nn"}
_LANGUAGES |= {"en": "en", "eng": "en", "se": "se", "sme": "se"}
_PARSERS = threading.local()
_ENCODING_ERRORS = {etree.ErrorTypes.ERR_INVALID_CHAR, etree.ErrorTypes.ERR_INVALID_ENCODING}


class NotAnArticle(ValueError):
    """The response is not an article page; ``reason`` is a short machine-readable tag."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


class ChallengePage(NotAnArticle):
    """A Cloudflare challenge or block page: retry later, never archive as content."""


def _parser() -> etree.HTMLParser:
    # One per thread, reused: lxml parsers keep per-parse state (the error log is the last
    # parse's) and are not shared across threads; setting one up for each page cost ~4 µs.
    parser: etree.HTMLParser | None = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = etree.HTMLParser(
            encoding="utf-8", remove_comments=True, huge_tree=True, collect_ids=False
        )
    return parser


def parse(html: str | bytes) -> Element:
    """Parse a whole response body once, rejecting what is not an HTML document.

    lxml's plain HTML parser is used rather than parsel's ``lxml.html`` one: lxml.html
    resolves a Python element class for every node touched, which triples the cost of the
    walk; parsel still provides the ``has-class()`` XPath function. The site serves UTF-8.
    """
    body = _checked_body(html)
    root = etree.fromstring(body, parser := _parser())
    if any(e.type in _ENCODING_ERRORS for e in parser.error_log):
        # Invalid UTF-8 would surface later as UnicodeDecodeError on text access.
        root = etree.fromstring(body.decode("utf-8", errors="replace").encode(), _parser())
    if root is None:
        raise NotAnArticle("not-html", "no document element")
    return root


def _checked_body(html: str | bytes) -> bytes:
    body = html.encode("utf-8", errors="replace") if isinstance(html, str) else html
    head = body[:2048].lstrip().removeprefix(b"\xef\xbb\xbf").lstrip()
    if not head:
        raise NotAnArticle("empty", "empty body")
    if not head.startswith(b"<") or b"\x00" in head:
        raise NotAnArticle("not-html", repr(head[:20]))
    # Every page the CMS renders ends with </html>; without it the transfer was cut short
    # (or garbled), and a partial body must not become a revision.
    if b"</html" not in body[-512:].lower():
        raise NotAnArticle("truncated", f"no </html> in the last 512 of {len(body)} bytes")
    return body.replace(b"\x00", b"") if b"\x00" in body else body


def _parse_cut(body: bytes) -> _Document | None:
    """The parsed cut of a page (trim.py), or None if it has none or needed repairs.

    When libxml2 repaired nothing, every end tag in ``main`` closed an element opened in
    ``main``, so whatever the dropped bytes leave open around ``main`` cannot reach into it
    and ``main`` parses to the same subtree as in the whole page. Invalid UTF-8 is a repair.
    The head is read from its bytes (head.py) where it can be, else parsed with the rest.
    """
    cut = find_cut(body)
    if cut is None:
        return None
    main = body[cut.main_start : cut.main_end]
    if not all(marker in main for marker in s.TEMPLATE_MARKERS):
        return None
    head = read_head(body, cut.head_close)
    prologue = body[: cut.head_end if head is None else head.prologue_end]
    root = etree.fromstring(
        b"".join((prologue, body[cut.body_start : cut.body_end], main)), parser := _parser()
    )
    if parser.error_log or root is None:
        return None
    if head is None:
        return _Document.of(root)
    meta: Mapping[str, str] = head.meta
    # Every <meta> element of main starts at a "<meta" tag the cut's scan met.
    if cut.meta_in_main:
        meta = read_meta(root, dict(meta))
    if head.title is not None:
        title = normalize(head.title)
    else:
        title_tag = first(root, s.TITLE_TAG)
        title = text_of(title_tag) if title_tag is not None else ""
    return _Document(root, meta, title, head)


@dataclass(frozen=True)
class _Document:
    """A parsed page, or its cut, and what extraction reads from anywhere in it."""

    root: Element
    meta: Mapping[str, str]
    title: str  # the <title>'s text
    head: Head | None = None  # the head, if it was read from its bytes

    @classmethod
    def of(cls, root: Element) -> _Document:
        title_tag = first(root, s.TITLE_TAG)
        return cls(root, read_meta(root), text_of(title_tag) if title_tag is not None else "")

    def json_ld(self) -> list[str]:
        """The text of every JSON-LD script, in document order."""
        found = [script.text or "" for script in xpath(s.JSON_LD)(self.root)]
        return found if self.head is None else self.head.json_ld() + found


class _WholePageNeeded(Exception):
    """The cut of a page is not enough to extract it."""


def read_meta(root: Element, meta: dict[str, str] | None = None) -> dict[str, str]:
    """The first content of each meta name or property in ``root``, after those in ``meta``."""
    meta = {} if meta is None else meta
    for el in xpath(s.META)(root):
        key = el.get("name") or el.get("property")
        if key and key not in meta:
            meta[key] = el.get("content")
    return meta


def extract_article(html: str | bytes, url: str) -> Article:
    """Extract the article on one page, or raise NotAnArticle (ChallengePage for Cloudflare).

    Article pages are read from their cut, which parses in a quarter of the time; anything
    else (a redesign, a listing, an oddly built page) from the whole page.
    """
    body = _checked_body(html)
    if (document := _parse_cut(body)) is not None:
        try:
            return _extract(document, url, cut=True)
        except _WholePageNeeded:
            pass
    return _extract(_Document.of(parse(body)), url, cut=False)


def _extract(document: _Document, url: str, cut: bool) -> Article:
    """The article in ``root``, the whole page or (``cut``) the page's cut.

    A cut is trusted only with the article template: the checks for challenge and listing
    markup and the generic fallback look at the whole page. One function, longer than most:
    the order of its checks (challenge, listing, template, fallback) is the contract, and
    it reads best top to bottom.
    """
    root, meta, page_title = document.root, document.meta, document.title
    if page_title.startswith(s.CHALLENGE_TITLES):
        raise ChallengePage("challenge", page_title)
    if meta.get(s.META_TYPE) in s.NON_ARTICLE_DC_TYPES:
        raise NotAnArticle("listing", f"DC.Type={meta[s.META_TYPE]}")
    main = first(root, s.MAIN)
    if cut and (main is None or main.tag != "main"):
        raise _WholePageNeeded  # the <main> found in the bytes is not an element
    if main is None:
        raise NotAnArticle("no-text", "no body element")

    content = first(main, s.ARTICLE_CONTENT)
    # Without the article column, its parts may still be somewhere in main (a redesign
    # rarely renames everything at once).
    scope = main if content is None else content
    heading = first(scope, s.ARTICLE_TITLE)
    body = first(scope, s.ARTICLE_BODY)
    info = first(scope, s.ARTICLE_INFO)
    lead_el = first(scope, s.ARTICLE_LEAD)
    collector = BlockCollector(url)

    if body is not None and heading is not None:
        extracted_by = "template"
        title = collector.text(heading) or meta_title(meta, page_title)
        if lead_el is not None:
            collector.container(lead_el)
        lead = "\n\n".join(collector.blocks)
        collector.blocks = []
        collector.container(body)
    elif cut:
        raise _WholePageNeeded
    else:
        if first(root, s.CHALLENGE) is not None:
            raise ChallengePage("challenge", "Cloudflare challenge markup")
        for reason, chain in s.NON_ARTICLE.items():
            if first(root, chain) is not None:
                raise NotAnArticle(reason, url)
        # The CMS gives every content page DC metadata; error pages, the front page and
        # proxy error bodies have none, and must not pass as redesigned articles.
        if not any(meta.get(key) for key in s.CONTENT_PAGE_META):
            raise NotAnArticle("no-metadata", "no DC.Title or DC.Identifier.URL")
        extracted_by = "fallback"
        parts = (heading, lead_el, info, body)
        title, lead = generic_content(main, meta, page_title, collector, *parts)
        if not collector.blocks and not lead:
            raise NotAnArticle("no-text", url)
    if not title:
        raise NotAnArticle("no-title", url)
    # The sidebar is the article column's sibling; scoping to it avoids rescanning main.
    row = content.getparent() if content is not None else None
    sidebar = first(main if row is None else row, s.SIDEBAR)
    sidebar = main if sidebar is None else sidebar

    return Article(
        id=_article_id(url, meta, document),
        url=_canonical_url(url, meta),
        lang=_language(root, meta, url),
        title=title,
        lead=lead,
        body="\n\n".join(collector.blocks),
        published=_published(meta, info),
        type=_type_label(info),
        ministries=_ministries(info, sidebar, meta),
        topics=_topics(sidebar, meta),
        images=collector.images,
        attachments=collector.attachments,
        last_modified=meta.get(s.META_LAST_MODIFIED),
        revised=meta.get(s.META_REVISED),
        extracted_by=extracted_by,
    )


def _article_id(url: str, meta: Mapping[str, str], document: _Document) -> int:
    path, query = path_and_query(url)
    if (found := id_in(path)) is not None:
        return found
    if match := _ID_IN_QUERY.search(query):
        return int(match.group(1))
    for script in document.json_ld():
        for value in _JSON_LD_ID.findall(script):
            if (found := id_in(urlsplit(value).path)) is not None:
                return found
    for key in (s.META_PATH, s.META_URL):
        if (found := id_in(urlsplit(meta.get(key) or "").path)) is not None:
            return found
    raise NotAnArticle("no-id", url)


def _canonical_url(url: str, meta: Mapping[str, str]) -> str:
    og_url = (meta.get(s.META_URL) or "").strip()
    path = (meta.get(s.META_PATH) or "").strip()
    if og_url.startswith(("http://", "https://")):
        canonical = og_url
    elif path:
        canonical = join(url, path)
    else:
        canonical = url
    if is_canonical(canonical):
        return canonical
    parts = urlsplit(canonical)
    query = parts.query
    if "utm_" in query.lower():  # re-encode only when there is tracking to drop
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, v) for k, v in pairs if not k.lower().startswith("utm_")])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def _language(root: Element, meta: Mapping[str, str], url: str) -> str:
    for code in (root.get("lang"), meta.get(s.META_LANGUAGE)):
        primary = re.split(r"[-_]", (code or "").strip().lower())[0]
        if primary in _LANGUAGES:
            return _LANGUAGES[primary]
    section = urlsplit(url).path.strip("/").split("/")[0]
    return _LANGUAGES.get(section, "nb")


def _published(meta: Mapping[str, str], info: Element | None) -> str | None:
    match = _ISO_DATE.match(meta.get(s.META_DATE) or "")
    if match and (found := _valid_date(*match.groups())):
        return found
    shown = first(info, s.INFO_DATE) if info is not None else None
    if shown is not None and (match := _SHOWN_DATE.search(text_of(shown))):
        day, month, year = match.groups()
        return _valid_date(year, month, day)
    return None


def _valid_date(year: str, month: str, day: str) -> str | None:
    try:
        return date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def _type_label(info: Element | None) -> str | None:
    label = first(info, s.INFO_TYPE) if info is not None else None
    if label is None:
        return None
    # The template puts the "|" separator inside the span ("Høring |").
    return text_of(label).strip("|").strip() or None


def _ministries(info: Element | None, sidebar: Element, meta: Mapping[str, str]) -> list[str]:
    names: list[str] = []
    if info is not None:
        names = [text_of(a) for a in every(info, s.INFO_OWNER_LINKS)]
        if not names and (owner := first(info, s.INFO_OWNER)) is not None:
            names = text_of(owner).strip("|").split(",")
    if not any(names):
        names = [text_of(a) for a in every(sidebar, s.SIDEBAR_OWNER_LINKS)]
    for key in s.META_MINISTRIES:
        if any(names):
            break
        names = (meta.get(key) or "").split(",")
    return _unique(n.strip() for n in names if n.strip() not in s.NOT_A_MINISTRY)


def _topics(sidebar: Element, meta: Mapping[str, str]) -> list[str]:
    names = [text_of(a) for a in every(sidebar, s.TOPIC_LINKS)]
    if not any(names):
        names = (meta.get(s.META_TOPICS) or "").split(",")
    return _unique(n.strip() for n in names)


def _unique(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(n for n in names if n))
