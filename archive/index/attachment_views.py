"""Attached documents as the reading commands show them: their versions beside an
article's revisions (``history``), a replaced document as a change (``changes``), and the
text diff between two versions (``diff``).

A document's versions are compared as revisions are: the diff's "body" is the document's
text, its "title" the link text, so every rendering of ``archive.index.diff`` works.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from archive.index.attachment_search import listing_articles
from archive.index.attachments import AttachmentNotFound, file_name
from archive.index.diff import Diff, NothingToCompare, diff
from archive.index.schema import Revision
from archive.index.store import Index


@dataclass(frozen=True)
class AttachmentVersion:
    """One version of a document, as an article's history lists it."""

    url: str
    title: str  # the link text as the article lists it
    version: int
    versions: int  # how many the URL has
    captured_at: str
    sha256: str
    size: int
    content_type: str | None
    status: str
    reason: str | None
    warc_file: str | None
    warc_offset: int | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": "attachment",
            "url": self.url,
            "title": self.title,
            "version": self.version,
            "versions": self.versions,
            "captured_at": self.captured_at,
            "sha256": self.sha256,
            "size": self.size,
            "content_type": self.content_type,
            "text": self.status,
            "reason": self.reason,
            "warc_file": self.warc_file,
            "warc_offset": self.warc_offset,
        }


_VERSIONS = """
    SELECT v.*, c.warc_file, c.offset AS warc_offset,
        (SELECT max(version) FROM attachments w WHERE w.url = v.url) AS versions
    FROM attachments v LEFT JOIN captures c ON c.id = v.capture_id
    WHERE v.url = ? ORDER BY v.version
"""


def article_attachments(index: Index, article_id: int) -> list[AttachmentVersion]:
    """Every version of every document any revision of the article listed, oldest first."""
    if not index.has_attachments:
        return []
    links = index.conn.execute(
        "SELECT url, title FROM attachment_links WHERE article_id = ? ORDER BY revision_id",
        (article_id,),
    ).fetchall()
    titles = {row["url"]: row["title"] for row in links}  # the latest listing's text wins
    found = [
        _version(row, titles[url])
        for url in titles
        for row in index.conn.execute(_VERSIONS, (url,))
    ]
    return sorted(found, key=lambda v: (v.captured_at, v.url, v.version))


def _version(row: sqlite3.Row, title: str) -> AttachmentVersion:
    return AttachmentVersion(
        url=row["url"],
        title=title,
        version=row["version"],
        versions=row["versions"],
        captured_at=row["captured_at"],
        sha256=row["sha256"],
        size=row["size"],
        content_type=row["content_type"],
        status=row["status"],
        reason=row["reason"],
        warc_file=row["warc_file"],
        warc_offset=row["warc_offset"],
    )


def is_attachment(index: Index, ref: str) -> bool:
    """Whether ``ref`` is the URL of a document the index holds."""
    if not index.has_attachments:
        return False
    found = index.conn.execute("SELECT 1 FROM attachments WHERE url = ? LIMIT 1", (ref.strip(),))
    return found.fetchone() is not None


def find_attachment(index: Index, article_id: int, name: str) -> str:
    """The URL of the article's document named ``name``: its URL or its file name."""
    for version in article_attachments(index, article_id):
        if name in (version.url, file_name(version.url)):
            return version.url
    raise AttachmentNotFound(f"article id{article_id} lists no archived document {name!r}")


def _as_revision(index: Index, url: str, version: int) -> Revision:
    row = index.conn.execute(
        "SELECT * FROM attachments WHERE url = ? AND version = ?", (url, version)
    ).fetchone()
    if row is None:
        raise AttachmentNotFound(f"{url} has no version {version} in the index")
    listing = listing_articles(index.conn, url)
    first = listing[0] if listing else None
    return Revision(
        id=row["id"],
        article_id=first["id"] if first else 0,
        revision=row["version"],
        url=url,
        lang=row["lang"],
        title=first["link_title"] if first else file_name(url),
        lead="",
        body=row["text"],
        published=None,
        type=row["format"],
        ministries=[],
        topics=[],
        images=[],
        attachments=[],
        last_modified=None,
        revised=None,
        extracted_by=row["status"],
        content_hash=row["sha256"],
        captured_at=row["captured_at"],
        capture_id=row["capture_id"],
    )


def attachment_diff(index: Index, url: str, older: int | None, newer: int | None) -> Diff:
    """Text diff of a document between two versions: by default its latest and the one
    before; ``NothingToCompare`` when it has one version only."""
    url = url.strip()
    latest = index.conn.execute("SELECT max(version) FROM attachments WHERE url = ?", (url,))
    count = latest.fetchone()[0]
    if count is None:
        raise AttachmentNotFound(f"no document {url!r} in the index")
    new = newer if newer is not None else count
    if older is None and new <= 1:
        raise NothingToCompare(f"{url} has only one version: nothing to compare")
    old = older if older is not None else new - 1
    return diff(_as_revision(index, url, old), _as_revision(index, url, new))


@dataclass(frozen=True)
class Replacement:
    """A document whose bytes changed at its URL since a date."""

    url: str
    title: str
    article_id: int
    article_url: str
    when: str
    from_version: int
    to_version: int
    summary: str


def replaced_since(index: Index, start: str) -> list[Replacement]:
    """Documents with a new version (their second or later) captured at or after ``start``."""
    if not index.has_attachments:
        return []
    rows = index.conn.execute(
        "SELECT url, min(version) AS first_new, max(version) AS latest FROM attachments"
        " WHERE version > 1 AND captured_at >= ? GROUP BY url",
        (start,),
    ).fetchall()
    found = []
    for row in rows:
        older = _as_revision(index, row["url"], row["first_new"] - 1)
        newer = _as_revision(index, row["url"], row["latest"])
        changed = diff(older, newer)
        what = changed.summary if changed.words_added or changed.words_removed else "new bytes"
        listing = listing_articles(index.conn, row["url"])
        found.append(
            Replacement(
                url=row["url"],
                title=newer.title,
                article_id=newer.article_id,
                article_url=listing[0]["url"] if listing else row["url"],
                when=newer.captured_at,
                from_version=older.revision,
                to_version=newer.revision,
                summary=f"attachment {file_name(row['url'])} replaced"
                f" (version {older.revision} -> {newer.revision}, {newer.extracted_by}): {what}",
            )
        )
    return found
