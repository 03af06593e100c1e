"""What the web interface shows besides search, history and diff: the latest activity of
the archive (new, edited and removed articles, counts per day), an article's captures, and
changes filtered by ministry and date.

Each reads the index only; the latest activity is bounded to the ``window`` days before the
newest event, so the front page costs the same in a small archive and a large one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from archive.index.changes import Change, changes
from archive.index.schema import iso
from archive.index.store import Index


@dataclass(frozen=True)
class Event:
    """An article that was new, edited or removed at ``when`` (ISO 8601 UTC)."""

    article_id: int
    title: str
    url: str
    lang: str | None
    kind: str  # "new", "edited" or "removed"
    when: str
    revision: int


@dataclass(frozen=True)
class Day:
    day: str  # YYYY-MM-DD (UTC)
    new: int
    edited: int
    removed: int


@dataclass(frozen=True)
class Activity:
    days: list[Day]  # newest first
    latest: dict[str, list[Event]]  # "new", "edited", "removed": newest first


@dataclass(frozen=True)
class CaptureRow:
    """One capture of an article: a response (any status) or a revisit record."""

    id: int
    url: str
    fetched_at: str
    status: int
    record_type: str
    job_id: str | None


_EVENTS = {
    "new": "SELECT r.article_id, r.title, r.url, r.lang, r.captured_at, r.revision"
    " FROM revisions r WHERE r.captured_at >= ? AND r.revision = 1"
    " ORDER BY r.captured_at DESC, r.article_id DESC LIMIT ?",
    "edited": "SELECT r.article_id, r.title, r.url, r.lang, r.captured_at, r.revision"
    " FROM revisions r WHERE r.captured_at >= ? AND r.revision > 1"
    " ORDER BY r.captured_at DESC, r.article_id DESC LIMIT ?",
    "removed": "SELECT a.id, r.title, r.url, r.lang, a.removed_at, r.revision"
    " FROM articles a JOIN revisions r ON r.article_id = a.id AND r.revision = a.latest_revision"
    " WHERE a.status = 'removed' AND a.removed_at >= ? ORDER BY a.removed_at DESC, a.id DESC"
    " LIMIT ?",
}
# One pass over a day's revisions (through the revisions_activity index where there is one).
_DAY_REVISIONS = (
    "SELECT coalesce(sum(revision = 1), 0), coalesce(sum(revision > 1), 0) FROM revisions"
    " WHERE captured_at >= ? AND captured_at < ?"
)
_DAY_REMOVALS = "SELECT count(*) FROM articles WHERE removed_at >= ? AND removed_at < ?"


def activity(index: Index, *, window: int = 14, latest: int = 10) -> Activity:
    """Counts per day over the ``window`` days up to the newest event, and the ``latest``
    events of each kind."""
    newest = index.conn.execute(
        "SELECT max(at) FROM (SELECT max(captured_at) AS at FROM revisions"
        " UNION ALL SELECT max(removed_at) FROM articles)"
    ).fetchone()[0]
    if newest is None:
        return Activity([], {kind: [] for kind in _EVENTS})
    last = date.fromisoformat(newest[:10])
    start = (last - timedelta(days=window - 1)).isoformat()
    latest_events = {
        kind: [Event(r[0], r[1], r[2], r[3], kind, r[4], r[5]) for r in index.conn.execute(
            select, (start, latest)
        )]
        for kind, select in _EVENTS.items()
    }  # fmt: skip
    days = []
    for back in range(window):
        day = last - timedelta(days=back)
        bounds = (day.isoformat(), (day + timedelta(days=1)).isoformat())
        new, edited = index.conn.execute(_DAY_REVISIONS, bounds).fetchone()
        removed = index.conn.execute(_DAY_REMOVALS, bounds).fetchone()[0]
        if new or edited or removed:
            days.append(Day(bounds[0], int(new), int(edited), int(removed)))
    return Activity(days, latest_events)


def captures_of(index: Index, article_id: int) -> list[CaptureRow]:
    """Every capture of an article, oldest first (``ArticleNotFound`` for none such)."""
    index.get_article(article_id)
    rows = index.conn.execute(
        "SELECT id, url, fetched_at, status, record_type, job_id FROM captures"
        " WHERE article_id = ? ORDER BY fetched_at, id",
        (article_id,),
    )
    return [CaptureRow(*row) for row in rows]


def ministries(index: Index) -> list[str]:
    """The ministries named by the latest revisions, in alphabetical order."""
    rows = index.conn.execute(
        "SELECT DISTINCT j.value FROM articles a JOIN revisions r"
        " ON r.article_id = a.id AND r.revision = a.latest_revision, json_each(r.ministries) j"
        " WHERE json_valid(r.ministries) ORDER BY 1"
    )
    return [str(row[0]) for row in rows]


def filtered_changes(
    index: Index,
    since: date,
    *,
    until: date | None = None,
    ministry: str | None = None,
    kind: str | None = None,
) -> list[Change]:
    """``changes`` since ``since`` and up to ``until`` (inclusive), of articles whose latest
    revision names ``ministry`` (exactly), of one ``kind`` ("revised", "removed" or
    "attachment")."""
    found = changes(index, since)
    if until is not None and until < date.max:
        end = iso(datetime.combine(until + timedelta(days=1), time(), UTC))
        found = [change for change in found if change.when < end]
    if kind is not None:
        found = [change for change in found if change.kind == kind]
    if ministry is not None:
        found = [change for change in found if ministry in _ministries(index, change)]
    return found


def _ministries(index: Index, change: Change) -> list[str]:
    """The ministries of the change's revision; for a replaced document (whose revision
    numbers are the document's versions), those of the listing article's latest one."""
    if change.attachment is not None:
        sql = "SELECT ministries FROM revisions WHERE article_id = ? ORDER BY revision DESC"
        row = index.conn.execute(sql, (change.article_id,)).fetchone()
    else:
        row = index.conn.execute(
            "SELECT ministries FROM revisions WHERE article_id = ? AND revision = ?",
            (change.article_id, change.to_revision),
        ).fetchone()
    try:
        value = json.loads(row[0]) if row else []
    except ValueError:
        return []
    return [str(item) for item in value] if isinstance(value, list) else []


def archived(index: Index, urls: list[str]) -> dict[str, str]:
    """Which of ``urls`` the archive holds a 2xx response of: URL → its latest fetch time."""
    found: dict[str, str] = {}
    for start in range(0, len(urls), 500):
        chunk = urls[start : start + 500]
        rows = index.conn.execute(
            "SELECT url, max(fetched_at) FROM captures WHERE status BETWEEN 200 AND 299"
            f" AND url IN ({', '.join('?' for _ in chunk)}) GROUP BY url",
            chunk,
        )
        found.update((str(row[0]), str(row[1])) for row in rows)
    return found
