"""From a captured response to the index: the one path for live crawls and reindex.

The live crawl runs it on a background thread fed by the WARC writer; reindex
runs it over records read back from the WARC files. Both call
``ingest_response`` so that the rebuilt index equals the live one.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
import zlib
from collections import Counter
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

from archive.capture import Capture, Exchange
from archive.warc_reader import UnsupportedEncoding, decode_body
from crawler.extract import NotAnArticle, extract_article
from crawler.urls import article_id, is_article_url

log = logging.getLogger(__name__)

# Commit in batches: one transaction per response would cap the crawl at disk sync speed.
BATCH_SIZE = 200
BATCH_SECONDS = 1.0


OUTCOME_COUNTS = {
    "new_article": "new_articles",
    "new_revision": "new_revisions",
    "unchanged": "unchanged",
}


@dataclass
class IngestStats:
    counts: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, int]:
        keys = ("new_articles", "new_revisions", "unchanged", "removed", "fallback_extractions")
        return {key: self.counts.get(key, 0) for key in keys}


def ingest_response(
    index: object,
    capture: Capture,
    body: bytes | None,
    job_id: str | None,
    stats: IngestStats,
) -> None:
    """Record one capture and, for an article page, its content or its removal.

    ``body`` is the decoded HTTP body, or None for a revisit record.
    """
    article = article_id(capture.url) if is_article_url(capture.url) else None
    capture_id = index.add_capture(capture, job_id, article)
    if article is None or capture.record_type != "response":
        return
    if capture.status in (404, 410):
        if index.mark_removed(article, capture.fetched_at, capture_id):
            stats.counts["removed"] += 1
        return
    if capture.status != 200 or body is None:
        return
    if capture.content_type and "html" not in capture.content_type.lower():
        stats.counts["not_html"] += 1
        return
    try:
        extracted = extract_article(body, capture.url)
    except NotAnArticle as error:
        stats.counts["not_article"] += 1
        log.warning("%s: not an article page (%s)", capture.url, error)
        return
    if extracted.extracted_by == "fallback":
        stats.counts["fallback_extractions"] += 1
        log.warning("%s: article template not found, used the fallback extractor", capture.url)
    outcome = index.record_article(extracted, capture_id, capture.fetched_at)
    stats.counts[OUTCOME_COUNTS[str(outcome)]] += 1


class Ingester:
    """Background thread: waits for each written capture and ingests it."""

    def __init__(self, index_path: Path, job_id: str | None) -> None:
        self.index_path = index_path
        self.job_id = job_id
        self.stats = IngestStats()
        self.errors: list[str] = []
        self.fatal: str | None = None  # the index could not be written at all
        self._queue: queue.Queue[tuple[Future[Capture], Exchange] | None] = queue.Queue(
            maxsize=2000
        )
        self._thread = threading.Thread(target=self._run, name="regarkiv-ingest", daemon=True)
        self._thread.start()

    def put(self, future: Future[Capture], exchange: Exchange) -> None:
        self._queue.put((future, exchange))

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        from archive.index import Index

        index: Index | None = None
        pending = 0
        last_commit = time.monotonic()
        try:
            index = Index(self.index_path)
        except (sqlite3.Error, OSError) as error:
            self.fatal = str(error)
        while True:
            try:
                item = self._queue.get(timeout=BATCH_SECONDS)
            except queue.Empty:
                item = ()
            if item is None:
                break
            if self.fatal or index is None:
                continue  # keep draining so the crawl never blocks on a full queue
            try:
                if item:
                    self._ingest_one(index, *item)
                    pending += 1
                if pending and (
                    pending >= BATCH_SIZE or time.monotonic() - last_commit >= BATCH_SECONDS
                ):
                    index.commit()
                    pending, last_commit = 0, time.monotonic()
            except sqlite3.Error as error:  # disk full, I/O error: the WARCs still have it all
                self.fatal = str(error)
                log.error("index write failed: %s", error)
        if index is not None:
            try:
                index.close()
            except sqlite3.Error as error:
                self.fatal = self.fatal or str(error)

    def _ingest_one(self, index: object, future: Future[Capture], exchange: Exchange) -> None:
        try:
            capture = future.result()
        except Exception as error:  # the writer reports its own failure to the session
            self.errors.append(f"{exchange.url}: {error}")
            return
        body = None
        if capture.record_type == "response":
            try:
                body = decode_body(exchange.body, exchange.header("Content-Encoding"))
            except (UnsupportedEncoding, zlib.error) as error:
                self.stats.counts["undecodable"] += 1
                log.warning("%s: cannot decode body (%s)", exchange.url, error)
        try:
            ingest_response(index, capture, body, self.job_id, self.stats)
        except sqlite3.Error:
            raise
        except Exception as error:  # one bad page must not stop indexing the crawl
            self.errors.append(f"{exchange.url}: {error}")
            log.exception("indexing %s failed", exchange.url)
