"""urllib's joins and splits for the plain URLs the site writes, without urllib's general path.

``urljoin`` and ``urlsplit`` cost 2-7 µs a call: they strip whitespace and controls, find
schemes, params, fragments and dot segments, check hosts. An article page makes several
(its id, its canonical URL, each image and attachment): ~20 µs, 5% of its extraction.
The site writes plain URLs: a host and a path, an absolute path such as
``/contentassets/…/x.pdf``. For those shapes the answer is a slice or a concatenation;
any other URL goes to urllib, so every answer is urllib's (tests/extract/test_plain_urls.py
compares the two on random URLs).
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

# Characters urllib strips, removes or splits at, or that make a host need its checks.
_PLAIN = r"[^?#\x00-\x20\x7f]"
# An absolute path: no "//" (a host), no params, query or fragment, no "." or ".."
# segment (urljoin resolves those).
_ABSOLUTE_PATH = re.compile(r"(?!//)(?!.*/\.\.?(?:/|\Z))/[^;?#\x00-\x20\x7f]*")
# The same without its look-ahead for dot segments (~1.5 µs on an image's path, as ".*"
# backtracks over it): a path without "/." has none.
_PATH = re.compile(r"/[^;?#\x00-\x20\x7f]*")
# An http(s) URL with an ASCII host, or an absolute path; a query but no fragment.
_PLAIN_URL = re.compile(
    rf"(?:(?P<origin>https?://[A-Za-z0-9.:-]*+)(?=[/?]|\Z)|(?=/))(?P<path>(?!//){_PLAIN}*)"
    rf"(?:\?(?P<query>{_PLAIN}*))?"
)


def join(base: str, href: str) -> str:
    """``urljoin(base, href)``."""
    if _is_absolute_path(href) and (origin := _origin(base)) is not None:
        return origin + href
    return urljoin(base, href)


def _is_absolute_path(href: str) -> bool:
    """Whether ``_ABSOLUTE_PATH`` matches ``href`` whole."""
    if href[1:2] == "/" or _PATH.fullmatch(href) is None:
        return False
    return "/." not in href or _ABSOLUTE_PATH.fullmatch(href) is not None


def path_and_query(url: str) -> tuple[str, str]:
    """``urlsplit(url)``'s path and query."""
    if plain := _PLAIN_URL.fullmatch(url):
        return plain["path"], plain["query"] or ""
    parts = urlsplit(url)
    return parts.path, parts.query


def is_canonical(url: str) -> bool:
    """Whether ``urlunsplit(urlsplit(url))`` is ``url`` and its query has no ``utm_``."""
    plain = _PLAIN_URL.fullmatch(url)
    if plain is None or plain["origin"] is None:
        return False
    query = plain["query"]
    return query is None or (query != "" and "utm_" not in query.lower())


@lru_cache(maxsize=16)
def _origin(base: str) -> str | None:
    """The scheme and host urljoin puts before an absolute path, if plainly http(s).

    Each page's own URL is a new base: a plain one's is ``_PLAIN_URL``'s origin, without
    urlsplit's ~2 µs (an empty host too: urljoin then writes "https:///x" as well)."""
    if (plain := _PLAIN_URL.fullmatch(base)) is not None:
        return plain["origin"]
    try:
        parts = urlsplit(base)
    except ValueError:
        return None  # urljoin raises it
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return None
