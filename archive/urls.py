"""Which URLs the crawler may fetch, and when two URLs are the same article.

Plain Python (no Scrapy) so the index and tests can use it too.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

DEFAULT_BASE_URL = "https://www.regjeringen.no"

# Listing ids verified on the real site (site.md §2): both languages share id2006120.
LISTING_PATHS: dict[str, str] = {
    "no": "/no/aktuelt/nyheter/id2006120/",
    "en": "/en/whatsnew/news-and-press-releases/id2006120/",
}

LISTING_IDS = {2006120}

# The site's one content-id pattern: a path segment "id<digits>" (site.md §1). An article
# URL ends with it; any URL, path or JSON value may hold one.
ID_SEGMENT = r"/id(\d+)"
_ARTICLE_ID = re.compile(ID_SEGMENT + r"/?$")
_ID_ANYWHERE = re.compile(ID_SEGMENT + r"(?:/|$|[?#])")
# News items live under /<lang>/aktuelt/, but a listing may point at any content
# page (/no/dokumenter/..., /en/...): the listing, not the path, says it is news.
_ARTICLE_PATH = re.compile(r"^/(no|nb|nn|en|se)/(?:[^/?#]+/)+id\d+/?$")
# The historical archive is robots-disallowed (site.md §3).
_ARCHIVE_PREFIXES = ("/no/dokumentarkiv/", "/en/historical-archive/", "/se/dokumeantavuorka/")
_SHORT_PATH = re.compile(r"^/id\d+/?$")
# A link that is already canonical: no alias language, no query, no dot segments.
_CANONICAL_PATH = re.compile(r"/(?:no|en|se)/(?:(?!\.\.?/)[^/?#]+/)+id\d+/")
_LANG_ALIASES = {"nb": "no", "nn": "no"}
# Tracking parameters from RSS and newsletters; they never change the page.
_TRACKING_PREFIX = "utm_"


class OutOfScope(ValueError):
    """A URL the news spider must not fetch (off-site, not an article, ...)."""


def article_id(url: str) -> int | None:
    """The numeric content id of an article-like URL, or None."""
    match = _ARTICLE_ID.search(urlsplit(url).path)
    return int(match.group(1)) if match else None


def id_in(text: str) -> int | None:
    """The first content id in a URL, path or text (``…/id3169214/…``), or None."""
    match = _ID_ANYWHERE.search(text)
    return int(match.group(1)) if match else None


_DEFAULT_PORTS = {"http": 80, "https": 443}


def same_site(url: str, base_url: str) -> bool:
    """The crawl's scope: the same scheme, host and port as the base URL."""
    return _origin(url) == _origin(base_url)


def _origin(url: str) -> tuple[str, str | None, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:  # a port that is no number, or out of range: matches nothing
        return (parts.scheme, None, -1)
    return (parts.scheme, parts.hostname, port)


def on_site(url: str, base_url: str) -> str:
    """``url`` at the base URL's scheme, host and port: an archived article's URL as
    served by the site being crawled (a mirror names the real site as canonical)."""
    parts = urlsplit(url)
    base = urlsplit(base_url)
    return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))


def canonical_article_url(url: str, base_url: str) -> str:
    """The one URL we fetch for an article link found anywhere on the site.

    ``/nb/`` and ``/nn/`` become ``/no/`` and ``utm_*`` parameters are dropped,
    so every variant of a link maps to a single request; the article's numeric
    id is the real identity (the slug may change and the server redirects).
    Raises OutOfScope for links that are not news-article pages on this site.
    """
    base = base_url.rstrip("/")
    # Most listing links are canonical already; checking that is 10x cheaper than
    # the parse-and-rebuild below, and listings are parsed on the crawl's busy thread.
    path = url[len(base) :] if url.startswith(base + "/") else None
    if path and _CANONICAL_PATH.fullmatch(path) and not path.startswith(_ARCHIVE_PREFIXES):
        return url
    absolute = urljoin(base + "/", url)
    if not same_site(absolute, base_url):
        raise OutOfScope(f"off-site link: {url}")
    parts = urlsplit(absolute)
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    if _SHORT_PATH.match(path):
        return urlunsplit((parts.scheme, parts.netloc, path, "", ""))
    if not _ARTICLE_PATH.match(path) or path.startswith(_ARCHIVE_PREFIXES):
        raise OutOfScope(f"not an article link: {url}")
    lang, rest = path[1:].split("/", 1)
    path = f"/{_LANG_ALIASES.get(lang, lang)}/{rest}"
    query = [(k, v) for k, v in parse_qsl(parts.query) if not k.startswith(_TRACKING_PREFIX)]
    if query:
        # Any other parameter (expand=, ch=, q=) is a robots-disallowed or
        # presentational variant of the same article: fetch the plain page.
        query = []
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(query), ""))


def listing_url(base_url: str, lang: str, page: int = 1) -> str:
    """Listing page URL. Page 1 is the bare URL, as the site links it."""
    url = base_url.rstrip("/") + LISTING_PATHS[lang]
    return url if page <= 1 else f"{url}?page={page}"


def is_listing_url(url: str) -> bool:
    """A page of a news listing, as the crawl fetches it (the first, or ``?page=N``)."""
    parts = urlsplit(url)
    return parts.path in LISTING_PATHS.values() and (
        not parts.query or listing_page_number(url) is not None
    )


def listing_page_number(url: str) -> int | None:
    """The ``?page=N`` of a pager link, or None if it is anything else.

    Pager links are query-only relative links; anything with another
    parameter (sort, filters) is out of bounds even when robots.txt's
    first-parameter rule would let it through (site.md §3).
    """
    query = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    if len(query) != 1 or query[0][0] != "page":
        return None
    try:
        return int(query[0][1])
    except ValueError:
        return None


def is_article_url(url: str) -> bool:
    """An article page (not a listing, not the front page) by its path."""
    return article_page_id(url) is not None


def article_page_id(url: str) -> int | None:
    """The content id of an article page's URL (``is_article_url``), or None: one split of
    the URL where the two questions took three (the indexer asks both of every capture)."""
    path = urlsplit(url).path
    path = path if path.endswith("/") else path + "/"
    if not _ARTICLE_PATH.match(path) or path.startswith(_ARCHIVE_PREFIXES):
        return None
    match = _ARTICLE_ID.search(path)  # found: the path ends with an id segment
    found = int(match.group(1)) if match else None
    return None if found in LISTING_IDS else found


# What an article may link as an attached document (issue 10: the formats the site uses).
DOCUMENT_EXTENSIONS = frozenset(
    {"pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp", "rtf", "csv", "zip"}
)


def is_document(url: str) -> bool:
    """A link to a document by its file name (the query, e.g. ``?uid=…``, does not count)."""
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    return "." in name and name.rsplit(".", 1)[1].lower() in DOCUMENT_EXTENSIONS
