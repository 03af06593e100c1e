"""The `regarkiv` command: a thin layer over the library.

Library code raises specific exceptions; only this module turns them into a
one-line ``Error: ...`` and a non-zero exit.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click

from crawler import __version__

DATA_DIR_OPTION = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="REGARKIV_DATA",
    default="regarkiv-data",
    show_default=True,
    help="Archive directory (WARCs and index.db). Env: REGARKIV_DATA.",
)


def parse_date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected YYYY-MM-DD, got {value!r}", param_hint=option) from None


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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="regarkiv")
def cli() -> None:
    """regarkiv: archive regjeringen.no news into WARC files and a searchable index."""


@cli.command()
@DATA_DIR_OPTION
@click.option("--base-url", default="https://www.regjeringen.no", show_default=True)
@click.option("--lang", "langs", default="no,en", show_default=True, help="Listings to crawl.")
@click.option(
    "--delay", type=float, default=1.0, show_default=True, help="Seconds between requests."
)
@click.option("--concurrency", type=int, default=2, show_default=True)
@click.option("--max-listing-pages", type=int, help="Stop paging each listing after N pages.")
@click.option("--max-articles", type=int, help="Fetch at most N articles.")
@click.option("--since", help="Only articles published on or after YYYY-MM-DD.")
@click.option(
    "--recrawl", type=click.Choice(["new", "recent", "all"]), default="recent", show_default=True
)
@click.option("--recent-days", type=int, default=30, show_default=True)
@click.option(
    "--contact", envvar="REGARKIV_CONTACT", default="", help="E-mail/URL for the User-Agent."
)
@click.option(
    "--warc-max-size", default="1G", show_default=True, help="Roll WARC files over at this size."
)
@click.option("--gzip-level", type=int, default=6, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's log.")
def crawl(
    data_dir: Path,
    base_url: str,
    langs: str,
    delay: float,
    concurrency: int,
    max_listing_pages: int | None,
    max_articles: int | None,
    since: str | None,
    recrawl: str,
    recent_days: int,
    contact: str,
    warc_max_size: str,
    gzip_level: int,
    as_json: bool,
    verbose: bool,
) -> None:
    """Crawl the news listings and articles into WARC files and the index.

    Example: regarkiv crawl --base-url http://127.0.0.1:8080 --delay 0 --concurrency 8
    """
    from archive.lock import DataDirLocked
    from archive.session import DataDirError
    from crawler.run import CrawlConfigError, CrawlOptions, run_crawl

    options = CrawlOptions(
        data_dir=data_dir,
        base_url=base_url,
        langs=[part.strip() for part in langs.split(",") if part.strip()],
        delay=delay,
        concurrency=concurrency,
        max_listing_pages=max_listing_pages,
        max_articles=max_articles,
        since=parse_date(since, "--since"),
        contact=contact,
        warc_max_size=parse_size(warc_max_size),
        gzip_level=gzip_level,
        recrawl=recrawl,
        recent_days=recent_days,
        progress=sys.stderr.isatty() and not as_json,
        log_level="INFO" if verbose else "WARNING",
    )
    try:
        summary = run_crawl(options)
    except (CrawlConfigError, DataDirLocked, DataDirError) as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        click.echo(json.dumps(summary.as_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(summary.render())
    if summary.listing_pages == 0 and summary.failures:
        reasons = ", ".join(sorted(summary.failures))
        raise click.ClickException(f"could not fetch any listing page from {base_url} ({reasons})")
    if summary.status != "finished":
        sys.exit(130 if summary.status == "interrupted" else 1)


@cli.command()
@click.option("--port", type=int, default=0, show_default=True, help="0 picks a free port.")
@click.option("--articles", type=int, default=300, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--version", "site_version", type=int, default=1, show_default=True)
@click.option(
    "--misbehave", type=float, default=0.0, help="Fraction of article requests that fail."
)
def replica(port: int, articles: int, seed: int, site_version: int, misbehave: float) -> None:
    """Serve the offline replica of regjeringen.no on 127.0.0.1.

    Example: regarkiv replica --port 8080 --articles 1000
    """
    from replica.server import main

    main(port=port, articles=articles, seed=seed, version=site_version, faults_rate=misbehave)


def main() -> None:
    cli()
