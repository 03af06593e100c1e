"""URL dispatch: which page, redirect or file a request target gets, with its headers.

Every HTML response gets a fresh CSP nonce (random 16 bytes, base64, ``+`` escaped as
``&#x2B;`` like the real site) and listings a fresh search timing comment; the rest of
the page comes from the site's page cache.
"""

from __future__ import annotations

import base64
import hashlib
import os
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

from archive.model import find_header
from replica import assets, lexicon, requisites
from replica.catalog import deploy
from replica.chrome import LISTING_PATHS, Page
from replica.frame import render_page
from replica.listing_page import PER_PAGE, Filters, Item, filters_html
from replica.listing_page import main_html as listing_main
from replica.listing_page import page_info as listing_info
from replica.templating import NONCE, TIMING, Frozen, load

if TYPE_CHECKING:
    from replica.catalog import ArticleMeta
    from replica.site import Site

EXCERPT_LIMIT = 200

_FRONT = re.compile(r"^/(no|en)/id4/?$")
_LISTING = re.compile(r"^/(no|en)/(?:.*/)?id2006120/?$")
_RSS = re.compile(r"^/(no|en)/rss/Rss/2581966/?$")
_ARTICLE = re.compile(r"^/(no|en)/(?:.*/)?id(\d+)/?$")
_SHORT = re.compile(r"^/id/?(\d+)/?$")
_LEGACY = re.compile(r"^/(nb|nn)(/.*)?$")
_ASSET = re.compile(r"^/contentassets/[0-9a-f]{32}/([^/]+\.pdf)$")

COMMON_HEADERS = (
    ("strict-transport-security", "max-age=15552000"),
    ("request-context", "appId=cid-v1:6f4928bd-f664-43ef-97e9-3ba28bae17d8"),
    ("x-xss-protection", "1; mode=block"),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "SAMEORIGIN"),
    ("referrer-policy", "no-referrer, same-origin"),
    (
        "permissions-policy",
        "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
        "microphone=(), payment=(), usb=()",
    ),
)


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    kind: str  # article, listing, front, robots, rss, pdf, image, redirect, notfound
    article_id: int | None = None
    extra: dict[str, str] = field(default_factory=dict)
    # A body too large to hold (the server sends it as it is made), and its length.
    stream: Callable[[], Iterator[bytes]] | None = None
    length: int = 0

    def header(self, name: str) -> str | None:
        return find_header(self.headers, name)


def per_response() -> dict[bytes, bytes]:
    nonce = base64.b64encode(os.urandom(16)).decode().replace("+", "&#x2B;")
    return {NONCE.encode(): nonce.encode(), TIMING.encode(): str(random.randint(3, 40)).encode()}


def html(
    status: int, frozen: Frozen, kind: str, max_age: int, article_id: int | None = None
) -> Response:
    headers = [
        ("content-type", "text/html; charset=utf-8"),
        ("cache-control", f"public,max-age={max_age}"),
        ("vary", "accept-encoding"),
        *COMMON_HEADERS,
        ("cf-cache-status", "BYPASS"),
    ]
    return Response(status, headers, frozen.fill(per_response()), kind, article_id)


def redirect(location: str, status: int = 301) -> Response:
    body = (
        f"<html><head><title>Object moved</title></head><body>\r\n<h2>Object moved to "
        f'<a href="{location}">here</a>.</h2>\r\n</body></html>\r\n'
    ).encode()
    headers = [
        ("content-type", "text/html; charset=utf-8"),
        ("location", location),
        ("cache-control", "private"),
        *COMMON_HEADERS,
        ("cf-cache-status", "DYNAMIC"),
    ]
    return Response(status, headers, body, "redirect")


def static(body: bytes, content_type: str, kind: str, modified: str) -> Response:
    etag = f'W/"{hashlib.sha1(body).hexdigest()[:15]}"'
    headers = [
        ("content-type", content_type),
        ("vary", "accept-encoding"),
        ("cache-control", "public, max-age=604800"),
        ("last-modified", modified),
        *COMMON_HEADERS,
        ("age", "234431"),
        ("cf-cache-status", "HIT"),
        ("etag", etag),
    ]
    return Response(200, headers, body, kind)


def not_found(site: Site, group: str, base: str) -> Response:
    def make() -> Frozen:
        lang = "en" if group == "en" else "nb"
        s = lexicon.strings(lang)
        page = Page(
            lang=lang, path=f"/{group}/id4/", page_id=4, title=s["notfound_title"],
            description=s["notfound_text"], body_class="error", metas=(), to_top=False,
        )  # fmt: skip
        main = load("notfound.html").render(
            title=s["notfound_title"], text=s["notfound_text"], section=group,
            link=s["notfound_link"],
        )  # fmt: skip
        return Frozen.of(render_page(page, main, base, site.version, site.seed))

    frozen = site.pages.get(("404", group, site.version, base), make)
    response = html(404, frozen, "notfound", 5)
    response.headers[1] = ("cache-control", "private, no-cache")
    return response


def _excerpt(lead: str, lang: str) -> str:
    """English listings cut long excerpts mid-word (site.md §8, [T]); others show it all."""
    return lead[:EXCERPT_LIMIT] if lang == "en" else lead


def _items(site: Site, metas: tuple[ArticleMeta, ...]) -> list[Item]:
    return [
        Item(site.article_url(m.id), c.title, _excerpt(" ".join(c.lead), m.lang), m)
        for m, c in ((m, site.content(m.id)) for m in metas)
    ]


