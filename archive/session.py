"""A crawl session: the job, the WARC writer and the indexer around one crawl.

The spider only decides what to fetch; everything it fetches flows through
``CrawlSession.capture`` to the archiver process (WARC writer, archive/archiver.py)
and from there to the indexer process, so the reactor thread never compresses,
writes to disk or parses article HTML.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from archive.config import CrawlConfig
from archive.datadir import DataDir
from archive.index.jobs import (
    articles_done_in_job,
    figures_from_index,
    listings_in_job,
    reopen_job,
)
from archive.index.schema import Job
from archive.index.store import Index
from archive.ingest import IngestStats
from archive.model import Exchange
from archive.pipeline import Archiver, ArchiverConfig, ArchiverReport
from archive.policy import RecrawlPolicy
from archive.reindex import catch_up
from archive.urls import on_site
from archive.warc.exchange import WarcInfo
from archive.warc.exchange import software as regarkiv_software
from archive.warc.reader import read_record_at
from archive.warc.repair import repair_open_files
from archive.warc.writer import WarcWriteError

log = logging.getLogger(__name__)
UNINDEXED = {
    "not_article": "not-an-article",
    "not_html": "not-html",
    "undecodable": "undecodable",
}


def new_job_id(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


@dataclass
class CrawlSummary:
    job_id: str
    status: str
    listing_pages: int
    articles_fetched: int
    failures: dict[str, int]
    bytes: int
    warc_files: list[str]
    duration_seconds: float
    new_articles: int = 0
    new_revisions: int = 0
    unchanged: int = 0
    removed: int = 0
    fallback_extractions: int = 0
    fatal: str | None = None  # why the crawl stopped early, if it did
    signal: str | None = None  # the signal that interrupted it (SIGINT, SIGTERM)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def render(self) -> str:
        failures = ", ".join(f"{k} {v}" for k, v in sorted(self.failures.items())) or "none"
        status = f"{self.status} by {self.signal}" if self.signal else self.status
        lines = [
            f"job {self.job_id}: {status} in {self.duration_seconds:.1f} s",
            f"  listing pages    {self.listing_pages}",
            f"  articles fetched {self.articles_fetched}",
            f"  new articles     {self.new_articles}",
            f"  new revisions    {self.new_revisions}",
            f"  unchanged        {self.unchanged}",
            f"  removed          {self.removed}",
            f"  fallback extractions {self.fallback_extractions}",
            f"  failures         {failures}",
            f"  bytes            {self.bytes:,}",
            f"  WARC files       {len(self.warc_files)}",
        ]
        lines += [f"    {name}" for name in self.warc_files]
        return "\n".join(lines)


class CrawlSession:
    """What one crawl job owns: the data directory's lock, the index, the archiver.

    ``software`` names what writes the WARC files (regarkiv and Scrapy, with versions),
    for their ``warcinfo`` records; the crawler supplies it.
    """

    summary: CrawlSummary  # once closed

    def __init__(self, config: CrawlConfig, software: str = "") -> None:
        self.config = config
        self.software = software or regarkiv_software()
        self.counts: Counter[str] = Counter()
        self.failures: Counter[str] = Counter()
        self.bytes = 0
        self.started = time.monotonic()
        self._lock = threading.Lock()
        self._closed = False
        self.fatal: str | None = None  # why the crawl could not go on (disk full ...)
        self.signal: str | None = None  # what interrupted it

    @classmethod
    def open(cls, config: CrawlConfig, software: str = "") -> CrawlSession:
        session = cls(config, software)
        session._open()
        return session

    def _open(self) -> None:
        data = self.data = DataDir(self.config.data_dir)
        data.ensure_writable()
        self.lock = data.lock()
        self.lock.acquire()
        try:
            self.repairs = repair_open_files(data.warcs)
            self.index = data.open_index()
            repaired = [r.warc_path.name for r in self.repairs if r.warc_path is not None]
            self.caught_up = recover_crashed_jobs(self.index, data.warcs, repaired)
            self.previous_figures: dict[str, Any] = {}
            if self.config.resume:
                job = resumable_job(self.index)
                self.config = self.config.resumed(job.settings or {})
                self.job_id = job.id
                self.previous_figures = job.figures or {}
                reopen_job(self.index, job.id, os.getpid())
            else:
                self.job_id = new_job_id()
                self.index.start_job(self.job_id, self.config.job_settings(), pid=os.getpid())
            self.policy = RecrawlPolicy(
                mode=self.config.recrawl,
                recent_days=self.config.recent_days,
                archived=self.index.article_published(),
                done_in_job=articles_done_in_job(self.index, self.job_id),
            )
            self._listings_in_job = listings_in_job(self.index, self.job_id)
            self.archiver = Archiver(
                ArchiverConfig(
                    warc_dir=data.warcs,
                    warcinfo=self._warcinfo(),
                    host=self.config.host,
                    max_size=self.config.warc_max_size,
                    gzip_level=self.config.gzip_level,
                    index_path=data.index_path,
                    job_id=self.job_id,
                )
            )
        except BaseException:
            if getattr(self, "index", None) is not None:
                self.index.close()
            self.lock.release()
            raise

    def _warcinfo(self) -> WarcInfo:
        config = self.config
        langs = ",".join(config.langs)
        return WarcInfo(
            software=self.software,
            job_id=self.job_id,
            operator=config.contact or "unset",
            user_agent=config.user_agent,
            robots="obey",
            base_url=config.base_url,
            is_part_of=f"regarkiv-{self.job_id}",
            description=f"regarkiv crawl of {config.base_url} news listings ({langs})",
            settings=tuple((k, _field(v)) for k, v in sorted(config.job_settings().items())),
        )

    # -- what the spider asks ---------------------------------------------------

    def should_fetch(self, article: int, published: date | None) -> bool:
        """Whether a listed article needs fetching under the recrawl policy."""
        return self.policy.should_fetch(article, published)

    def stop_paging(self, already_archived: int, items: int) -> bool:
        """In "new" mode a full page of archived articles means we are caught up."""
        return self.policy.stop_paging(already_archived, items)

    def unlisted_to_refetch(self, listed: set[int]) -> list[tuple[int, str]]:
        """In "all" mode: live archived articles the listings no longer show.

        Each at the site being crawled: an article's URL in the index is the one its
        page names as canonical, which on a mirror is the real site's.
        """
        if not self.policy.refetches_unlisted():
            return []
        return [
            (article, on_site(url, self.config.base_url))
            for article, url in self.index.live_articles()
            if article not in listed and article not in self.policy.done_in_job
        ]

    def archived_listing(self, url: str) -> bytes | None:
        """The decoded body of a listing page this job already archived, if any."""
        where = self._listings_in_job.get(url)
        if where is None:
            return None
        warc_file, offset = where
        try:
            return read_record_at(self.data.warcs / warc_file, offset).decoded_body()
        except (OSError, ValueError):
            return None

    # -- what the crawl reports ---------------------------------------------------

    def capture(self, exchange: Exchange) -> None:
        try:
            self.archiver.submit(exchange)
        except WarcWriteError as error:
            self.fatal = self.fatal or f"cannot write WARC files: {error}"
            raise
        with self._lock:
            self.bytes += len(exchange.body)

    def count(self, name: str, n: int = 1) -> None:
        with self._lock:
            self.counts[name] += n

    def failed(self, reason: str, url: str, n: int = 1) -> None:
        with self._lock:
            self.failures[reason] += n

    def stopped_by(self, signum: int) -> None:
        """A signal asked the crawl to stop (called in a signal handler: only a note)."""
        if self.signal is None:
            self.signal = _signal_name(signum)

    def progress_line(self) -> str:
        return (
            f"listing pages {self.counts['listing_pages']}"
            f"  articles {self.counts['articles_fetched']}"
            f"  failures {sum(self.failures.values())}  {self.bytes / 1e6:.1f} MB"
        )

    def close(self, status: str = "finished") -> CrawlSummary:
        if self._closed:
            return self.summary
        self._closed = True
        report: ArchiverReport = self.archiver.close()
        if report.error:
            self.fatal = self.fatal or f"cannot write WARC files: {report.error}"
        ingest = report.ingest
        if self.fatal:
            status = "failed"
        failures = Counter(self.failures)
        counts = Counter(ingest.counts)
        # Fetched fine but not indexable: the summary must say so, not hide it.
        for count, reason in UNINDEXED.items():
            if counts[count]:
                failures[reason] += counts[count]
        if ingest.errors:
            failures["index-error"] += len(ingest.errors)
        if self.fatal:
            failures["warc-write-error"] += 1
        summary = CrawlSummary(
            job_id=self.job_id,
            status=status,
            listing_pages=self.counts["listing_pages"],
            articles_fetched=self.counts["articles_fetched"],
            failures=dict(failures),
            bytes=self.bytes,
            warc_files=sorted(Path(p).name for p in report.closed_files),
            duration_seconds=round(time.monotonic() - self.started, 2),
            **IngestStats(counts).as_dict(),
            fatal=self.fatal,
            signal=self.signal,
        )
        if self.previous_figures:
            summary = merge_figures(self.previous_figures, summary)
        if ingest.fatal and not self.fatal:
            log.error(
                "the index could not be updated (%s); the WARC files are complete: "
                "run `regarkiv reindex` once the cause is fixed",
                ingest.fatal,
            )
        self.index.finish_job(self.job_id, status, summary.as_dict())
        self.index.close()
        self.lock.release()
        self.summary = summary
        return summary


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def _field(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ",".join(str(item) for item in value)
    return "" if value is None else str(value)


class NothingToResume(LookupError):
    pass


def recover_crashed_jobs(index: Index, warc_dir: Path, repaired: list[str] | None = None) -> int:
    """Jobs still "running" while we hold the lock died (kill -9, power cut).

    Mark them interrupted and index what they wrote to WARC but not to the
    index; the same for WARC files left open (``repaired``: their names) by a
    crawl that ended without closing them, e.g. when its writer process died.
    Returns how many captures were caught up.
    """
    crashed = [job for job in index.list_jobs() if job.status == "running"]
    since = [_first_warc_name(job.started_at) for job in crashed] + list(repaired or [])
    if not since:
        return 0
    report = catch_up(index, warc_dir, since_name=min(since))
    index.commit()
    for job in crashed:
        figures = {**(job.figures or {}), **figures_from_index(index, job.id)}
        figures["note"] = "the crawl process died; figures were rebuilt from the index"
        index.finish_job(job.id, "interrupted", figures)
    return report.captures


def _first_warc_name(started_at: str) -> str:
    """Every WARC file of a job started at ``started_at`` sorts at or after this name."""
    return "regarkiv-" + "".join(ch for ch in started_at if ch.isdigit())[:14]


def resumable_job(index: Index) -> Job:
    """The latest interrupted job; ``NothingToResume`` when there is none."""
    jobs = [job for job in index.list_jobs() if job.status == "interrupted"]
    if not jobs:
        raise NothingToResume("no interrupted crawl to resume (see `regarkiv jobs`)")
    return jobs[-1]


def merge_figures(previous: dict[str, Any], summary: CrawlSummary) -> CrawlSummary:
    """A resumed job's figures cover all of its runs."""
    merged = summary.as_dict()
    for key, value in previous.items():
        if key in ("job_id", "status", "note") or key not in merged:
            continue
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float) and isinstance(merged[key], int | float):
            merged[key] = merged[key] + value
        elif isinstance(value, dict):
            failures = Counter(value)
            failures.update(merged[key])
            merged[key] = dict(failures)
        elif isinstance(value, list):
            merged[key] = sorted(set(value) | set(merged[key]))
    return CrawlSummary(**merged)
