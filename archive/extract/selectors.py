"""Every selector extraction uses, as data.

A list is an ordered fallback chain: the first expression that matches wins. XPath
expressions use parsel's ``has-class()`` (exact class-token match; ``contains(@class, …)``
would also match ``article-body-wide``). Expressions starting with ``.`` are evaluated
relative to the element named in the comment above them, so that no lookup rescans the
whole document (the megamenu alone is ~500 elements).

Verified markup is described in shared/site.md §6-§7 and §11 (hearing pages); news pages
are assumed to share the template.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from lxml import etree

from archive.extract.paths import walker

# parsel's has-class() with parsel's own semantics, registered without importing parsel
# (w3lib, cssselect: ~40 ms at the start of every indexer and reindex process). Where
# parsel is imported too (the crawl's Scrapy), it registers its function under the same
# name; tests/extract/test_selectors.py checks that the two agree.
_HTML5_WHITESPACE = re.compile("[ \t\n\r\x0c]+")


def has_class(context: Any, *classes: str) -> bool:
    """True if every one of ``classes`` is a token of the element's class attribute."""
    if not context.eval_context.get("args_checked"):
        if not classes:
            raise ValueError("XPath error: has-class must have at least 1 argument")
        if not all(isinstance(name, str) for name in classes):
            raise ValueError("XPath error: has-class arguments must be strings")
        context.eval_context["args_checked"] = True
    found = context.context_node.get("class")
    if found is None:
        return False
    found = _HTML5_WHITESPACE.sub(" ", " " + found + " ")
    return all(" " + name + " " in found for name in classes)


etree.FunctionNamespace(None)["has-class"] = has_class

Element = etree._Element

# --- document level (evaluated on the root) ---------------------------------------------

META = "//meta[@content]"
TITLE_TAG = "//title"
JSON_LD = '//script[@type="application/ld+json"]'
MAIN = ["//main", '//*[@id="mainContent"]', "//body"]

# Pages that are reachable like articles but are not articles.
NON_ARTICLE_DC_TYPES = frozenset({"Sok"})
# By NotAnArticle reason; checked only when the article template is absent.
NON_ARTICLE = {
    "listing": ['//body[has-class("page-search")]', '//*[@id="searchResultsListing"]'],
    "error-page": ['//body[has-class("page-error") or has-class("page-404")]'],
    "front-page": ['//body[has-class("page-frontpage")]'],
}
# Cloudflare "Just a moment…" / "Attention required" interstitials.
CHALLENGE = [
    '//form[@id="challenge-form"]',
    '//*[@id="challenge-running" or @id="challenge-stage" or @id="cf-wrapper"]',
    '//script[contains(@src, "/cdn-cgi/challenge-platform/")]',
    '//script[contains(., "_cf_chl_opt")]',
]
CHALLENGE_TITLES = ("Just a moment", "Attention Required! | Cloudflare", "Vent litt")

# --- article template (relative to MAIN) -----------------------------------------------

ARTICLE_CONTENT = [
    './div[has-class("mainContentArea")]/div[has-class("article")]/div[has-class("article-content")]',
    './/div[has-class("article-content")]',
    './/div[has-class("content-row")][has-class("article")]',
]
# relative to ARTICLE_CONTENT
ARTICLE_TITLE = [
    './header[has-class("article-header")]/h1',
    './/header[has-class("article-header")]//h1',
    './/*[has-class("article-header")]//h1',
]
ARTICLE_INFO = [
    './div[has-class("article-info")]',
    './/div[has-class("article-info")]',
    # its contents survive a renamed wrapper: one line with the type and date spans
    './/p[span[has-class("type")]][span[has-class("date")]]',
]
ARTICLE_LEAD = ['./div[has-class("article-ingress")]', './/div[has-class("article-ingress")]']
ARTICLE_BODY = ['./div[has-class("article-body")]', './/div[has-class("article-body")]']
# Bytes in every page built by the template (the classes of ARTICLE_TITLE and ARTICLE_BODY):
# the cut of a page without them, such as any page after a redesign, is not worth parsing.
TEMPLATE_MARKERS = (b"article-header", b"article-body")

# relative to ARTICLE_INFO
INFO_TYPE = ['.//span[has-class("type")]']
INFO_DATE = ['.//span[has-class("date")]']
INFO_OWNER_LINKS = ['.//span[has-class("owner")]//a']
INFO_OWNER = ['.//span[has-class("owner")]']

# relative to the parent of ARTICLE_CONTENT (the sidebar is its sibling), else to MAIN
SIDEBAR = ['./aside[has-class("article-sidebar")]', './/aside[has-class("article-sidebar")]']
# relative to SIDEBAR, else to MAIN
SIDEBAR_OWNER_LINKS = [
    './div[has-class("content-owner-dep")]//a',
    './/div[has-class("content-owner-dep")]//a',
]
TOPIC_LINKS = [
    './div[has-class("content-intro-topics")]/ul[has-class("topiclist")]//a',
    './/div[has-class("content-intro-topics")]//ul[has-class("topiclist")]//a',
    './/div[has-class("content-intro-topics")]//a',
]

# --- generic fallback (relative to MAIN) -----------------------------------------------

FALLBACK_TITLE = [".//h1"]
# Elements that may wrap the ingress, found by their text equal to DC.Description.
FALLBACK_LEAD_TAGS = ("div", "section", "p", "header")
FALLBACK_LEAD = [
    './/*[has-class("article-ingress")]',
    './/*[has-class("ingress")]',
    './/*[has-class("lead")]',
]

# --- head metadata, by name or property, in fallback order -------------------------------

