"""What a WACZ export holds: the WARC files a selection needs, and its page list.

A selection is every capture, or those of one job (``--job``), or those fetched since a
date (``--since``), or both. It is exported as **whole WARC files**, byte for byte, never
as records cut out of them: each file's SHA-256 in the WACZ's ``datapackage.json`` is then
the one the archive's fixity manifest recorded, so anyone can prove that the export is the
archive. A crawl writes its own WARC files (a job never appends to another job's file), so
``--job`` brings exactly that job's files; ``--since`` brings every file holding a capture
fetched since the date, which may also hold the same job's earlier captures. A revisit
record replays with its original's payload, so the file holding each selected revisit's
original comes too, whichever job wrote it.

The page list (``pages/pages.jsonl``) names one page per archived article (its latest 2xx
capture in the selection, with the title and the text of the revision in force then) and
one per listing page (its latest capture, with the title and text read from the archived
page), so that ReplayWeb.page lists them and its search finds their words.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import lxml.etree
import lxml.html

from archive.index.schema import iso
from archive.urls import is_listing_url
from archive.warc.reader import read_record_at

# Listing pages: where their text is, in order of preference, and what is no text.
PAGE_TEXT_ROOTS = ("//main", "//body")
NOT_TEXT = ("script", "style", "noscript", "template", "svg")


class ExportError(Exception):
    """The export cannot be made as asked (nothing selected, a WARC file gone, OUT taken)."""


@dataclass(frozen=True)
class Selection:
    """Which captures to export: all, or those of a job and/or fetched since a date."""

    job_id: str | None = None
    since: date | None = None

    def where(self, alias: str = "c") -> tuple[str, tuple[str, ...]]:
        """An SQL condition on the ``captures`` row ``alias`` and its parameters."""
        terms, params = ["1"], []
        if self.job_id is not None:
            terms.append(f"{alias}.job_id = ?")
            params.append(self.job_id)
        if self.since is not None:
            start = datetime(self.since.year, self.since.month, self.since.day, tzinfo=UTC)
            terms.append(f"{alias}.fetched_at >= ?")
            params.append(iso(start))
        return " AND ".join(terms), tuple(params)

    def describe(self) -> str:
        parts = [f"job {self.job_id}"] if self.job_id else []
        if self.since is not None:
            parts.append(f"captures since {self.since.isoformat()}")
        return ", ".join(parts) or "the whole archive"

    @property
    def everything(self) -> bool:
        return self.job_id is None and self.since is None


@dataclass(frozen=True)
class Page:
    """One line of ``pages.jsonl``."""

    url: str
    ts: str  # RFC 3339, whole seconds: the capture's 14-digit CDXJ timestamp
    title: str
    text: str

    def as_dict(self) -> dict[str, str]:
        page_id = hashlib.sha1(f"{self.ts} {self.url}".encode()).hexdigest()[:16]
        return {"id": page_id, "url": self.url, "ts": self.ts, "title": self.title} | (
            {"text": self.text} if self.text else {}
        )


def selected_files(conn: sqlite3.Connection, selection: Selection) -> list[str]:
    """The names of the WARC files holding the selected captures or their revisits'
    originals, sorted (oldest first: the names start with the time they were opened)."""
    where, params = selection.where("c")
    rows = conn.execute(
        f"""
        SELECT c.warc_file FROM captures c WHERE {where}
        UNION
        SELECT o.warc_file FROM captures c JOIN captures o ON o.record_id = c.refers_to
        WHERE c.record_type = 'revisit' AND {where}
        """,
        params + params,
    )
    return sorted(row[0] for row in rows)


# Numbers each capture of a group, its latest first (``n`` = 1). The times are whole seconds
# (as WARC-Date gives them), so two crawls can capture a page within one: the one written
# later (the higher row id, in WARC order) is the latest. max() with bare columns took
# whichever tied row SQLite met first: the older page, now and then.
_LATEST_FIRST = "row_number() OVER (PARTITION BY c.{} ORDER BY c.fetched_at DESC, c.id DESC) AS n"


def article_pages(conn: sqlite3.Connection, selection: Selection) -> Iterator[Page]:
    """Each article's latest 2xx capture in the selection, with the revision in force then
    (the newest first extracted at or before it), oldest capture first; streamed."""
    where, params = selection.where("c")
    rows = conn.execute(
        f"""
        WITH latest AS (
            SELECT article_id, fetched_at, url FROM (
                SELECT c.article_id, c.fetched_at, c.url, {_LATEST_FIRST.format("article_id")}
                FROM captures c
                WHERE c.article_id IS NOT NULL AND c.status BETWEEN 200 AND 299 AND {where}
            ) WHERE n = 1
        )
        SELECT l.url, l.fetched_at, r.title, r.lead, r.body FROM latest l
        JOIN revisions r ON r.article_id = l.article_id AND r.revision = (
            SELECT max(revision) FROM revisions
            WHERE article_id = l.article_id AND captured_at <= l.fetched_at
        )
        ORDER BY l.fetched_at, l.url
        """,
        params,
    )
    for url, fetched_at, title, lead, body in rows:
        text = "\n\n".join(part for part in (lead, body) if part)
        yield Page(url=url, ts=fetched_at, title=title, text=text)


def listing_pages(conn: sqlite3.Connection, selection: Selection, warcs: Path) -> Iterator[Page]:
    """Each listing page's latest 2xx capture in the selection (an HTML page at a listing
    URL), its title and text read from the archived page (a revisit's from its original)."""
    where, params = selection.where("c")
    rows = conn.execute(
        f"""
        SELECT url, fetched_at, warc_file, offset, original_file, original_offset FROM (
            SELECT c.url, c.fetched_at, c.warc_file, c.offset, o.warc_file AS original_file,
                o.offset AS original_offset, {_LATEST_FIRST.format("url")}
            FROM captures c LEFT JOIN captures o ON o.record_id = c.refers_to
            WHERE c.article_id IS NULL AND c.status BETWEEN 200 AND 299
              AND c.content_type LIKE 'text/html%' AND {where}
        ) WHERE n = 1 ORDER BY fetched_at, url
        """,
        params,
    ).fetchall()  # a few hundred listing pages; the cursor must not span the reads below
    for url, fetched_at, warc_file, offset, original_file, original_offset in rows:
        if not is_listing_url(url):
            continue
        if original_file is not None:
            warc_file, offset = original_file, original_offset
        title, text = page_text(warcs / warc_file, offset)
        yield Page(url=url, ts=fetched_at, title=title, text=text)


def page_text(warc: Path, offset: int) -> tuple[str, str]:
    """The ``<title>`` and the visible text of the HTML page archived at ``offset``; empty
    strings where the record or its HTML cannot be read (the page is listed all the same)."""
    try:
        body = read_record_at(warc, offset).decoded_body()
        if not body.strip():
            return "", ""
        doc = lxml.html.document_fromstring(body)
    except (OSError, ValueError, lxml.etree.LxmlError):
        return "", ""
    title = " ".join((doc.findtext(".//title") or "").split())
    for element in list(doc.iter(*NOT_TEXT)):
        element.drop_tree()
    for path in PAGE_TEXT_ROOTS:
        found = doc.xpath(path)
        if found:
            return title, " ".join(found[0].text_content().split())
    return title, ""
