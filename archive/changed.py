"""``--recrawl changed``: which archived articles the sitemap says changed, and whether
to believe it.

An archived article *moved* when its sitemap ``lastmod`` is later than the ``revised``
date of its latest revision (the CMS edit time the page itself gives), or, when the page
gave none, than its newest capture. A ``lastmod`` that is only a date cannot be placed
within its day, so a day on or after the newest capture's counts as moved.

Whether the dates can be trusted is checked by sampling, before anything else is
decided: a few articles whose ``lastmod`` did not move are fetched and their text
compared with the archived one (a changed one proves an edit the sitemap hid), and when
``lastmod`` moved for most articles, a few of those too (unchanged ones prove dates set
to "today"). The sample is the articles least recently seen, so successive crawls audit
different ones. When the sitemap is missing, undated or disproved, the crawl falls back
to ``recent`` and says why (``Verdict``).

Plain Python over the index: the crawler (crawler/sitemaps.py) fetches, this decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from archive.extract.article import NotAnArticle, extract_article
from archive.index.normalise import content_hash, same_but_for_headings
from archive.index.store import Index
from archive.model import Article
from archive.policy import Recrawl
from archive.sitemap import Lastmod

SAMPLE = 10  # articles fetched to check the dates, per check
# "lastmod moved for most articles" (worth checking for dates set to today): more than
# this share of the dated archived articles, and more than SUSPECT_MIN of them.
SUSPECT_SHARE = 0.5
SUSPECT_MIN = 10
# A sitemap listing this share of the archived live articles lists them all: one that
# lacks an article most likely lost it to a removal, so it is fetched again.
COMPLETE_SHARE = 0.9


@dataclass(frozen=True)
class Seen:
    """What the index knows of an archived article's freshness."""

    last_seen: datetime | None  # the newest capture that showed it
    revised: datetime | None  # the ``revised`` meta of its latest revision
    published: date | None
    live: bool = True


@dataclass(frozen=True)
class Verdict:
    """What a ``changed`` crawl made of the sitemap; recorded in the job."""

    used: Recrawl  # CHANGED, or RECENT when falling back
    reason: str
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def trusted(self) -> bool:
        return self.used is Recrawl.CHANGED

    def as_dict(self) -> dict[str, Any]:
        return {"used": str(self.used), "reason": self.reason, **self.figures}

    def warning(self) -> str:
        return f"--recrawl changed falls back to recent: {self.reason}"


@dataclass
class Plan:
    """The archived articles a trusted sitemap sorts, and the samples that test it."""

    dated: set[int]
    moved: set[int]
    absent: list[int]  # live, archived, missing from a sitemap that lists nearly all
    sample_unmoved: list[int]
    sample_moved: list[int]  # only when lastmod moved for suspiciously many

    @property
    def sample(self) -> list[int]:
        return [*self.sample_unmoved, *self.sample_moved]


def seen_articles(index: Index) -> dict[int, Seen]:
    """Every archived article's last sighting and latest ``revised`` date."""
    rows = index.conn.execute(
        """
        SELECT a.id, a.last_seen, a.status, r.revised, r.published FROM articles a
        LEFT JOIN revisions r ON r.article_id = a.id AND r.revision = a.latest_revision
        """
    )
    return {
        row[0]: Seen(_iso(row[1]), _http_date(row[3]), _day(row[4]), row[2] == "live")
        for row in rows
    }


def moved(lastmod: Lastmod, seen: Seen) -> bool:
    """Whether ``lastmod`` says the article changed after it was last archived."""
    if lastmod.precise:
        reference = seen.revised or seen.last_seen
        return reference is None or lastmod.when > reference
    if seen.revised is not None and lastmod.day > seen.revised.date():
        return True
    return seen.last_seen is None or lastmod.day >= seen.last_seen.date()


