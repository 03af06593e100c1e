"""A crawl session: the job, the WARC writer and the indexer around one crawl.

The spider only decides what to fetch; everything it fetches flows through
``CrawlSession.capture`` to the archiver process (WARC writer, archive/pipeline.py)
and from there to the indexer process, so the reactor thread never compresses,
writes to disk or parses article HTML.

Opening puts right what earlier crawls left (archive/recovery.py) and learns of
unfinished jobs; closing records the job with true figures (archive/figures.py), also
when the writer or the indexer process died on the way.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sqlite3
import threading
import time
import uuid
from collections import Counter
from collections.abc import Container, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from archive.config import CrawlConfig
from archive.datadir import DataDir
from archive.extract.requisites import Kind
from archive.figures import (
    CrawlSummary,
    failures_with_unindexed,
    merge_figures,
    rebuilt_from_index,
)
from archive.index.jobs import (
    articles_done_in_job,
    listings_in_job,
    mark_superseded,
    reopen_job,
)
from archive.index.schema import iso
from archive.ingest_counts import IngestStats
from archive.model import Exchange
from archive.pipeline import Archiver, ArchiverConfig, ArchiverReport
from archive.policy import RecrawlPolicy
from archive.progress import Progress, RateMeter
from archive.recovery import (
    INDEX_INCOMPLETE,
    covered,
    first_warc_name,
    recover_jobs,
    resumable_job,
    unfinished_jobs,
)
from archive.resources import archived_pages, open_ledger
from archive.urls import on_site
from archive.warc.exchange import WarcInfo
from archive.warc.exchange import software as regarkiv_software
from archive.warc.reader import read_record_at
from archive.warc.repair import repair_open_files
from archive.warc.writer import WarcWriteError

log = logging.getLogger(__name__)


def new_job_id(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


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
        self.walked: set[str] = set()  # languages whose listing was walked to its end
        self.submitted = 0  # exchanges handed to the WARC writer in this run
        self.listed_totals: dict[str, int] = {}  # per language, from the count lines
        self._rate = RateMeter(self.started)
        # What the job records beside its figures (the "changed" verdict, crawler/sitemaps.py).
        self.notes: dict[str, Any] = {}

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
            self.caught_up = recover_jobs(self.index, data.warcs, repaired)
            self._open_job()
            self.policy = RecrawlPolicy(
                mode=self.config.recrawl,
                recent_days=self.config.recent_days,
                archived=self.index.article_published(),
                done_in_job=articles_done_in_job(self.index, self.job_id),
                may_stop_early=not self.unfinished,
            )
            self._listings_in_job = listings_in_job(self.index, self.job_id)
            self.resources = open_ledger(self.index, self.config, self.job_id)
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

    def _open_job(self) -> None:
        """Start a job, or reopen the one to resume; learn of other unfinished jobs."""
        self.previous_figures: dict[str, Any] = {}
        now = datetime.now(UTC)
        self.run_started = iso(now)  # this run's WARC files are named after it
        if self.config.resume:
            job = resumable_job(self.index)
            self.config = self.config.resumed(job.settings)
            self.job_id, self.started_at = job.id, job.started_at
            self.previous_figures = job.figures
            reopen_job(self.index, job.id, os.getpid())
        else:
            self.job_id, self.started_at = new_job_id(now), self.run_started
            settings = self.config.job_settings()
            self.index.start_job(self.job_id, settings, pid=os.getpid(), started_at=now)
        self.unfinished = [
            job
            for job in unfinished_jobs(self.index, self.config.base_url)
            if job.id != self.job_id
        ]
        if self.unfinished:
            names = ", ".join(f"{job.id} ({job.status})" for job in self.unfinished)
            crawls = "crawl" if len(self.unfinished) == 1 else "crawls"
            advice = "" if self.config.resume else " (`crawl --resume` finishes the latest)"
            log.warning(
                "earlier %s %s did not finish: this crawl walks every listing to its end, so "
                "that nothing not yet reached is missed%s",
                crawls,
                names,
                advice,
            )

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

    def archived_before(self, article: int) -> bool:
        """Archived before this job began (what counts towards being caught up)."""
        return self.policy.archived_before(article)

    def stop_paging(self, archived_before: int, items: int) -> bool:
        """In "new" mode a full page of articles archived before this job means we are
        caught up, unless another job is unfinished."""
        return self.policy.stop_paging(archived_before, items)

    def walked_to_end(self, lang: str) -> None:
        """The listing of ``lang`` was walked to its last page."""
        with self._lock:
            self.walked.add(lang)

    def unlisted_to_refetch(self, listed: Container[int]) -> list[tuple[int, str]]:
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

    def archived_articles(self) -> Iterator[tuple[str, bytes]]:
        """When resuming: (URL, decoded body) of each article page this job archived, so
        that what they reference and the archive lacks is fetched (archive/resources.py)."""
        if not self.config.resume or not self.resources.kinds:
            return iter(())
        return archived_pages(self.index, self.data.warcs, self.job_id)

    # -- what the crawl reports ---------------------------------------------------

    def capture(self, exchange: Exchange) -> None:
        try:
            self.archiver.submit(exchange)
        except WarcWriteError as error:
            self.fatal = self.fatal or f"cannot write WARC files: {error}"
            raise
        with self._lock:
            self.bytes += len(exchange.body)
            self.submitted += 1

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

    def listed(self, lang: str, total: int) -> None:
        """The count line of ``lang``'s listing says it holds ``total`` articles."""
        with self._lock:
            self.listed_totals[lang] = total

    def _listed(self) -> int | None:
        """The listings' total, once every language's count line is known."""
        known = self.listed_totals
        return sum(known.values()) if len(known) == len(self.config.langs) else None

    def progress(self) -> Progress:
        """How far the crawl has come, for the progress line and the periodic log."""
        now = time.monotonic()
        with self._lock:
            counts = self.counts
            done = counts["articles_fetched"] + counts["articles_gone"]
            return Progress(
                elapsed=now - self.started,
                listing_pages=counts["listing_pages"],
                articles=done,
                scheduled=counts["articles_scheduled"],
                examined=counts["listing_items"],
                listed=self._listed(),
                failures=sum(self.failures.values()),
                bytes=self.bytes,
                limit=self.config.max_articles,
                rate=self._rate.add(now, done),
            )

    def close(self, status: str = "finished") -> CrawlSummary:
        """End the job: let the writer and indexer finish, record true figures, unlock."""
        if self._closed:
            return self.summary
        self._closed = True
        report: ArchiverReport = self.archiver.close()
        if report.error:
            self.fatal = self.fatal or f"cannot write WARC files: {report.error}"
        unindexed = report.ingest.fatal
        if unindexed and not self.fatal:
            self.fatal = (
                f"the index lacks some captures: {unindexed}; the WARC files hold them "
                "all, and the next crawl indexes them"
            )
        if self.fatal:
            status = "failed"
        summary = self._summary(status, report)
        if self.previous_figures:
            summary = merge_figures(self.previous_figures, summary)
        figures: dict[str, Any] = {}
        if report.died:  # its counts died with it: what it wrote is in the WARC files
            summary, figures = self._index_what_the_writer_left(summary)
        figures = {**summary.as_dict(), **self.notes, **figures}
        if unindexed:
            figures[INDEX_INCOMPLETE] = True
        self.summary = summary
        try:
            self.index.finish_job(self.job_id, status, figures)
            if status == "finished":
                done = [job.id for job in self.unfinished if covered(job, self.walked)]
                mark_superseded(self.index, done, self.job_id)
            self.index.close()
        except sqlite3.Error as error:  # disk full: the job stays "running" in the index
            with contextlib.suppress(sqlite3.Error):
                self.index.close()  # rolls back what could not be written
            self.fatal = self.fatal or (
                f"cannot record the job's end in the index ({error}); the WARC files are "
                "complete: the next crawl marks the job interrupted, `--resume` finishes it"
            )
            summary.status, summary.fatal = "failed", self.fatal
        finally:
            self.lock.release()
        return summary

    def _summary(self, status: str, report: ArchiverReport) -> CrawlSummary:
        """This run's figures: the crawl's counts and the indexer's."""
        ingest = report.ingest
        counts = Counter(ingest.counts)
        failures = failures_with_unindexed(self.failures, counts, len(ingest.errors))
        if report.error:
            failures["warc-write-error"] = failures.get("warc-write-error", 0) + 1
        return CrawlSummary(
            job_id=self.job_id,
            status=status,
            listing_pages=self.counts["listing_pages"],
            articles_fetched=self.counts["articles_fetched"],
            failures=failures,
            bytes=self.bytes,
            warc_files=sorted(Path(p).name for p in report.closed_files),
            duration_seconds=round(time.monotonic() - self.started, 2),
            **IngestStats(counts).as_dict(),
            fatal=self.fatal,
            signal=self.signal,
            indexer_restarts=ingest.restarts,
            unfinished_jobs=[job.id for job in self.unfinished],
            requisites=self._resource_figures(Kind.REQUISITE),
            attachments=self._resource_figures(Kind.ATTACHMENT),
        )

    def _resource_figures(self, kind: Kind) -> dict[str, Any]:
        """The summary's figures of a kind of resource; empty when this crawl fetches none."""
        return self.resources.figures(kind) if kind in self.resources.kinds else {}

    def _index_what_the_writer_left(
        self, summary: CrawlSummary
    ) -> tuple[CrawlSummary, dict[str, Any]]:
        """The WARC writer process died: close its open file, index what it wrote, and
        read the job's figures from the index. Returns them, and what the job record adds."""
        # Only after the writer died: every other crawl process is spared importing
        # extraction (its indexer process does that).
        from archive.reindex import catch_up

        repair_open_files(self.data.warcs)
        try:
            catch_up(self.index, self.data.warcs, since_name=first_warc_name(self.started_at))
            self.index.commit()
        except sqlite3.Error as error:
            log.error("cannot index what the WARC writer wrote: %s", error)
            return summary, {INDEX_INCOMPLETE: True}
        written = self.index.conn.execute(
            "SELECT count(*) FROM captures WHERE job_id = ? AND warc_file >= ?",
            (self.job_id, first_warc_name(self.run_started)),
        ).fetchone()[0]
        summary = rebuilt_from_index(summary, self.index, self.submitted - written)
        return summary, {"note": "the WARC writer process died; figures from the index"}


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def _field(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ",".join(str(item) for item in value)
    return "" if value is None else str(value)
