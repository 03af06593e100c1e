"""From a captured response to the index: the one path for live crawls and reindex.

Ingesting is two steps: ``prepare`` (decode the body, extract the article: pure
CPU, no index) and ``apply`` (write capture, revision or removal to the index).
The live crawl runs both in an indexer *process* fed by the WARC writer thread
(archive/indexer.py), so extraction and SQLite work use the second core instead of
competing with Scrapy's reactor for the GIL. Reindex runs ``prepare`` in a process
pool and ``apply`` in order. Both go through the same two functions, so the rebuilt
index equals the live one. ``recount`` says what ``apply`` counted for a capture the
index already holds, for an indexer that must not apply a capture twice.
"""

from __future__ import annotations

import hashlib
import logging
import zlib
from collections import Counter
from dataclasses import dataclass

from archive.extract.article import NotAnArticle, extract_article
from archive.extract.documents import document_format, extract_document
from archive.index.attachments import AttachmentOutcome, DocumentFacts
from archive.index.store import Index
from archive.ingest_counts import ATTACHMENT_TEXT, ATTACHMENT_VERSIONS, IngestStats
from archive.model import Article, Capture
from archive.urls import article_page_id
from archive.warc.reader import UnsupportedEncoding, decode_body

log = logging.getLogger(__name__)

OUTCOME_COUNTS = {
    "new_article": "new_articles",
    "new_revision": "new_revisions",
    "unchanged": "unchanged",
}


@dataclass(frozen=True)
class Prepared:
    """What ``prepare`` made of one capture, ready to be applied to the index."""

    capture: Capture
    article_id: int | None
    article: Article | None = None
    skipped: str | None = None  # why an article capture yields no content (a stats key)
    warning: str | None = None
    document: DocumentFacts | None = None  # an attached document's text and facts


def prepare(capture: Capture, body: bytes | None, content_encoding: str | None) -> Prepared:
    """Decode and extract, without touching the index (safe in any process).

    ``body`` is the HTTP body as stored (content coding kept), or None for a revisit.
    """
    article = article_page_id(capture.url)
    if article is None and body is not None:
        return prepare_document(capture, body, content_encoding)
    if (
        article is None
        or capture.record_type != "response"
        or capture.status != 200
        or body is None
    ):
        return Prepared(capture, article)
    if capture.content_type and "html" not in capture.content_type.lower():
        return Prepared(capture, article, skipped="not_html")
    try:
        html = decode_body(body, content_encoding)
    except (UnsupportedEncoding, zlib.error, OSError, ValueError) as error:
        return Prepared(capture, article, skipped="undecodable", warning=f"cannot decode: {error}")
    try:
        extracted = extract_article(html, capture.url)
    except NotAnArticle as error:
        return Prepared(
            capture, article, skipped="not_article", warning=f"not an article page ({error})"
        )
    return Prepared(capture, article, article=extracted)


def prepare_document(capture: Capture, body: bytes, content_encoding: str | None) -> Prepared:
    """A 2xx response that is a document (by its bytes, extension or Content-Type): its
    text, within the extraction's bounds; anything else as a plain capture."""
    if capture.record_type != "response" or not 200 <= capture.status < 300:
        return Prepared(capture, None)
    undecodable: str | None = None
    try:
        data = decode_body(body, content_encoding)
    except (UnsupportedEncoding, zlib.error, OSError, ValueError, EOFError) as error:
        if document_format(capture.url, capture.content_type, b"") is None:
            return Prepared(capture, None)
        data, undecodable = b"", f"cannot decode its {content_encoding} coding: {error}"
    kind = document_format(capture.url, capture.content_type, data)
    if kind is None:
        return Prepared(capture, None)
    found = extract_document(data, kind)
    status, reason = found.status, found.reason
    if undecodable:
        status, reason = "damaged", undecodable
    facts = DocumentFacts(
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        format=found.format,
        status=status,
        reason=reason,
        text=found.text,
        pages=found.pages,
        lang=found.lang,
    )
    return Prepared(capture, None, document=facts)


