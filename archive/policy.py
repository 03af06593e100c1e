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


@dataclass(frozen=True)
class RecrawlPolicy:
    mode: Recrawl
    recent_days: int
    archived: Mapping[int, date | None]  # archived article id -> published date
    done_in_job: Collection[int]  # articles this job already has a final answer for
    # False while another job of the site is unfinished: what it had not reached may lie
    # beyond pages that are all archived, so "caught up" would skip it.
    may_stop_early: bool = True

    def should_fetch(self, article: int, published: date | None, today: date | None = None) -> bool:
        """Whether a listed article needs fetching."""
        if article in self.done_in_job:
            return False  # a resumed job never fetches the same article twice
        if article not in self.archived or self.mode is Recrawl.ALL:
            return True
        if self.mode is Recrawl.NEW:
            return False
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
        """In "new" mode a full page of articles archived before this job means we are
        caught up, unless another job is unfinished."""
        return (
            self.may_stop_early
            and self.mode is Recrawl.NEW
            and items > 0
            and archived_before == items
        )

    def refetches_unlisted(self) -> bool:
        """In "all" mode live archived articles the listings no longer show are re-fetched."""
        return self.mode is Recrawl.ALL
