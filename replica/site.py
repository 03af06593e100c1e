"""The replica's content model: which articles exist at which version, and their pages.

``Site`` does no I/O. ``render()`` turns a path into a ``Response``; the server adds the
transport headers. Ground truth for extraction tests comes from ``expected()``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import lru_cache
from typing import Any, TypeVar

from archive.model import Article, Attachment, Image
from replica import lexicon
from replica.article_page import Related, display_date, http_date, owners, topics
from replica.article_page import main_html as article_main
from replica.article_page import page_info as article_info
from replica.articles import base_title, build, modified, rng_for, slugify
from replica.catalog import FEATURES, ArticleMeta, Catalog
from replica.chrome import LISTING_PATHS
from replica.content import ArticleContent, AttachmentLink, Figure, norm, read, walk
from replica.frame import render_page
from replica.routes import Response, route
from replica.sitemap import MODES as SITEMAP_MODES
from replica.templating import Frozen

DEFAULT_BASE_URL = "https://www.regjeringen.no"
LANG_GROUPS = {None: None, "no": "no", "nb": "no", "nn": "no", "en": "en"}

T = TypeVar("T")


class LRU:
    """A small thread-safe LRU map for rendered pages and page fragments."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                cached: T = self._data[key]  # a key always names the same kind of value
                return cached
        value = make()
        with self._lock:
            self._data[key] = value
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return value


@lru_cache(maxsize=4096)
def _content(meta: ArticleMeta, seed: int, edits: tuple[int, ...]) -> ArticleContent:
    return build(meta, seed, edits)


@lru_cache(maxsize=65536)
def _slug(meta: ArticleMeta, seed: int) -> str:
    return slugify(base_title(meta, seed))


