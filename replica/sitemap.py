"""The replica's sitemap: an index and urlsets whose ``lastmod`` follows article versions.

What the real sitemap holds is unknown (site.md §4: only its URL, from robots.txt). This
one follows the sitemaps.org protocol as CMS sitemap plugins write it: an index at
``/globalassets/sitemap/sitemap.xml`` naming urlsets of ``PER_FILE`` URLs each, the
first also holding a few pages that are not news (front pages, listings); one ``<url>``
per live article, newest first, with the article's ``revised`` time as ``<lastmod>``.
URLs name the base URL the pages name (a mirror's name the real site), as ``<loc>``s do.

``MODES`` are the cases a crawler must survive, chosen per replica (``Site.sitemap``,
``regarkiv replica --sitemap``): ``dated`` (the default, honest), ``undated`` (no
``<lastmod>``), ``today`` (every ``lastmod`` is today's date), ``stale`` (an edit never
moves ``lastmod``: it stays at the first version's), ``none`` (no Sitemap line in
robots.txt and 404 at the sitemap's URL).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from replica.articles import modified
from replica.chrome import LISTING_PATHS

if TYPE_CHECKING:
    from replica.site import Site

MODES = ("dated", "undated", "today", "stale", "none")
PER_FILE = 1000
INDEX_PATH = "/globalassets/sitemap/sitemap.xml"
_URLSET = re.compile(r"^/globalassets/sitemap/sitemap-(\d+)\.xml$")
_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
CONTENT_TYPE = "application/xml; charset=utf-8"


def is_sitemap_path(path: str) -> bool:
    return path == INDEX_PATH or bool(_URLSET.match(path))


def render(site: Site, path: str, base: str) -> bytes | None:
    """The sitemap file at ``path``, or None where this mode has none."""
    if site.sitemap == "none":
        return None
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    key = ("sitemap", path, site.version, base, site.sitemap, today)
    if path == INDEX_PATH:
        return site.pages.get(key, lambda: _index(site, base, today))
    match = _URLSET.match(path)
    number = int(match[1]) if match else 0
    if not 1 <= number <= _files(site):
        return None
    return site.pages.get(key, lambda: _urlset(site, number, base, today))


def _files(site: Site) -> int:
    return max(1, -(-len(site.catalog.live(site.version)) // PER_FILE))


def _lastmod(site: Site, article: int, today: str) -> str | None:
    mode = site.sitemap
    if mode == "undated":
        return None
    if mode == "today":
        return today
    meta = site.meta(article)
    edits = () if mode == "stale" else site.edits(article)
    return modified(meta, site.seed, edits).strftime("%Y-%m-%dT%H:%M:%SZ")


def _index(site: Site, base: str, today: str) -> bytes:
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{_NS}">\n']
    live = site.catalog.live(site.version)
    for number in range(1, _files(site) + 1):
        chunk = live[(number - 1) * PER_FILE : number * PER_FILE]
        stamps = [s for m in chunk if (s := _lastmod(site, m.id, today))]
        lastmod = f"<lastmod>{max(stamps)}</lastmod>" if stamps else ""
        loc = f"{base}/globalassets/sitemap/sitemap-{number}.xml"
        parts.append(f"  <sitemap><loc>{escape(loc)}</loc>{lastmod}</sitemap>\n")
    parts.append("</sitemapindex>\n")
    return "".join(parts).encode()


def _urlset(site: Site, number: int, base: str, today: str) -> bytes:
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{_NS}">\n']
    if number == 1:
        for path in ("/no/id4/", "/en/id4/", *LISTING_PATHS.values()):
            parts.append(f"  <url><loc>{escape(base + path)}</loc></url>\n")
    live = site.catalog.live(site.version)
    for meta in live[(number - 1) * PER_FILE : number * PER_FILE]:
        stamp = _lastmod(site, meta.id, today)
        lastmod = f"<lastmod>{stamp}</lastmod>" if stamp else ""
        loc = escape(base + site.article_url(meta.id))
        parts.append(f"  <url><loc>{loc}</loc>{lastmod}</url>\n")
    parts.append("</urlset>\n")
    return "".join(parts).encode()
