"""Running the news spider in-process for `regarkiv crawl` (and the demo, tests, benchmark)."""

from __future__ import annotations

import gc
import logging
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from archive import __version__
from archive.session import CrawlSession, CrawlSummary, SessionOptions
from archive.urls import DEFAULT_BASE_URL, LISTING_PATHS
from crawler.spiders.news import NewsSpider

# Imported now rather than when Scrapy loads the download handler: Scrapy's TLS module,
# which it pulls in, calls inspect.stack() for deprecation warnings, and from deep inside
# engine start-up that stack walk made every crawl start ~0.1 s later.
from crawler.wire import WireHTTPDownloadHandler  # noqa: F401

REAL_HOSTS = {"www.regjeringen.no", "regjeringen.no"}
GC_THRESHOLD = 10_000  # gen-0 collections while crawling; see _throughput_gc


class CrawlConfigError(ValueError):
    """Crawl options that cannot work (bad language, URL, contact...)."""


@dataclass
class CrawlOptions:
    data_dir: Path
    base_url: str = DEFAULT_BASE_URL
    langs: list[str] = field(default_factory=lambda: ["no", "en"])
    delay: float = 1.0
    concurrency: int = 2
    max_listing_pages: int | None = None
    max_articles: int | None = None
    since: date | None = None
    contact: str = ""
    warc_max_size: int = 1_000_000_000
    gzip_level: int = 6
    recrawl: str = "recent"
    recent_days: int = 30
    resume: bool = False
    progress: bool = False
    log_level: str = "WARNING"

    def validate(self) -> None:
        unknown = [lang for lang in self.langs if lang not in LISTING_PATHS]
        if unknown or not self.langs:
            raise CrawlConfigError(
                f"unknown language {unknown[0] if unknown else ''!r}; choose from no, en"
            )
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CrawlConfigError(f"base URL must be http(s)://host, got {self.base_url!r}")
        if parts.hostname in REAL_HOSTS and not self.contact:
            raise CrawlConfigError(
                "crawling www.regjeringen.no needs a contact for the User-Agent: "
                "pass --contact EMAIL-OR-URL or set REGARKIV_CONTACT"
            )
        if not 0 <= self.gzip_level <= 9:
            raise CrawlConfigError("gzip level must be 0-9")
        if self.concurrency < 1:
            raise CrawlConfigError("concurrency must be at least 1")

    def user_agent(self) -> str:
        contact = f"; contact: {self.contact}" if self.contact else ""
        project = "+https://github.com/regarkiv/regarkiv"
        return f"regarkiv/{__version__} ({project}; web archiving{contact})"

    def scrapy_settings(self) -> Settings:
        settings = Settings()
        settings.setmodule("crawler.settings", priority="project")
        overrides: dict[str, Any] = {
            "USER_AGENT": self.user_agent(),
            "REGARKIV_CONTACT": self.contact,
            "DOWNLOAD_DELAY": self.delay,
            "AUTOTHROTTLE_ENABLED": self.delay > 0,
            "AUTOTHROTTLE_START_DELAY": max(self.delay, 0.1),
            "CONCURRENT_REQUESTS": max(self.concurrency, 1),
            "CONCURRENT_REQUESTS_PER_DOMAIN": self.concurrency,
            "LOG_LEVEL": self.log_level,
        }
        settings.setdict(overrides, priority="cmdline")
        return settings

    def session_options(self) -> SessionOptions:
        return SessionOptions(
            data_dir=self.data_dir,
            base_url=self.base_url.rstrip("/"),
            langs=self.langs,
            user_agent=self.user_agent(),
            contact=self.contact,
            warc_max_size=self.warc_max_size,
            gzip_level=self.gzip_level,
            recrawl=self.recrawl,
            recent_days=self.recent_days,
            resume=self.resume,
            settings={
                "delay": self.delay,
                "concurrency": self.concurrency,
                "max_listing_pages": self.max_listing_pages,
                "max_articles": self.max_articles,
                "since": self.since.isoformat() if self.since else None,
            },
        )


def _progress(session: CrawlSession, stop: threading.Event) -> None:
    while not stop.wait(1.0):
        sys.stderr.write("\r" + session.progress_line() + "\x1b[K")
        sys.stderr.flush()
    sys.stderr.write("\r\x1b[K")


@contextmanager
def _throughput_gc() -> Iterator[None]:
    """Fewer garbage collections while the reactor runs.

    Scrapy makes and drops thousands of small container objects a second (requests,
    responses, deferreds): at Python's default gen-0 threshold (700) that was ~400
    collections and ~4% of the reactor thread's time in a 3,000-page crawl; at 10,000
    it was a dozen. Objects alive at start (modules, the engine) are frozen out of
    collection altogether. Cycles are still collected, only less often.
    """
    thresholds = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def run_crawl(options: CrawlOptions) -> CrawlSummary:
    """Crawl once and return the summary. Blocks until the crawl ends.

    Scrapy's CrawlerProcess handles SIGINT/SIGTERM: the first one closes the
    spider gracefully (in-flight responses are still written), and the job is
    then recorded as interrupted.
    """
    if options.resume:
        apply_resumed_settings(options)
    options.validate()
    session = CrawlSession.open(options.session_options())
    stop = threading.Event()
    status = "failed"
    try:
        process = CrawlerProcess(options.scrapy_settings())
        if options.log_level != "INFO":
            # Failures are counted by reason in the summary; Scrapy's own error
            # lines (with tracebacks) are for --verbose. Our warnings
            # (fallback extraction, skipped records) still show.
            for name in ("scrapy", "twisted", "py.warnings"):
                logging.getLogger(name).setLevel(logging.CRITICAL)
        crawler = process.create_crawler(NewsSpider)
        process.crawl(
            crawler,
            base_url=options.base_url,
            lang=",".join(options.langs),
            max_listing_pages=options.max_listing_pages,
            max_articles=options.max_articles,
            since=options.since,
            session=session,
        )
        if options.progress:
            threading.Thread(target=_progress, args=(session, stop), daemon=True).start()
        with _throughput_gc():
            process.start()
        reason = crawler.stats.get_value("finish_reason") if crawler.stats else None
        status = "finished" if reason == "finished" else "interrupted"
        if status == "finished" and not session.counts["listing_pages"] and session.failures:
            status = "failed"  # nothing could be fetched: the site is unreachable or blocks us
    finally:
        stop.set()
        summary = session.close(status)
    return summary


def apply_resumed_settings(options: CrawlOptions) -> None:
    """A resumed job keeps what it crawls (site, languages, bounds) from its first run."""
    from archive.index.store import Index, IndexNotFound
    from archive.session import NothingToResume, resumable_job

    try:
        index = Index.open_readonly(options.data_dir / "index.db")
    except IndexNotFound:
        raise NothingToResume(f"no archive in {options.data_dir} to resume") from None
    try:
        from archive.index.jobs import effective

        jobs = [effective(job) for job in index.list_jobs()]
        interrupted = [job for job in jobs if job.status == "interrupted"]
        if not interrupted:
            resumable_job(index)  # raises NothingToResume with the message
        settings = interrupted[-1].settings
    finally:
        index.close()
    options.base_url = settings.get("base_url", options.base_url)
    options.langs = settings.get("langs", options.langs)
    options.recrawl = settings.get("recrawl", options.recrawl)
    options.recent_days = settings.get("recent_days", options.recent_days)
    options.max_listing_pages = settings.get("max_listing_pages", options.max_listing_pages)
    options.max_articles = settings.get("max_articles", options.max_articles)
    if settings.get("since"):
        options.since = date.fromisoformat(settings["since"])