def apply(index: Index, prepared: Prepared, job_id: str | None, stats: IngestStats) -> None:
    """Record the capture and, for an article page, its content or its removal."""
    capture = prepared.capture
    capture_id = index.add_capture(capture, job_id, prepared.article_id)
    if prepared.warning:
        log.warning("%s: %s", capture.url, prepared.warning)
    if prepared.skipped:
        stats.counts[prepared.skipped] += 1
        return
    if prepared.document is not None:
        made = index.record_attachment(capture, capture_id, prepared.document)
        if made is not AttachmentOutcome.UNCHANGED:
            _count_version(stats.counts, prepared.document.status)
        return
    if prepared.article_id is None:
        return
    if capture.record_type == "revisit":
        # The payload of an earlier capture: the article was there, unchanged.
        if 200 <= capture.status < 300 and index.mark_seen(prepared.article_id, capture.fetched_at):
            stats.counts["unchanged"] += 1
        return
    if capture.record_type != "response":
        return
    if capture.status in (404, 410):
        if index.mark_removed(prepared.article_id, capture.fetched_at, capture_id, linked=True):
            stats.counts["removed"] += 1
        return
    if prepared.article is None:
        return
    if prepared.article.extracted_by == "fallback":
        stats.counts["fallback_extractions"] += 1
        log.warning("%s: article template not found, used the fallback extractor", capture.url)
    # add_capture was given the article id: the capture's row names it already.
    outcome = index.record_article(prepared.article, capture_id, capture.fetched_at, linked=True)
    stats.counts[OUTCOME_COUNTS[str(outcome)]] += 1


def _count_version(counts: Counter[str], status: str) -> None:
    counts[ATTACHMENT_VERSIONS] += 1
    counts[ATTACHMENT_TEXT + status] += 1


def ingest_response(
    index: Index,
    capture: Capture,
    body: bytes | None,
    content_encoding: str | None,
    job_id: str | None,
    stats: IngestStats,
) -> None:
    apply(index, prepare(capture, body, content_encoding), job_id, stats)


def recount(index: Index, prepared: Prepared) -> Counter[str] | None:
    """What ``apply`` counted for this capture, if the index already holds it; else None.

    Read back from what it wrote: the revision the capture made (1: a new article, more:
    a new revision, none: unchanged), the removal it recorded; skipped pages and
    fallback extractions from ``prepared`` itself.
    """
    capture = prepared.capture
    row = index.conn.execute(
        "SELECT id FROM captures WHERE record_id = ?", (capture.record_id,)
    ).fetchone()
    if row is None:
        return None
    counts: Counter[str] = Counter()
    if prepared.skipped:
        counts[prepared.skipped] += 1
        return counts
    if prepared.document is not None:
        made = index.attachment_status(row[0])
        if made is not None:
            _count_version(counts, made[1])
        return counts
    if prepared.article_id is None or capture.record_type not in ("response", "revisit"):
        return counts
    capture_id, article = row[0], prepared.article_id
    if capture.record_type == "revisit" or prepared.article is None:
        if capture.record_type == "revisit" and 200 <= capture.status < 300:
            known = index.conn.execute("SELECT 1 FROM articles WHERE id = ?", (article,))
            counts["unchanged"] += known.fetchone() is not None
        elif capture.status in (404, 410):
            removal = index.conn.execute(
                "SELECT 1 FROM articles WHERE id = ? AND removed_capture_id = ?",
                (article, capture_id),
            )
            counts["removed"] += removal.fetchone() is not None
        return counts
    if prepared.article.extracted_by == "fallback":
        counts["fallback_extractions"] += 1
    revision = index.conn.execute(
        "SELECT revision FROM revisions WHERE capture_id = ?", (capture_id,)
    ).fetchone()
    number = revision[0] if revision else 0
    counts["new_articles" if number == 1 else "new_revisions" if number else "unchanged"] += 1
    return counts