def plan(
    lastmods: Mapping[int, Lastmod | None], seen: Mapping[int, Seen], sample: int = SAMPLE
) -> Plan | Verdict:
    """Sort the archived articles by the sitemap's dates, or say why it cannot be used."""
    if not lastmods:
        return fallback("the sitemap lists no news articles", sitemap_articles=0)
    live = {article for article, state in seen.items() if state.live}
    dated = {a for a, lastmod in lastmods.items() if lastmod is not None and a in seen}
    if seen and not dated:
        return fallback(
            "the sitemap gives no lastmod for any archived article",
            sitemap_articles=len(lastmods),
        )
    # An article marked removed that the sitemap lists again is back: fetch it.
    moved_ids = {
        a
        for a in dated
        if not seen[a].live or moved(lastmods[a], seen[a])  # type: ignore[arg-type]
    }
    listed = live & lastmods.keys()
    absent = sorted(live - lastmods.keys()) if len(listed) >= COMPLETE_SHARE * len(live) else []
    order = sorted(dated, key=lambda a: _least_recently_seen(a, seen[a]))
    unmoved = [a for a in order if a not in moved_ids and seen[a].live]
    suspect = len(moved_ids) > max(SUSPECT_MIN, SUSPECT_SHARE * len(dated))
    sample_moved = [a for a in order if a in moved_ids and seen[a].live][:sample] if suspect else []
    return Plan(dated, moved_ids, absent, unmoved[:sample], sample_moved)


def judge(found: Plan, changed: Mapping[int, bool | None], figures: dict[str, Any]) -> Verdict:
    """The verdict from the sampled articles: ``changed[id]`` is whether its text changed
    (None: it could not be compared, e.g. it failed or is gone)."""
    figures = {
        **figures,
        "archived_dated": len(found.dated),
        "moved": len(found.moved),
        "absent": len(found.absent),
        "sampled": sum(1 for a in found.sample if changed.get(a) is not None),
    }
    hidden = [a for a in found.sample_unmoved if changed.get(a)]
    if hidden:
        return fallback(
            f"article id{hidden[0]} changed although its sitemap lastmod did not move "
            f"({len(hidden)} of {len(found.sample_unmoved)} sampled)",
            **figures,
        )
    if found.sample_unmoved and all(changed.get(a) is None for a in found.sample_unmoved):
        return fallback("none of the sampled articles could be compared", **figures)
    if found.sample_moved:
        compared = [bool(changed[a]) for a in found.sample_moved if changed.get(a) is not None]
        if not compared or 2 * sum(compared) < len(compared):
            return fallback(
                f"lastmod moved for {len(found.moved)} of {len(found.dated)} archived articles, "
                f"but {len(compared) - sum(compared)} of {len(compared)} sampled are unchanged",
                **figures,
            )
    return Verdict(
        Recrawl.CHANGED,
        f"sitemap dates trusted: {len(found.moved)} of {len(found.dated)} archived articles "
        f"moved, {figures['sampled']} sampled",
        figures,
    )


def fallback(reason: str, **figures: Any) -> Verdict:
    return Verdict(Recrawl.RECENT, reason, figures)


def text_changed(index: Index, article: int, html: bytes, url: str) -> bool | None:
    """Whether a page's text differs from its archived latest revision (None: not an
    article page, or not archived). The indexer's own rule (archive/index/articles.py)."""
    try:
        extracted = extract_article(html, url)
    except NotAnArticle:
        return None
    row = index.conn.execute(
        """
        SELECT r.content_hash, r.title, r.lead, r.body FROM articles a
        JOIN revisions r ON r.article_id = a.id AND r.revision = a.latest_revision
        WHERE a.id = ?
        """,
        (article,),
    ).fetchone()
    if row is None:
        return None
    return not _same(row, extracted)


def _same(row: Any, new: Article) -> bool:
    digest = content_hash(new.title, new.lead, new.body)
    return bool(row[0] == digest or same_but_for_headings(row[1], row[2], row[3], new, digest))


def _least_recently_seen(article: int, seen: Seen) -> tuple[str, int]:
    # Seen within the same hour counts as a tie (a small crawl, or an hour of a full one),
    # broken by a fixed scramble of the id, so the sample is spread over what that hour
    # saw, not its first minute (which a crawl crossing a minute would otherwise be).
    stamp = seen.last_seen.isoformat() if seen.last_seen else ""
    return (stamp[:13], (article * 2654435761) % 2**32)


def _iso(text: str | None) -> datetime | None:
    try:
        return _utc(datetime.fromisoformat(text)) if text else None
    except ValueError:
        return None


def _http_date(text: str | None) -> datetime | None:
    try:
        return _utc(parsedate_to_datetime(text)) if text else None
    except (TypeError, ValueError, IndexError):
        return None


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None