class Site:
    def __init__(
        self,
        articles: int = 300,
        seed: int = 1,
        *,
        version: int = 1,
        en_share: float = 0.25,
        base_url: str = DEFAULT_BASE_URL,
        cache_size: int = 512,
        sitemap: str = "dated",
    ) -> None:
        if sitemap not in SITEMAP_MODES:
            raise ValueError(f"sitemap mode {sitemap!r}: choose from {', '.join(SITEMAP_MODES)}")
        self.sitemap = sitemap  # how the sitemap dates articles (replica/sitemap.py)
        self.seed = seed
        self.base_url = base_url.rstrip("/")
        self.catalog = Catalog(articles, seed, en_share)
        self.pages = LRU(cache_size)
        self._lock = threading.Lock()
        self._version = 1
        self._positions: dict[tuple[int, str], dict[int, int]] = {}
        self.set_version(version)

    @property
    def version(self) -> int:
        return self._version

    def set_version(self, version: int) -> None:
        if version < 1:
            raise ValueError(f"versions start at 1, not {version}")
        with self._lock:
            self.catalog.live(version)  # computes every delta up to it, under the lock
            self._version = version

    def meta(self, article_id: int) -> ArticleMeta:
        """Metadata of any article that exists at some computed version (live or not)."""
        return self.catalog.by_id[article_id]

    def is_live(self, article_id: int) -> bool:
        return article_id in self.catalog.live_ids(self.version)

    def article_ids(self, lang: str | None = None) -> list[int]:
        """Live ids at the current version, newest first; lang is None, "no", "nb", "nn" or "en"."""
        group = LANG_GROUPS[lang]
        metas = self.catalog.in_group(self.version, group)
        return [m.id for m in metas if lang in (None, "no", "en") or m.lang == lang]

    def _existing(self, version: int) -> frozenset[int]:
        return self.catalog.live_ids(version)

    def removed_ids(self, since: int = 1) -> set[int]:
        """Ids live at ``since`` that are gone now."""
        return set(self._existing(since) - self._existing(self.version))

    def new_ids(self, since: int = 1) -> set[int]:
        """Ids live now that did not exist at ``since``."""
        return set(self._existing(self.version) - self._existing(since))

    def edited_ids(self, since: int = 1) -> set[int]:
        """Ids live at both ``since`` and now whose content changed in between."""
        both = self._existing(since) & self._existing(self.version)
        changed: set[int] = set()
        for version in range(since + 1, self.version + 1):
            changed |= self.catalog.delta(version).edited
        return set(both & changed)

    def features(self, article_id: int) -> frozenset[str]:
        meta = self.meta(article_id)
        found = {f for f in FEATURES if meta.has(f)}
        if len(meta.ministries) > 1:
            found.add("multi-ministry")
        return frozenset(found)

    def ids_with(self, feature: str, lang: str | None = None) -> list[int]:
        return [i for i in self.article_ids(lang) if feature in self.features(i)]

    def lang_of(self, article_id: int) -> str:
        return self.meta(article_id).lang

    def article_url(self, article_id: int) -> str:
        """The canonical path, e.g. "/no/aktuelt/<slug>/id<N>/"."""
        meta = self.meta(article_id)
        return f"/{meta.group}/aktuelt/{_slug(meta, self.seed)}/id{meta.id}/"

    @staticmethod
    def listing_path(lang: str = "no", page: int = 1) -> str:
        path = LISTING_PATHS[LANG_GROUPS[lang] or "no"]
        return path if page == 1 else f"{path}?page={page}"

    @staticmethod
    def rss_path(lang: str = "no") -> str:
        return f"/{LANG_GROUPS[lang] or 'no'}/rss/Rss/2581966/?documentType=aktuelt/nyheter"

    def edits(self, article_id: int) -> tuple[int, ...]:
        return self.catalog.edit_versions(article_id, self.version)

    def content(self, article_id: int) -> ArticleContent:
        return _content(self.meta(article_id), self.seed, self.edits(article_id))

    def attachment_links(self, article_id: int) -> list[AttachmentLink]:
        """The documents the article's page lists now, in page order."""
        return [link for link, _ in read(self.content(article_id).blocks)[1]]

    def modified(self, article_id: int) -> str:
        return http_date(modified(self.meta(article_id), self.seed, self.edits(article_id)))

    def expected(self, article_id: int, base_url: str | None = None) -> Article:
        """Ground truth: exactly what a correct extractor produces from the page now."""
        if not self.is_live(article_id):
            raise KeyError(f"article {article_id} is not live at version {self.version}")
        base = (base_url or self.base_url).rstrip("/")
        meta, content = self.meta(article_id), self.content(article_id)
        lang, blocks = meta.lang, walk(content.blocks)
        body, links = read(content.blocks)
        stamp = self.modified(article_id)
        return Article(
            id=meta.id,
            url=base + self.article_url(article_id),
            lang=lang,
            title=norm(content.title),
            lead="\n\n".join(norm(p) for p in content.lead),
            body="\n\n".join(body),
            published=meta.published.strftime("%Y-%m-%d"),
            type=lexicon.TYPE_LABELS[lang][meta.kind],
            ministries=[m.name(lang) for m in owners(meta)],
            topics=[t.name(lang) for t in topics(meta)],
            images=[
                Image(norm(b.caption), b.credit, base + b.src, b.alt)
                for b in blocks
                if isinstance(b, Figure)
            ],
            attachments=[
                Attachment(norm(link.label), base + link.href, heading) for link, heading in links
            ],
            last_modified=stamp,
            revised=stamp,
        )

    def related(self, meta: ArticleMeta) -> list[Related]:
        """Sidebar links to a few older live articles; they change as those change."""
        rng = rng_for(self.seed, meta.id, 4)
        if rng.random() < 0.5:
            return []
        live = self.catalog.in_group(self.version, meta.group)
        key = (self.version, meta.group)
        if key not in self._positions:
            self._positions[key] = {m.id: i for i, m in enumerate(live)}
        start = self._positions[key].get(meta.id, 0) + 1
        picks = sorted({start + rng.randint(0, 40) for _ in range(rng.randint(1, 3))})
        out = []
        for other in (live[i] for i in picks if i < len(live)):
            label = lexicon.TYPE_LABELS[meta.lang][other.kind]
            title = self.content(other.id).title
            date = display_date(other.published, meta.lang)
            out.append(Related(self.article_url(other.id), title, label, date))
        return out

    def article_page(self, article_id: int, base_url: str) -> Frozen:
        key = ("article", article_id, self.version, base_url)
        return self.pages.get(key, lambda: self._article_page(article_id, base_url))

    def _article_page(self, article_id: int, base_url: str) -> Frozen:
        meta, content = self.meta(article_id), self.content(article_id)
        stamp = modified(meta, self.seed, self.edits(article_id))
        page = article_info(meta, content, self.article_url(article_id), stamp)
        contact = rng_for(self.seed, meta.id, 5).random() < 0.5
        main = article_main(meta, content, self.related(meta), contact)
        return Frozen.of(render_page(page, main, base_url, self.version, self.seed))

    def render(self, target: str, base_url: str | None = None) -> Response:
        """Serve one request target (path and query); the server adds transport headers."""
        return route(self, target, (base_url or self.base_url).rstrip("/"))