def listing(site: Site, group: str, query: dict[str, str], base: str) -> Response:
    page = int(query["page"]) if query.get("page", "").isdigit() else 1
    page = max(page, 1)
    filters = Filters.parse(query)

    def make() -> Frozen:
        metas = site.catalog.in_group(site.version, group)
        if filters != Filters():
            metas = tuple(m for m in metas if filters.accepts(m))
        total, chosen = len(metas), metas[(page - 1) * PER_PAGE : page * PER_PAGE]
        pages = -(-total // PER_PAGE)
        form = site.pages.get(
            ("filters", group, site.version),
            lambda: filters_html(group, site.catalog.in_group(site.version, group)),
        )
        main = listing_main(group, page, total, _items(site, chosen), form)
        info = listing_info(group, page, pages, base)
        return Frozen.of(render_page(info, main, base, site.version, site.seed))

    frozen = site.pages.get(("listing", group, page, filters, site.version, base), make)
    return html(200, frozen, "listing", 5)


def front(site: Site, group: str, base: str) -> Response:
    def make() -> Frozen:
        lang = "en" if group == "en" else "nb"
        s = lexicon.strings(lang)
        items = _items(site, site.catalog.in_group(site.version, group)[:10])
        rendered = "".join(
            f'        <li class="listItem"><a href="{i.path}">{i.title}</a></li>\n' for i in items
        )
        page = Page(
            lang=lang, path=f"/{group}/id4/", page_id=4, title=s["front_title"],
            description=s["listing_ingress"], body_class="frontpage", metas=(), to_top=False,
        )  # fmt: skip
        main = load("front.html").render(
            title=s["front_title"], latest=s["front_latest"], items=rendered.rstrip("\n"),
            listing_path=LISTING_PATHS[group], all=s["front_all"],
        )  # fmt: skip
        return Frozen.of(render_page(page, main, base, site.version, site.seed))

    return html(200, site.pages.get(("front", group, site.version, base), make), "front", 5)


def rss(site: Site, group: str, query: dict[str, str], base: str) -> Response:
    kind = query.get("documentType", query.get("documenttype", "aktuelt/nyheter"))
    owner = int(query["owner"]) if query.get("owner", "").isdigit() else None
    lang = "en" if group == "en" else "nb"
    chosen = []
    if kind.startswith("aktuelt/nyheter") or "aktuelt/nyheter".startswith(kind):
        for meta in site.catalog.in_group(site.version, group):
            if f"aktuelt/nyheter/{meta.kind}".startswith(kind) and (
                owner is None
                or any(lexicon.ministries()[i].ownerid == owner for i in meta.ministries)
            ):
                chosen.append(meta)
            if len(chosen) == 100:
                break
    campaign = "utm_source=regjeringen.no&utm_medium=rss&utm_campaign=nyheter"
    items = [
        (
            site.content(m.id).title,
            f"{base}{site.article_url(m.id)}?{campaign}",
            " ".join(site.content(m.id).lead),
            lexicon.TYPE_LABELS[m.lang][m.kind],
            lexicon.ministries()[m.ministries[0]].name(m.lang),
            m.published,
        )
        for m in chosen
    ]
    title = f"{lexicon.strings(lang)['listing_title']} - regjeringen.no"
    body = assets.rss(
        title, base + LISTING_PATHS[group], f"{base}{site.rss_path(group)}",
        lexicon.strings(lang)["dc_language"], items,
    )  # fmt: skip
    headers = [
        ("content-type", "application/rss+xml; charset=utf-8"),
        ("cache-control", "public,max-age=300"),
        ("vary", "accept-encoding"),
        *COMMON_HEADERS,
        ("cf-cache-status", "BYPASS"),
    ]
    return Response(200, headers, body, "rss")


def route(site: Site, target: str, base: str) -> Response:
    parts = urlsplit(target)
    path, query_string = parts.path or "/", parts.query
    query = dict(parse_qsl(query_string, keep_blank_values=True))
    suffix = f"?{query_string}" if query_string else ""
    if path == "/robots.txt":
        return static(assets.robots(base), "text/plain", "robots", assets.ROBOTS_MODIFIED)
    if path == "/":
        return redirect(f"{base}/no/id4/")
    if match := _FRONT.match(path):
        return front(site, match[1], base)
    if match := _LISTING.match(path):
        if path != LISTING_PATHS[match[1]]:
            return redirect(base + LISTING_PATHS[match[1]] + suffix)
        return listing(site, match[1], query, base)
    if match := _RSS.match(path):
        return rss(site, match[1], query, base)
    if match := _ASSET.match(path):
        return static(assets.pdf(match[1]), "application/pdf", "pdf", assets.ASSET_MODIFIED)
    if file := requisites.asset(path, query_string, deploy(site.version, site.seed)):
        response = static(file.body, file.content_type, "requisite", requisites.ASSET_MODIFIED)
        response.stream, response.length = file.stream, file.length
        return response
    if match := _LEGACY.match(path):
        return redirect(f"{base}/no{match[2] or '/'}{suffix}")
    group = path.split("/")[1] if path.count("/") > 1 else "no"
    article_id = None
    if match := _SHORT.match(path):
        article_id = int(match[1])
    elif match := _ARTICLE.match(path):
        article_id = int(match[2])
    if article_id is None or article_id not in site.catalog.by_id or not site.is_live(article_id):
        response = not_found(site, "en" if group == "en" else "no", base)
        response.article_id = article_id
        return response
    canonical = site.article_url(article_id)
    if path != canonical:
        response = redirect(base + canonical + suffix)
        response.article_id = article_id
        return response
    return html(200, site.article_page(article_id, base), "article", 15, article_id)
