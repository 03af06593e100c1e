"""Attached documents in the index: their versions, their text, and who lists them.

An *attachment version* is one distinct content of a document URL: the first response
with a 2xx is version 1, a later one whose bytes differ (``sha256`` of the document as
decoded) is version 2, and so on; the same bytes again is the same version. Which articles
list a document is in ``attachment_links``, one row per article revision and URL, written
with the revision (``link_attachments``), so it does not matter whether a crawl, or a
reindex, meets the document before or after the article that lists it.

The text of each URL's latest version is searchable through ``attachments_stems``
(contentless FTS5, the same four columns as ``revisions_stems``, so the same compiled
query matches both): the file name's words, nothing for a lead, the text's stems, and
a language facet (``len`` for an English text, as the query's English alternative needs).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from archive.index.fts import facet_text, stem_text
from archive.index.schema import iso
from archive.index.search_queue import SearchQueue
from archive.model import Attachment, Capture


class AttachmentNotFound(LookupError):
    """No attached document with that URL or id in the index."""


class AttachmentOutcome(StrEnum):
    NEW_ATTACHMENT = "new_attachment"
    NEW_VERSION = "new_version"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class DocumentFacts:
    """What extraction found in a document response (``archive.ingest.prepare``)."""

    sha256: str  # of the document's bytes, content coding removed
    size: int
    format: str
    status: str  # archive.extract.documents.STATUSES
    reason: str | None
    text: str
    pages: int | None
    lang: str


def file_name(url: str) -> str:
    """The last segment of a URL's path, unquoted: ``horingsnotat.pdf``."""
    return unquote(PurePosixPath(urlsplit(url).path).name) or url


def stems_values(row_id: int, url: str, text: str, lang: str | None) -> tuple[object, ...]:
    """The ``attachments_stems`` row of a version: exactly what it was indexed with."""
    name = file_name(url).rsplit(".", 1)[0].replace("-", " ").replace("_", " ")
    return (row_id, stem_text(name, lang), "", stem_text(text, lang), facet_text(lang, None, []))


def link_attachments(
    conn: sqlite3.Connection, revision_id: int, article_id: int, listed: list[Attachment]
) -> None:
    """Record which documents a new revision lists, with the link text as listed."""
    conn.executemany(
        "INSERT OR IGNORE INTO attachment_links (revision_id, article_id, url, title, heading)"
        " VALUES (?, ?, ?, ?, ?)",
        [(revision_id, article_id, a.url, a.title, a.heading) for a in listed],
    )


class Attachments(SearchQueue):
    """The ``attachments`` table and its search rows."""

    def record_attachment(
        self, capture: Capture, capture_id: int, facts: DocumentFacts
    ) -> AttachmentOutcome:
        """Record a document response: a new version when its bytes differ from the
        latest version's at that URL."""
        self._begin()
        latest = self.conn.execute(
            "SELECT id, version, sha256, text, lang FROM attachments WHERE url = ?"
            " ORDER BY version DESC LIMIT 1",
            (capture.url,),
        ).fetchone()
        if latest is not None and latest["sha256"] == facts.sha256:
            self._done()
            return AttachmentOutcome.UNCHANGED
        version = latest["version"] + 1 if latest else 1
        row_id = self.conn.execute(
            """
            INSERT INTO attachments (url, version, sha256, payload_digest, content_type, size,
                format, status, reason, pages, lang, text, captured_at, capture_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
            """,
            (
                capture.url, version, facts.sha256, capture.payload_digest,
                capture.content_type, facts.size, facts.format, facts.status, facts.reason,
                facts.pages, facts.lang, facts.text, iso(capture.fetched_at), capture_id,
            ),
        ).fetchone()[0]  # fmt: skip
        if not self.defer_search:
            if latest is not None:
                self._attachment_stems(
                    "delete",
                    stems_values(latest["id"], capture.url, latest["text"], latest["lang"]),
                )
            self._attachment_stems(
                "insert", stems_values(row_id, capture.url, facts.text, facts.lang)
            )
        self._done()
        return AttachmentOutcome.NEW_VERSION if latest else AttachmentOutcome.NEW_ATTACHMENT

    def _attachment_stems(self, kind: str, values: tuple[object, ...]) -> None:
        command = "'delete'" if kind == "delete" else "NULL"
        self.conn.execute(
            "INSERT INTO attachments_stems (attachments_stems, rowid, title, lead, body, facets)"
            f" VALUES ({command}, ?, ?, ?, ?, ?)",
            values,
        )

    def rebuild_search(self) -> None:
        """Both search indexes: the revisions' (``SearchQueue``) and the documents'."""
        super().rebuild_search()
        if self.conn.execute("SELECT 1 FROM attachments LIMIT 1").fetchone() is None:
            return  # nothing to index (a new index): its file stays as small as it was
        with self.transaction():
            self.conn.execute(
                "INSERT INTO attachments_stems (attachments_stems) VALUES ('delete-all')"
            )
            rows = self.conn.execute(
                """
                SELECT id, url, text, lang FROM attachments a
                WHERE version = (SELECT max(version) FROM attachments b WHERE b.url = a.url)
                ORDER BY id
                """
            )
            for row in rows.fetchall():
                self._attachment_stems("insert", stems_values(*row))

    def attachment_status(self, capture_id: int) -> tuple[int, str] | None:
        """(version, status) of the version a capture made, if it made one."""
        row = self.conn.execute(
            "SELECT version, status FROM attachments WHERE capture_id = ?", (capture_id,)
        ).fetchone()
        return (row[0], row[1]) if row else None
