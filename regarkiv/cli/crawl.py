"""``regarkiv crawl``: build a ``CrawlConfig`` from the options and run the crawl."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from archive.config import FETCH_CHOICES, CrawlConfig
from archive.policy import Recrawl
from regarkiv.cli import output
from regarkiv.cli.options import (
    CONTEXT,
    DATE,
    color_option,
    data_dir_option,
    json_option,
    log_file_ready,
    log_options,
)

F = TypeVar("F", bound=Callable[..., Any])

# Set once a crawl has closed everything it owns (files synced, index closed, lock
# released, summary printed); see regarkiv.cli.main().
finished = False


def format_size(size: int) -> str:
    """1000000000 -> 1G: how --help shows a size."""
    for unit, factor in (("G", 10**9), ("M", 10**6), ("K", 10**3)):
        if size >= factor and size % factor == 0:
            return f"{size // factor}{unit}"
    return str(size)


def parse_size(value: str) -> int:
    """1000000, 500M, 1G: sizes for --warc-max-size."""
    units = {"K": 10**3, "M": 10**6, "G": 10**9}
    text = value.strip().upper().removesuffix("B")
    try:
        if text and text[-1] in units:
            return int(float(text[:-1]) * units[text[-1]])
        return int(text)
    except ValueError:
        raise click.BadParameter(f"expected a size like 1G or 500M, got {value!r}") from None


def resource_options(kind: str, what: str) -> Callable[[F], F]:
    """``--<kind>s all|none`` and ``--<kind>-max-size SIZE`` (page requisites, attachments)."""

    def add(command: F) -> F:
        command = click.option(
            f"--{kind}-max-size",
            default=format_size(getattr(CrawlConfig, f"{kind}_max_size")),
            show_default=True,
            help=f"Skip a{'n' if kind[0] in 'aeiou' else ''} {kind} larger than this "
            "(counted as too-large).",
        )(command)
        return click.option(
            f"--{kind}s",
            type=click.Choice(FETCH_CHOICES),
            default=getattr(CrawlConfig, f"{kind}s"),
            show_default=True,
            help=f"Fetch {what}.",
        )(command)

    return add


@click.command(context_settings=CONTEXT)
@data_dir_option
@click.option("--base-url", default=CrawlConfig.base_url, show_default=True)
@click.option(
    "--lang", "langs", default=",".join(CrawlConfig.langs), show_default=True, help="Listings."
)
@click.option(
    "--delay", type=float, default=CrawlConfig.delay, show_default=True, help="Seconds between."
)
@click.option("--concurrency", type=int, default=CrawlConfig.concurrency, show_default=True)
@click.option(
    "--max-listing-pages",
    type=int,
    metavar="N",
    help="Stop paging each listing after N pages (N >= 1; no limit when left out).",
)
@click.option(
    "--max-articles",
    type=int,
    metavar="N",
    help="Fetch at most N articles (N >= 1; no limit when left out).",
)
@click.option("--since", type=DATE, help="Only articles published on or after YYYY-MM-DD.")
@click.option(
    "--recrawl",
    type=click.Choice([str(mode) for mode in Recrawl]),
    default=str(CrawlConfig.recrawl),
    show_default=True,
    help="What to fetch again: new articles only; also recent ones; also those the "
    "sitemap dates as changed (else recent, with a warning); everything.",
)
@click.option(
    "--recent-days",
    type=int,
    default=CrawlConfig.recent_days,
    show_default=True,
    help="With --recrawl recent or changed: re-fetch articles published this many days "
    "back (>= 0).",
)
@click.option(
    "--contact", envvar="REGARKIV_CONTACT", default="", help="E-mail/URL for the User-Agent."
)
@click.option(
    "--warc-max-size",
    default=format_size(CrawlConfig.warc_max_size),
    show_default=True,
    help="Roll WARC files over at this size.",
)
@click.option("--gzip-level", type=int, default=CrawlConfig.gzip_level, show_default=True)
@resource_options("requisite", "what each page needs to render: CSS, scripts, fonts, images, icons")
@resource_options("attachment", "the documents articles link (PDF, DOCX, XLSX, ...)")
@click.option("--resume", is_flag=True, help="Finish the last interrupted or failed crawl job.")
@json_option("Print the summary as JSON.")
@log_options(default="WARNING")
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's log (--log-level INFO).")
@click.option(
    "--progress-interval",
    type=click.FloatRange(min=0),
    default=60.0,
    show_default=True,
    metavar="SECONDS",
    help="When stderr is not a terminal (cron, systemd): a progress line this often; 0: none.",
)
@color_option
def crawl(
    data_dir: Path,
    as_json: bool,
    verbose: bool,
    warc_max_size: str,
    log_level: str,
    log_file: Path | None,
    progress_interval: float,
    color: str,
    requisite_max_size: str,
    attachment_max_size: str,
    **options: Any,
) -> None:
    """Crawl the news listings and articles into WARC files and the index.

    Example: regarkiv crawl --base-url http://127.0.0.1:8080 --delay 0 --concurrency 8
    """
    # Scrapy and Twisted take ~0.3 s to import, and the crawl session (extraction, the
    # writer and indexer processes) ~65 ms more: only `crawl` pays for them.
    from archive.recovery import NothingToResume
    from crawler.run import ProgressDisplay, run_crawl

    log_file = log_file_ready(log_file)
    config = CrawlConfig(
        data_dir=data_dir,
        warc_max_size=parse_size(warc_max_size),
        requisite_max_size=parse_size(requisite_max_size),
        attachment_max_size=parse_size(attachment_max_size),
        **options,
    )
    # On a terminal a status line, rewritten each second (not under --json, whose reader
    # is a program); elsewhere a timestamped line every --progress-interval seconds.
    terminal = sys.stderr.isatty()
    interval = 0.0 if terminal else progress_interval
    progress = ProgressDisplay(terminal and not as_json, interval, output.styled(color, sys.stderr))
    level = "INFO" if verbose and log_level.upper() == "WARNING" else log_level.upper()
    try:
        summary = run_crawl(config, progress=progress, log_level=level, log_file=log_file)
    except NothingToResume as error:
        raise click.ClickException(str(error)) from None
    output.emit(summary.as_dict(), as_json=as_json, text=lambda: output.lines(summary.render()))
    if summary.fatal:
        raise click.ClickException(summary.fatal)
    if summary.listing_pages == 0 and summary.failures:
        reasons = ", ".join(sorted(summary.failures))
        raise click.ClickException(
            f"could not fetch any listing page from {config.base_url} ({reasons})"
        )
    global finished
    finished = True
    if summary.status == "interrupted":
        # The shell's convention, 128 + the signal: 130 for Ctrl-C, 143 for SIGTERM.
        sys.exit(128 + signal_number(summary.signal))


def signal_number(name: str | None) -> int:
    """SIGTERM -> 15; an interruption with no known signal counts as Ctrl-C (SIGINT)."""
    try:
        return int(signal.Signals[name or "SIGINT"])
    except KeyError:
        return int(signal.SIGINT)


COMMANDS = (crawl,)
