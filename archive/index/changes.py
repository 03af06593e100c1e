"""What changed since a date: revised and removed articles, and an Atom feed of them.

A *change* is an article that got a new revision (its second or later: a first sighting
is not a change) or was removed since the date, or an attached document whose bytes were
replaced at its URL (a new version: a silently replaced PDF is a change too). One change
per article: an article revised three times in the window is summarised from the revision
before the window to its latest.

The Atom feed is well-formed XML whatever the articles hold: characters XML 1.0 forbids
(NUL, ESC, form feed, U+FFFE, lone surrogates, ...) and other control characters are
written as visible escapes (``archive.index.printable``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from archive.index.attachment_views import replaced_since
from archive.index.diff import diff
from archive.index.printable import printable
from archive.index.schema import iso
from archive.index.store import Index

ATOM = "http://www.w3.org/2005/Atom"
DEFAULT_WINDOW = timedelta(days=7)  # how far back changes look when not told


@dataclass(frozen=True)
class Change:
    article_id: int
    url: str
    title: str
    kind: str  # "revised", "removed" or "attachment" (a document replaced at its URL)
    when: str  # ISO 8601 UTC: the latest revision's capture, or the removal
    from_revision: int  # for an attachment: its versions
    to_revision: int
    summary: str
    attachment: str | None = None  # the replaced document's URL

    def as_dict(self) -> dict[str, Any]:
        """What ``regarkiv changes --json`` prints for it."""
        return asdict(self)


def default_since(now: datetime | None = None) -> date:
    """The day ``DEFAULT_WINDOW`` ago (UTC): where ``regarkiv changes`` starts by default."""
    return ((now or datetime.now(UTC)) - DEFAULT_WINDOW).date()


def changes(index: Index, since: date | datetime) -> list[Change]:
    """Articles revised or removed at or after ``since`` (a date means its midnight UTC),
    newest first."""
    start = iso(since if isinstance(since, datetime) else datetime.combine(since, time(), UTC))
    revised = {
        row["article_id"]: (row["first_new"], row["latest"])
        for row in index.conn.execute(
            """
            SELECT article_id, min(revision) AS first_new, max(revision) AS latest
            FROM revisions WHERE revision > 1 AND captured_at >= ? GROUP BY article_id
            """,
            (start,),
        )
    }
    removed = {
        row["id"]: row
        for row in index.conn.execute(
            """
            SELECT a.id, a.removed_at, a.latest_revision, c.status AS http_status
            FROM articles a LEFT JOIN captures c ON c.id = a.removed_capture_id
            WHERE a.status = 'removed' AND a.removed_at >= ?
            """,
            (start,),
        )
    }
    found: list[Change] = []
    for article_id in revised.keys() | removed.keys():
        summary = ""
        if article_id in revised:
            first_new, latest = revised[article_id]
            older = index.get_revision(article_id, first_new - 1)
            newer = index.get_revision(article_id, latest)
            summary = diff(older, newer).summary
        else:
            newer = index.get_revision(article_id)
            older = newer
        kind, when = "revised", newer.captured_at
        if article_id in removed:
            row = removed[article_id]
            status = f" (HTTP {row['http_status']})" if row["http_status"] else ""
            summary = f"removed{status}" + (f"; before that: {summary}" if summary else "")
            kind, when = "removed", row["removed_at"]
        found.append(
            Change(
                article_id=article_id,
                url=newer.url,
                title=newer.title,
                kind=kind,
                when=when,
                from_revision=older.revision,
                to_revision=newer.revision,
                summary=summary,
            )
        )
    found += [
        Change(
            article_id=item.article_id,
            url=item.article_url,
            title=item.title,
            kind="attachment",
            when=item.when,
            from_revision=item.from_version,
            to_revision=item.to_version,
            summary=item.summary,
            attachment=item.url,
        )
        for item in replaced_since(index, start)
    ]
    found.sort(key=lambda change: (change.when, change.article_id), reverse=True)
    return found


def to_atom(
    found: list[Change],
    *,
    feed_id: str = "urn:regarkiv:changes",
    title: str = "regjeringen.no: revised and removed articles",
    link: str = "https://www.regjeringen.no/",
    updated: datetime | None = None,
    self_link: str | None = None,
    entry_links: Callable[[Change], list[tuple[str, str]]] | None = None,
) -> str:
    """An Atom 1.0 feed, one entry per change (``updated`` defaults to the newest).

    ``self_link`` is the feed's own address (``rel="self"``); ``entry_links`` gives each
    entry's links as (rel, href) pairs, first the main one, instead of the article's live URL
    alone (which is dead for a removed article)."""
    # Imported here, not at the top: ~3 ms of start-up (python -X importtime) that every
    # search, show and history paid for the feed only `changes --atom` writes.
    import xml.etree.ElementTree as ET

    ET.register_namespace("", ATOM)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        safe = {name: printable(value) for name, value in attrs.items()}
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", safe)
        element.text = printable(text) if text is not None else None
        return element

    feed = ET.Element(f"{{{ATOM}}}feed")
    sub(feed, "id", feed_id)
    sub(feed, "title", title)
    newest = max((change.when for change in found), default=None)
    sub(feed, "updated", iso(updated) if updated else newest or iso(datetime.now(UTC)))
    sub(feed, "link", href=link)
    if self_link is not None:
        sub(feed, "link", rel="self", href=self_link, type="application/atom+xml")
    sub(sub(feed, "author"), "name", "regarkiv")
    for change in found:
        entry = sub(feed, "entry")
        if change.attachment is not None:
            entry_id = f"urn:regarkiv:attachment:{change.attachment}:version:{change.to_revision}"
        elif change.kind == "removed":
            entry_id = f"urn:regarkiv:article:{change.article_id}:removed:{change.when}"
        else:
            entry_id = f"urn:regarkiv:article:{change.article_id}:revision:{change.to_revision}"
        sub(entry, "id", entry_id)
        kind = "Attachment replaced" if change.attachment else change.kind.capitalize()
        sub(entry, "title", f"{kind}: {change.title}")
        sub(entry, "updated", change.when)
        if entry_links is None:
            sub(entry, "link", href=change.attachment or change.url)
        for rel, href in entry_links(change) if entry_links else []:
            sub(entry, "link", rel=rel, href=href)
        sub(entry, "summary", change.summary)
    ET.indent(feed)
    return ET.tostring(feed, encoding="unicode", xml_declaration=True) + "\n"
