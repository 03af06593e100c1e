"""Which articles exist at which site version: ids, dates, languages, owners, features.

Only this metadata is generated up front, from one ``Random(seed)`` stream (a few
microseconds per article); titles and bodies are generated lazily per article. Version
``v >= 2`` adds new articles at the top, edits some and removes some of the articles
live at ``v - 1``; every choice is a function of the seed and the version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, cached_property
from random import Random

from replica import lexicon

ANCHOR = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # publication time of the newest v1 article
WEEK = timedelta(days=7)
FIRST_DEPLOY = "202606173_211653"  # the ?v= cache buster of the real captures

FEATURES = (
    "figure", "table", "factbox", "attachments", "quote", "list", "olist", "h3", "script",
    "lead-p", "lead-2", "contact", "link", "tricky-top", "tricky-js", "tricky-escaped",
)  # fmt: skip
_CHANCE = {
    "figure": 0.35, "table": 0.2, "factbox": 0.25, "attachments": 0.2, "quote": 0.4,
    "list": 0.45, "olist": 0.15, "h3": 0.25, "script": 0.1, "lead-p": 0.6, "lead-2": 0.3,
    "contact": 0.5, "link": 0.3,
}  # fmt: skip
# Every 23rd article carries one kind of chrome-like or markup-like text, so any site of
# 23+ articles has each kind at least once.
_TRICKY = {5: "tricky-top", 11: "tricky-js", 17: "tricky-escaped"}
# Ids used by the chrome (listings, menus); an article never gets one of them.
RESERVED_IDS = frozenset({4, 1150, 1330, 1334, 1763, 2000006, 2000007, 2006120, 2581966, 86008})


@cache
def _topic_pool(ministry: int) -> tuple[int, ...]:
    """Topics an article of this owner is tagged with (the owner's own, else any)."""
    abbr = lexicon.ministries()[ministry].abbr
    own = tuple(i for i, t in enumerate(lexicon.topics()) if abbr in t.owners)
    return own or tuple(range(len(lexicon.topics())))


def version_time(version: int) -> datetime:
    return ANCHOR + (version - 1) * WEEK


def deploy(version: int, seed: int) -> str:
    """The asset cache buster of a site version (changes on every deploy)."""
    if version == 1:
        return FIRST_DEPLOY
    when = version_time(version)
    return f"{when:%Y%m%d}{version % 10}_{(seed * 7919 + version * 104729) % 1_000_000:06d}"


@dataclass(frozen=True, slots=True)
class ArticleMeta:
    id: int
    lang: str  # "nb", "nn" or "en"
    kind: str  # DC.Type code: "Pressemelding" or "Nyhet"
    published: datetime
    ministries: tuple[int, ...]  # indexes into lexicon.ministries(); the first is the owner
    topics: tuple[int, ...]  # indexes into lexicon.topics()
    flags: int
    version: int  # the site version that published it

    def has(self, feature: str) -> bool:
        return bool(self.flags >> FEATURES.index(feature) & 1)

    @property
    def group(self) -> str:
        return lexicon.section(self.lang)


@dataclass(frozen=True)
class Delta:
    new: tuple[ArticleMeta, ...]  # newest first
    edited: frozenset[int]
    removed: frozenset[int]


class Catalog:
    def __init__(self, articles: int, seed: int, en_share: float = 0.25) -> None:
        self.seed = seed
        self.en_share = en_share
        self._deltas: dict[int, Delta] = {}
        self._live: dict[int, tuple[ArticleMeta, ...]] = {}
        self._live_ids: dict[int, frozenset[int]] = {}
        rng = Random(seed)
        step = max(4, min(60, 2_000_000 // max(articles, 1)))
        gap = max(20, min(600, 8_000_000 // max(articles, 1)))
        article_id, when = 3_171_000 + rng.randint(0, 999), ANCHOR
        base = []
        for index in range(articles):
            base.append(self._meta(rng, article_id, when, 1, _TRICKY.get(index % 23)))
            article_id = self._next_id(article_id, -rng.randint(3, step))
            when -= timedelta(minutes=rng.randint(10, gap))
        self.base = tuple(base)
        self.by_id = {m.id: m for m in base}
        self._top_id = base[0].id if base else 3_171_000

    @staticmethod
    def _next_id(article_id: int, step: int) -> int:
        article_id += step
        while article_id in RESERVED_IDS:
            article_id += 1 if step > 0 else -1
        return article_id

    def _meta(
        self, rng: Random, article_id: int, when: datetime, version: int, tricky: str | None
    ) -> ArticleMeta:
        roll = rng.random()
        lang = "en" if roll < self.en_share else "nn" if roll < self.en_share + 0.15 else "nb"
        kind = lexicon.TYPE_CODES[0] if rng.random() < 0.55 else lexicon.TYPE_CODES[1]
        ministry_count = len(lexicon.ministries())
        owners = [rng.randrange(ministry_count)]
        extra = rng.random()
        for _ in range(2 if extra < 0.04 else 1 if extra < 0.16 else 0):
            other = rng.randrange(ministry_count)
            if other not in owners:
                owners.append(other)
        pool = _topic_pool(owners[0])
        roll = rng.random()
        count = 0 if roll < 0.15 else 1 if roll < 0.65 else 2 if roll < 0.9 else 3
        topics = tuple(dict.fromkeys(rng.choice(pool) for _ in range(count)))
        flags = 0
        for bit, feature in enumerate(FEATURES):
            if feature == tricky or rng.random() < _CHANCE.get(feature, 0.0):
                flags |= 1 << bit
        return ArticleMeta(article_id, lang, kind, when, tuple(owners), topics, flags, version)

    def delta(self, version: int) -> Delta:
        if version < 2:
            raise ValueError("version 1 is the initial site; deltas start at 2")
        if version not in self._deltas:
            previous = self.live(version - 1)
            rng = Random(self.seed * 1_000_003 + version * 7919)
            count = max(3, len(self.base) // 50)
            start, span = version_time(version - 1), WEEK / (count + 1)
            new, article_id = [], max([self._top_id, *(d.new[0].id for d in self._deltas.values())])
            for j in range(count):
                article_id = self._next_id(article_id, rng.randint(3, 60))
                when = (start + (j + 1) * span).replace(microsecond=0)
                new.append(self._meta(rng, article_id, when, version, None))
            edits, removals = max(2, len(previous) // 50), max(1, len(previous) // 100)
            chosen = rng.sample([m.id for m in previous], min(len(previous), edits + removals))
            delta = Delta(
                tuple(reversed(new)), frozenset(chosen[:edits]), frozenset(chosen[edits:])
            )
            self._deltas[version] = delta
            self.by_id.update((m.id, m) for m in new)
        return self._deltas[version]

    def live(self, version: int) -> tuple[ArticleMeta, ...]:
        """Articles live at ``version``, newest first."""
        if version not in self._live:
            if version == 1:
                self._live[1] = self.base
            else:
                delta = self.delta(version)
                kept = tuple(m for m in self.live(version - 1) if m.id not in delta.removed)
                self._live[version] = delta.new + kept
        return self._live[version]

    def live_ids(self, version: int) -> frozenset[int]:
        if version not in self._live_ids:
            self._live_ids[version] = frozenset(m.id for m in self.live(version))
        return self._live_ids[version]

    def edit_versions(self, article_id: int, version: int) -> tuple[int, ...]:
        return tuple(w for w in range(2, version + 1) if article_id in self.delta(w).edited)

    def in_group(self, version: int, group: str | None) -> tuple[ArticleMeta, ...]:
        """Live articles of one URL language group ("no" or "en"), newest first."""
        key = (version, group)
        cache = self._groups
        if key not in cache:
            live = self.live(version)
            cache[key] = live if group is None else tuple(m for m in live if m.group == group)
        return cache[key]

    @cached_property
    def _groups(self) -> dict[tuple[int, str | None], tuple[ArticleMeta, ...]]:
        return {}
