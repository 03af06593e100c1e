"""Running the news spider in-process for `regarkiv crawl` (and the demo, tests, benchmark)."""

from __future__ import annotations

import gc
import logging
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from twisted.python.failure import Failure

from archive.config import CrawlConfig
from archive.figures import CrawlSummary
from archive.session import CrawlSession
from crawler.spiders.news import NewsSpider

# Imported now rather than when Scrapy loads the download handler: Scrapy's TLS module,
# which it pulls in, calls inspect.stack() for deprecation warnings, and from deep inside
# engine start-up that stack walk made every crawl start ~0.1 s later (crawler.wire now
# imports it without the walk's source lookups: crawler/lean_import.py).
from crawler.wire import WireHTTPDownloadHandler  # noqa: F401

GC_THRESHOLD = 10_000  # gen-0 collections while crawling; see _throughput_gc


@dataclass(frozen=True)
class ProgressDisplay:
    """Where the crawl's progress goes: a status line rewritten every second on a
    terminal, or, for cron and systemd, a timestamped line every ``interval`` seconds."""

    terminal: bool = False
    interval: float = 60.0  # seconds between lines when not on a terminal; 0: none
    color: bool = False

    @property
    def enabled(self) -> bool:
        return self.terminal or self.interval > 0


def _progress(session: CrawlSession, display: ProgressDisplay, stop: threading.Event) -> None:
    every = 1.0 if display.terminal else display.interval
    while not stop.wait(every):
        line = session.progress().render(color=display.color and display.terminal)
        if display.terminal:
            sys.stderr.write("\r" + line + "\x1b[K")
        else:
            sys.stderr.write(f"{datetime.now():%Y-%m-%d %H:%M:%S} progress: {line}\n")
        sys.stderr.flush()
    if display.terminal:
        sys.stderr.write("\r\x1b[K")


@contextmanager
def _throughput_gc() -> Iterator[None]:
    """Fewer garbage collections while the reactor runs.

    Scrapy makes and drops thousands of small container objects a second (requests,
    responses, deferreds): at Python's default gen-0 threshold (700) that was ~400
    collections and ~4% of the reactor thread's time in a 3,000-page crawl; at 10,000
    it was a dozen. Objects alive at start (modules, the engine) are frozen out of
    collection altogether, without a full collection first: it walked every object of
    the start-up (~33 ms of CPU) to find a few dozen garbage ones, which stay frozen.
    Cycles are still collected, only less often.
    """
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


class _CrawlerProcess(CrawlerProcess):
    """Scrapy's CrawlerProcess, telling ``on_signal`` which signal stopped the crawl.

    The exit code says it (130 for SIGINT, 143 for SIGTERM) and the job records it.
    """

    on_signal: Callable[[int], None] = staticmethod(lambda signum: None)

    def _signal_shutdown(self, signum: int, frame: Any) -> None:
        self.on_signal(signum)
        super()._signal_shutdown(signum, frame)

    def _signal_kill(self, signum: int, frame: Any) -> None:
        self.on_signal(signum)
        super()._signal_kill(signum, frame)


def scrapy_settings(
    config: CrawlConfig, log_level: str = "WARNING", log_file: Path | None = None
) -> Settings:
    """The project's settings with ``config`` on top, as `scrapy crawl news -s …` gives them."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    logs: dict[str, Any] = {"LOG_LEVEL": log_level}
    if log_file is not None:
        logs.update(LOG_FILE=str(log_file), LOG_FILE_APPEND=True)
    settings.setdict({**config.to_settings(), **logs}, priority="cmdline")
    return settings


def run_crawl(
    config: CrawlConfig,
    *,
    progress: ProgressDisplay | None = None,
    log_level: str = "WARNING",
    log_file: Path | None = None,
) -> CrawlSummary:
    """Crawl once and return the summary. Blocks until the crawl ends.

    The session opens from the settings in crawler/extension.py, as under `scrapy crawl`;
    what stops it from opening (a locked data directory, nothing to resume) is raised
    here. Scrapy's CrawlerProcess handles SIGINT/SIGTERM: the first one closes the
    spider gracefully (in-flight responses are still written), and the job is then
    recorded as interrupted, with the signal (``CrawlSummary.signal``).
    ``log_file``: Scrapy's log and ours go there (appended) instead of stderr.
    """
    process = _CrawlerProcess(scrapy_settings(config, log_level, log_file))
    if logging.getLevelName(log_level) >= logging.WARNING:
        # Failures are counted by reason in the summary; Scrapy's own error lines (with
        # tracebacks) are for --log-level INFO or DEBUG. Our warnings (fallback
        # extraction, skipped records) still show.
        for name in ("scrapy", "twisted", "py.warnings"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
    crawler = process.create_crawler(NewsSpider)
    failures: list[Failure] = []
    process.crawl(crawler).addErrback(failures.append)
    session: CrawlSession | None = getattr(crawler.spider, "session", None)
    if session is None:
        if failures:
            failures[0].raiseException()  # the session could not open: say why
        raise RuntimeError("the crawl session did not open")
    process.on_signal = session.stopped_by
    stop = threading.Event()
    thread: threading.Thread | None = None
    try:
        if progress is not None and progress.enabled:
            thread = threading.Thread(target=_progress, args=(session, progress, stop))
            thread.daemon = True
            thread.start()
        with _throughput_gc():
            process.start()
    finally:
        stop.set()
        if thread is not None:
            thread.join(timeout=2)  # its last act clears the status line
        # Normally closed when the spider closed; here if the engine died before that.
        summary = session.close("failed" if failures else "interrupted")
    return summary