META_TITLE = ["DC.Title", "og:title", "title"]
META_LEAD = ["DC.Description", "description", "og:description"]
META_URL = "og:url"
META_PATH = "DC.Identifier.URL"
META_LANGUAGE = "DC.Language"
META_DATE = "DC.Date"
META_TYPE = "DC.Type"
META_MINISTRIES = ["DC.Creator", "author"]
META_TOPICS = "DC.Subject"
CONTENT_PAGE_META = ("DC.Title", "DC.Identifier.URL")
META_LAST_MODIFIED = "last-modified"
META_REVISED = "revised"
# The site name that DC.Creator/author carry on pages without an owning ministry.
NOT_A_MINISTRY = frozenset({"regjeringen.no", "regjeringa.no", "Regjeringen.no"})
# Every meta name or property extraction reads (head.py finds only these in a page's bytes).
META_KEYS = frozenset(
    {*META_TITLE, *META_LEAD, META_URL, META_PATH, META_LANGUAGE, META_DATE, META_TYPE}
    | {*META_MINISTRIES, META_TOPICS, *CONTENT_PAGE_META, META_LAST_MODIFIED, META_REVISED}
)
TITLE_SUFFIXES = (" - regjeringen.no", " - regjeringa.no", " - Regjeringen.no")

# --- pruning: elements whose whole subtree is chrome, wherever they appear -------------
# Checked per element during the single walk over a container (a tag/class/id test is
# cheaper than one XPath scan per rule). Sources: site.md §6.2-§6.3.

PRUNE_TAGS = frozenset(
    {
        "script", "style", "template", "noscript", "iframe", "object", "embed", "svg",
        "canvas", "video", "audio", "nav", "form", "input", "select", "textarea", "link",
        "meta", "head",
    }
)  # fmt: skip
PRUNE_CLASSES = frozenset(
    {
        "pageHeader", "hygieneMenu", "hygieneMenuWrapper", "megaMenu", "megaMenuOverlay",
        "breadcrumbs", "breadcrumbsWrapper", "back-link", "sharePrint", "sharing-panel",
        "skipLink", "enable-js", "cookie_banner_wrapper", "cookiebannerInfo",
        "to-top-of-page", "btn-to-top-of-page", "page-survey-container", "page-survey",
        "page-footer", "article-sidebar", "content-owner-dep", "content-intro-topics",
        "article-related", "department-contact", "horing-cta", "visuallyhidden",
    }
)  # fmt: skip
PRUNE_IDS = frozenset({"top-of-page", "cookiebannerInfo", "languageSelector"})
# The fallback also drops page-level landmarks that the article template never nests
# inside its content column.
FALLBACK_PRUNE_TAGS = PRUNE_TAGS | {"header", "footer", "aside"}

# --- blocks inside a body (text.py) -----------------------------------------------------

FACTBOX_CLASS = "factbox"
FACTBOX_TITLE_CLASS = "factbox-title"
FACTBOX_PRE_TITLE_CLASS = "factbox-pre-title"
IMAGE_CONTAINER_CLASSES = frozenset({"image", "article-image", "imagewrapper", "image-wrapper"})
CAPTION_CLASSES = frozenset({"caption", "image-caption", "imagetext", "image-text"})
CREDIT_CLASSES = frozenset({"credit", "photo-credit", "image-credit", "byline", "copyright"})
# "Foto: Name / Org" inside a caption, in nb/nn/en/se; the credit is what follows.
CREDIT_PATTERN = r"\(?\s*\b(?:Foto|Photo|Fotograf|Photographer|Govva|Illustrasjon|Illustration)\s*:"
ATTACHMENT_PATH = "/contentassets/"
ATTACHMENT_EXTENSIONS = (
    ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".odt", ".ods", ".odp",
    ".rtf", ".zip", ".csv",
)  # fmt: skip


# --- evaluating a chain -----------------------------------------------------------------


# has-class() calls back into Python for every element it tests, which made it most of
# the cost of a lookup. It is compiled to XPath's own string functions instead; those know
# XML whitespace, which is HTML whitespace but for the form feed, so an element whose class
# has any character outside this set still gets the has-class() verdict.
_HAS_CLASS = re.compile(r'has-class\("([\w-]+)"\)')
_PLAIN_CLASS_CHARS = "abcdefghijklmnopqrstuvwxyz-0123456789 _ABCDEFGHIJKLMNOPQRSTUVWXYZ\t\n\r"


def _native_has_class(match: re.Match[str]) -> str:
    name = match[1]
    token = f'contains(concat(" ", normalize-space(@class), " "), " {name} ")'
    unusual = f'contains(@class, "{name}") and translate(@class, "{_PLAIN_CLASS_CHARS}", "")'
    return f"({token} or {unusual} and {match[0]})"


@cache
def xpath(expression: str) -> etree.XPath:
    return etree.XPath(_HAS_CLASS.sub(_native_has_class, expression))


def first(context: Element, chain: str | list[str]) -> Element | None:
    """The first node of the first expression in ``chain`` that selects any."""
    for expression in [chain] if isinstance(chain, str) else chain:
        if (path := walker(expression)) is not None:
            if (node := path.first(context)) is not None:
                return node
        elif found := xpath(expression)(context):
            return found[0]  # type: ignore[no-any-return]
    return None


def every(context: Element, chain: list[str]) -> list[Element]:
    """Every node of the first expression in ``chain`` that selects any."""
    for expression in chain:
        path = walker(expression)
        found: list[Element] = xpath(expression)(context) if path is None else path.every(context)
        if found:
            return found
    return []
