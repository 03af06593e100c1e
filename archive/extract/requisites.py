"""What a page needs to render, and the documents it links: URLs found in HTML and CSS.

A *requisite* is a resource a browser loads to show the page: stylesheets (and what
they reference through ``url()`` and ``@import``), scripts, images (``src``, every
``srcset`` candidate and ``<picture><source>``, so that a desktop and a phone viewport
both find theirs), icons, the web app manifest and ``preload`` links. An *attachment*
is a document an article links (PDF, DOCX, XLSX, ...), e.g. ``/contentassets/<id>/x.pdf``.

Pure functions over bytes, shared by the crawl (which fetches what they find) and
``regarkiv verify`` (which checks the archive holds it). Scope, robots and limits are
the crawl's business, not theirs: every http(s) URL found is returned, once, in
document order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from lxml import etree

from archive.urls import DOCUMENT_EXTENSIONS, is_document

# A page or stylesheet naming more than this many resources is hostile or broken.
MAX_REFERENCES = 1000
# rel tokens of <link> elements whose target a browser loads for the page.
REQUISITE_RELS = {
    "stylesheet": "stylesheet",
    "icon": "icon",
    "apple-touch-icon": "icon",
    "apple-touch-icon-precomposed": "icon",
    "mask-icon": "icon",
    "manifest": "manifest",
    "preload": "preload",
    "modulepreload": "script",
}
# Selectors are data (STYLE.md): each XPath names one kind of reference.
LINKS = "//link[@href]"
SCRIPTS = "//script[@src]/@src"
IMAGE_SOURCES = "//img/@src | //img/@data-src | //input[@type='image']/@src | //video/@poster"
IMAGE_SRCSETS = "//img/@srcset | //img/@data-srcset | //picture/source/@srcset"
TILE_IMAGES = "//meta[@name='msapplication-TileImage']/@content"
STYLE_ELEMENTS = "//style/text()"
STYLE_ATTRIBUTES = "//*[@style]/@style"
ANCHORS = "//a/@href"
BASE_HREF = "//base/@href"

_COMPILED = {
    xpath: etree.XPath(xpath)
    for xpath in (
        LINKS,
        SCRIPTS,
        IMAGE_SOURCES,
        IMAGE_SRCSETS,
        TILE_IMAGES,
        STYLE_ELEMENTS,
        STYLE_ATTRIBUTES,
        ANCHORS,
        BASE_HREF,
    )
}
_PARSER = etree.HTMLParser(recover=True, no_network=True)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_CSS_IMPORT = re.compile(r"""@import\s+(?:url\(\s*)?(["']?)([^"')\s;]+)\1""", re.I)
_CSS_URL = re.compile(r"""url\(\s*(["']?)(.*?)\1\s*\)""", re.I | re.S)
_SPACE = re.compile(r"\s+")
_DOCUMENT_NAME = re.compile(r"\.(?:" + "|".join(sorted(DOCUMENT_EXTENSIONS)) + r")\s*$", re.I)
# What quote() leaves alone in a path and a query: everything URL syntax allows, and
# "%" so that an escaped URL is not escaped twice (Scrapy requests URLs escaped so).
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"


class Kind(StrEnum):
    REQUISITE = "requisite"
    ATTACHMENT = "attachment"


@dataclass(frozen=True)
class Reference:
    """One URL a page or stylesheet references; ``role`` says as what."""

    url: str
    kind: Kind
    role: str  # stylesheet, script, image, icon, manifest, preload, css-import, css-url, document
    text: str = ""  # an attachment's link text


def absolute(raw: str, base: str) -> str | None:
    """``raw`` resolved against ``base``, escaped as a request would be, no fragment;
    None for anything that is not an http(s) URL (data:, javascript:, mailto:, ...)."""
    raw = raw.strip()
    if raw.startswith("/") and not raw.startswith("//"):
        # Root-relative, as most of a page's requisites are: the same URL from every page
        # of the site, so resolved once (urljoin and quote were half of a page's scan).
        scheme, _, rest = base.partition("://")
        base = f"{scheme}://{rest.split('/', 1)[0]}/"
    return _resolved(raw, base)


@lru_cache(maxsize=4096)
def _resolved(raw: str, base: str) -> str | None:
    if not raw or raw.startswith("#"):
        return None
    try:
        parts = urlsplit(urljoin(base, raw))
    except ValueError:  # an invalid IPv6 host, a bad port
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    query = quote(parts.query, safe=_QUERY_SAFE)
    return urlunsplit((parts.scheme, parts.netloc.lower(), path, query, ""))


def srcset_urls(srcset: str) -> list[str]:
    """Every candidate URL of a ``srcset`` ("a.jpg 480w, b.jpg 2x"), in order.

    A candidate is a URL, then optional descriptors up to the next comma; a URL may
    itself hold commas, so only a comma after whitespace or a descriptor ends it.
    """
    urls = []
    position, length = 0, len(srcset)
    while position < length:
        while position < length and (srcset[position].isspace() or srcset[position] == ","):
            position += 1
        start = position
        while position < length and not srcset[position].isspace():
            position += 1
        url = srcset[start:position]
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            while position < length and srcset[position] != ",":
                position += 1
        if url:
            urls.append(url)
    return urls


def css_references(css: bytes | str, css_url: str) -> list[Reference]:
    """``@import`` and ``url()`` targets of a stylesheet (or a style attribute's text)."""
    text = css.decode("utf-8", "replace") if isinstance(css, bytes) else css
    text = _CSS_COMMENT.sub(" ", text)
    found: list[tuple[str, str]] = [("css-import", m[2]) for m in _CSS_IMPORT.finditer(text)]
    found += [("css-url", m[2]) for m in _CSS_URL.finditer(text)]
    return _unique(
        Reference(url, Kind.REQUISITE, role)
        for role, raw in found
        if (url := absolute(raw, css_url)) is not None
    )


def page_references(html: bytes, page_url: str, *, attachments: bool = True) -> list[Reference]:
    """The requisites of an HTML page, and (``attachments``) the documents it links.

    Long because each kind of reference is one short step, in document order.
    """
    try:
        # lxml.etree's elements, not lxml.html's: no class lookup for each of the ~200
        # elements the queries return (a third of the scan's time on an article).
        # None for a document of nothing but blanks or comments.
        root: etree._Element | None = etree.fromstring(html, _PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):  # empty, not HTML at all
        return []
    if root is None:
        return []
    bases = _COMPILED[BASE_HREF](root)
    base = absolute(str(bases[0]), page_url) or page_url if bases else page_url
    found: list[Reference] = []

    def add(raw: object, role: str, kind: Kind = Kind.REQUISITE, text: str = "") -> None:
        url = absolute(str(raw), base)
        if url is not None:
            found.append(Reference(url, kind, role, text))

    for link in _COMPILED[LINKS](root):
        rels = {token.lower() for token in (link.get("rel") or "").split()}
        roles = [REQUISITE_RELS[rel] for rel in sorted(rels) if rel in REQUISITE_RELS]
        if "shortcut" in rels and not roles:
            roles = ["icon"]
        if roles and not {"alternate", "canonical"} & rels:
            add(link.get("href"), roles[0])
    for src in _COMPILED[SCRIPTS](root):
        add(src, "script")
    for src in _COMPILED[IMAGE_SOURCES](root):
        add(src, "image")
    for srcset in _COMPILED[IMAGE_SRCSETS](root):
        for src in srcset_urls(str(srcset)):
            add(src, "image")
    for src in _COMPILED[TILE_IMAGES](root):
        add(src, "icon")
    for style in [*_COMPILED[STYLE_ELEMENTS](root), *_COMPILED[STYLE_ATTRIBUTES](root)]:
        found += css_references(str(style), base)
    if attachments:
        for href in _COMPILED[ANCHORS](root):
            # Most links are to pages: a look at the name first, resolve only documents.
            if not _DOCUMENT_NAME.search(href.split("#", 1)[0].split("?", 1)[0]):
                continue
            url = absolute(str(href), base)
            if url is not None and is_document(url):
                text = _SPACE.sub(" ", "".join(href.getparent().itertext())).strip()
                found.append(Reference(url, Kind.ATTACHMENT, "document", text))
    return _unique(found)


def _unique(found: Iterable[Reference]) -> list[Reference]:
    """Each URL once (its first mention wins), at most MAX_REFERENCES of them."""
    seen: dict[str, Reference] = {}
    for reference in found:
        if reference.url not in seen:
            seen[reference.url] = reference
            if len(seen) >= MAX_REFERENCES:
                break
    return list(seen.values())
