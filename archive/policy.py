"""The recrawl policy: which listed or archived articles a crawl fetches (again).

Pure decisions over what the index says is archived; the crawl session asks them for
the spider.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum


class Recrawl(StrEnum):
    NEW = "new"  # only articles not yet archived
    RECENT = "recent"  # also archived articles published in the last `recent_days`
    ALL = "all"  # every listed article, and archived ones no longer listed
    # New articles, archived ones whose sitemap lastmod moved, and "recent" for the rest
    # (archive/changed.py); "recent" when the sitemap is missing, undated or lies.
    CHANGED = "changed"


@dataclass(frozen=True)
class RecrawlPolicy:
    mode: Recrawl
    recent_days: int
    archived: Mapping[int, date | None]  # archived article id -> published date
    done_in_job: Collection[int]  # articles this job already has a final answer for
    # False while another job of the site is unfinished: what it had not reached may lie
    # beyond pages that are all archived, so "caught up" would skip it.
    may_stop_early: bool = True
    # "changed" with trusted sitemap dates: the archived articles the sitemap dates, and
    # those of them whose date moved since they were last seen. None: no dates to go by.
    dated: Collection[int] | None = None
    moved: Collection[int] = ()

    def should_fetch(self, article: int, published: date | None, today: date | None = None) -> bool:
        """Whether a listed article needs fetching."""
        if article in self.done_in_job:
            return False  # a resumed job never fetches the same article twice
        if article not in self.archived or self.mode is Recrawl.ALL:
            return True
        if self.mode is Recrawl.NEW:
            return False
        if self.mode is Recrawl.CHANGED and self.dated is not None and article in self.dated:
            return article in self.moved
        published = published or self.archived.get(article)
        if published is None:
            return True
        today = today or datetime.now(UTC).date()
        return published >= today - timedelta(days=self.recent_days)

    def archived_before(self, article: int) -> bool:
        """Archived before this job: its own articles (a resumed job's) do not count
        towards being caught up, or a resumed job would stop at its first page."""
        return article in self.archived and article not in self.done_in_job

    def stop_paging(self, archived_before: int, items: int) -> bool:
        """A full page of articles archived before this job, none of which needs fetching,
        means we are caught up (the listing is newest first), unless another job is
        unfinished. In "new" mode that is any full page of archived articles; in "recent"
        and "changed" such a page is also older than the cutoff, since recent articles
        are fetched (issue 13: ~100 requests instead of every listing page). "all" walks
        every page."""
        return (
            self.may_stop_early
            and self.mode is not Recrawl.ALL
            and items > 0
            and archived_before == items
        )

    def refetches_unlisted(self) -> bool:
        """In "all" mode live archived articles the listings no longer show are re-fetched."""
        return self.mode is Recrawl.ALL
