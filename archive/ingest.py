"""From a captured response to the index: the one path for live crawls and reindex.

Ingesting is two steps: ``prepare`` (decode the body, extract the article: pure
CPU, no index) and ``apply`` (write capture, revision or removal to the index).
The live crawl runs both in an indexer *process* fed by the WARC writer thread,
so extraction and SQLite work use the second core instead of competing with
Scrapy's reactor for the GIL. Reindex runs ``prepare`` in a process pool and
``apply`` in order. Both go through the same two functions, so the rebuilt
index equals the live one.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import sqlite3
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

from archive.extract.article import NotAnArticle, extract_article
from archive.index.store import Index
from archive.model import Article, Capture, Exchange
from archive.urls import article_id, is_article_url
from archive.warc.reader import UnsupportedEncoding, decode_body

log = logging.getLogger(__name__)

# Commit in batches: one transaction per response would cap the crawl at disk sync speed.
BATCH_SIZE = 200
BATCH_SECONDS = 1.0
# Measured on 2 cores: nice 5 made a 3,000-article local crawl ~5% faster, nice 10 slower
# (the indexer fell behind, and a crawl ends only when its index has caught up).
INDEXER_NICENESS = 5
# How long closing waits for the indexer to finish its backlog, then to exit.
CLOSE_WAIT_S = 600.0
EXIT_WAIT_S = 60.0

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


@dataclass(frozen=True)
class Prepared:
    """What ``prepare`` made of one capture, ready to be applied to the index."""

    capture: Capture
    article_id: int | None
    article: Article | None = None
    skipped: str | None = None  # why an article capture yields no content (a stats key)
    warning: str | None = None


def prepare(capture: Capture, body: bytes | None, content_encoding: str | None) -> Prepared:
    """Decode and extract, without touching the index (safe in any process).

    ``body`` is the HTTP body as stored (content coding kept), or None for a revisit.
    """
    article = article_id(capture.url) if is_article_url(capture.url) else None
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


def apply(index: Index, prepared: Prepared, job_id: str | None, stats: IngestStats) -> None:
    """Record the capture and, for an article page, its content or its removal."""
    capture = prepared.capture
    capture_id = index.add_capture(capture, job_id, prepared.article_id)
    if prepared.warning:
        log.warning("%s: %s", capture.url, prepared.warning)
    if prepared.skipped:
        stats.counts[prepared.skipped] += 1
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
        if index.mark_removed(prepared.article_id, capture.fetched_at, capture_id):
            stats.counts["removed"] += 1
        return
    if prepared.article is None:
        return
    if prepared.article.extracted_by == "fallback":
        stats.counts["fallback_extractions"] += 1
        log.warning("%s: article template not found, used the fallback extractor", capture.url)
    outcome = index.record_article(prepared.article, capture_id, capture.fetched_at)
    stats.counts[OUTCOME_COUNTS[str(outcome)]] += 1


def ingest_response(
    index: Index,
    capture: Capture,
    body: bytes | None,
    content_encoding: str | None,
    job_id: str | None,
    stats: IngestStats,
) -> None:
    apply(index, prepare(capture, body, content_encoding), job_id, stats)


@dataclass
class IngestResult:
    """What the indexer process reports when it ends."""

    counts: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    fatal: str | None = None


def _indexer_main(index_path: Path, job_id: str | None, inbox: Connection) -> None:
    """The indexer process: ingest what arrives until a None (or the parent dies)."""
    # Fetching goes first: the index is derived data and catches up at the end, while
    # a fetch delayed by an indexer holding the CPU delays everything after it.
    with contextlib.suppress(OSError):
        os.nice(INDEXER_NICENESS)
    # Ctrl-C reaches the whole process group; the parent decides when we stop,
    # and we must commit what we have first.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s [%(name)s] %(levelname)s: %(message)s"
    )
    stats = IngestStats()
    result = IngestResult()
    index: Index | None = None
    try:
        index = Index(index_path)
    except (sqlite3.Error, OSError) as error:
        result.fatal = str(error)
    pending, last_commit = 0, time.monotonic()
    while True:
        try:
            item = inbox.recv() if inbox.poll(BATCH_SECONDS) else ()
        except (EOFError, OSError):
            break  # the crawl process died (kill -9): keep what we have
        if item is None:
            break
        if result.fatal or index is None:
            continue  # keep draining so the crawl never blocks on a full pipe
        try:
            if item:
                capture, body, encoding = item
                try:
                    ingest_response(index, capture, body, encoding, job_id, stats)
                except sqlite3.Error:
                    raise
                except Exception as error:  # one bad page must not stop indexing the crawl
                    result.errors.append(f"{capture.url}: {error}")
                    log.exception("indexing %s failed", capture.url)
                pending += 1
            if pending and (
                pending >= BATCH_SIZE or time.monotonic() - last_commit >= BATCH_SECONDS
            ):
                index.commit()
                pending, last_commit = 0, time.monotonic()
        except sqlite3.Error as error:  # disk full, I/O error: the WARCs still have it all
            result.fatal = str(error)
            log.error("index write failed: %s", error)
    if index is not None:
        try:
            index.close()
        except sqlite3.Error as error:
            result.fatal = result.fatal or str(error)
    result.counts = dict(stats.counts)
    with contextlib.suppress(OSError):  # the parent is gone: nobody to tell
        inbox.send(result)


class Ingester:
    """Feeds written captures to the indexer process; the handover runs on the writer thread,
    so the crawl's reactor thread does no indexing work at all."""

    def __init__(self, index_path: Path, job_id: str | None) -> None:
        context = multiprocessing.get_context("spawn")  # never fork a threaded process
        self._conn, child = context.Pipe(duplex=True)
        self._process = context.Process(
            target=_indexer_main,
            args=(Path(index_path), job_id, child),
            name="regarkiv-indexer",
            daemon=True,
        )
        self._process.start()
        child.close()
        self.stats = IngestStats()
        self.errors: list[str] = []
        self.fatal: str | None = None
        self._broken = False

    def written(self, capture: Capture, exchange: Exchange) -> None:
        """The WARC writer's ``on_written`` callback: runs on the writer thread, in file order."""
        if self._broken:
            return
        body = exchange.body if capture.record_type == "response" else None
        try:
            self._conn.send((capture, body, exchange.header("Content-Encoding")))
        except OSError as error:
            self._broken = True
            self.fatal = f"the indexer process stopped: {error}"

    def close(self) -> None:
        try:
            self._conn.send(None)
            if self._conn.poll(CLOSE_WAIT_S):
                result: IngestResult = self._conn.recv()
                self.stats.counts.update(result.counts)
                self.errors.extend(result.errors)
                self.fatal = self.fatal or result.fatal
        except (OSError, EOFError, BrokenPipeError) as error:
            self.fatal = self.fatal or f"the indexer process stopped: {error}"
        finally:
            self._process.join(timeout=EXIT_WAIT_S)
            if self._process.is_alive():
                self._process.kill()
            self._conn.close()
