"""The `regarkiv` command: a thin layer over the library.

Library code raises specific exceptions; only this module turns them into a
one-line ``Error: ...`` and a non-zero exit.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

import click

from archive import __version__
from archive.config import CrawlConfig, CrawlConfigError
from archive.datadir import DataDir, DataDirError
from archive.lock import DataDirLocked
from archive.policy import Recrawl
from archive.session import NothingToResume
from regarkiv.cli.query import DATE, changes, data_dir_option, diff, history, search, show

DATA_DIR_OPTION = data_dir_option


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
@click.option("--base-url", default=CrawlConfig.base_url, show_default=True)
@click.option(
    "--lang", "langs", default=",".join(CrawlConfig.langs), show_default=True, help="Listings."
)
@click.option(
    "--delay", type=float, default=CrawlConfig.delay, show_default=True, help="Seconds between."
)
@click.option("--concurrency", type=int, default=CrawlConfig.concurrency, show_default=True)
@click.option("--max-listing-pages", type=int, help="Stop paging each listing after N pages.")
@click.option("--max-articles", type=int, help="Fetch at most N articles.")
@click.option("--since", type=DATE, help="Only articles published on or after YYYY-MM-DD.")
@click.option(
    "--recrawl",
    type=click.Choice([str(mode) for mode in Recrawl]),
    default=str(CrawlConfig.recrawl),
    show_default=True,
)
@click.option("--recent-days", type=int, default=CrawlConfig.recent_days, show_default=True)
@click.option(
    "--contact", envvar="REGARKIV_CONTACT", default="", help="E-mail/URL for the User-Agent."
)
@click.option(
    "--warc-max-size", default="1G", show_default=True, help="Roll WARC files over at this size."
)
@click.option("--gzip-level", type=int, default=CrawlConfig.gzip_level, show_default=True)
@click.option("--resume", is_flag=True, help="Finish the last interrupted crawl job.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's log.")
def crawl(
    data_dir: Path,
    as_json: bool,
    verbose: bool,
    warc_max_size: str,
    **options: Any,
) -> None:
    """Crawl the news listings and articles into WARC files and the index.

    Example: regarkiv crawl --base-url http://127.0.0.1:8080 --delay 0 --concurrency 8
    """
    # Scrapy and Twisted take ~0.3 s to import: only `crawl` pays for them.
    from crawler.run import run_crawl

    try:
        config = CrawlConfig(data_dir=data_dir, warc_max_size=parse_size(warc_max_size), **options)
        summary = run_crawl(
            config,
            progress=sys.stderr.isatty() and not as_json,
            log_level="INFO" if verbose else "WARNING",
        )
    except (CrawlConfigError, DataDirLocked, DataDirError, NothingToResume) as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        click.echo(json.dumps(summary.as_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(summary.render())
    if summary.fatal:
        raise click.ClickException(summary.fatal)
    if summary.listing_pages == 0 and summary.failures:
        reasons = ", ".join(sorted(summary.failures))
        raise click.ClickException(
            f"could not fetch any listing page from {config.base_url} ({reasons})"
        )
    global _crawl_finished
    _crawl_finished = True
    if summary.status == "interrupted":
        sys.exit(130)


@cli.command()
@click.option(
    "--port", type=click.IntRange(0, 65535), default=0, show_default=True, help="0: a free port."
)
@click.option("--articles", type=click.IntRange(min=1), default=300, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option(
    "--site-version",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="1 = the initial site; 2, 3 ... = later states (edits, removals, new articles).",
)
@click.option(
    "--misbehave",
    type=click.FloatRange(0, 1),
    default=0.0,
    help="Fraction of article requests that fail.",
)
def replica(port: int, articles: int, seed: int, site_version: int, misbehave: float) -> None:
    """Serve the offline replica of regjeringen.no on 127.0.0.1.

    Example: regarkiv replica --port 8080 --articles 1000
    """
    from replica.server import main

    try:
        main(port=port, articles=articles, seed=seed, version=site_version, faults_rate=misbehave)
    except OSError as error:
        raise click.ClickException(f"cannot serve on 127.0.0.1:{port}: {error.strerror}") from None


@cli.group(invoke_without_command=True)
@DATA_DIR_OPTION
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def jobs(ctx: click.Context, data_dir: Path, as_json: bool) -> None:
    """List crawl jobs, oldest first.

    Example: regarkiv jobs --json
    """
    ctx.obj = data_dir
    if ctx.invoked_subcommand is not None:
        return
    from archive.index.jobs import job_dict, list_jobs

    rows = [job_dict(job) for job in list_jobs(_open_index(data_dir))]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("no jobs yet")
    for row in rows:
        figures = row["figures"] or {}
        click.echo(
            f"{row['id']}  {row['status']:<11}  {row['started_at']}  "
            f"articles {figures.get('articles_fetched', 0)}  "
            f"new {figures.get('new_articles', 0)}  revised {figures.get('new_revisions', 0)}"
        )


@jobs.command("show")
@click.argument("job_id")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Archive directory (as for `regarkiv jobs`).",
)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def jobs_show(group_data_dir: Path, job_id: str, data_dir: Path | None, as_json: bool) -> None:
    """Show one crawl job: settings, status and figures.

    Example: regarkiv jobs show 20261125T060000Z-3f2a1b
    """
    data_dir = data_dir or group_data_dir
    from archive.index.jobs import JobNotFound, get_job, job_dict

    try:
        job = get_job(_open_index(data_dir), job_id)
    except JobNotFound as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        click.echo(json.dumps(job_dict(job), indent=2, ensure_ascii=False))
        return
    for key, value in job_dict(job).items():
        if isinstance(value, dict):
            click.echo(f"{key}:")
            for inner, item in value.items():
                click.echo(f"  {inner}: {item}")
        else:
            click.echo(f"{key}: {value}")


def _open_index(data_dir: Path) -> object:
    from archive.index.store import Index, IndexNotFound

    try:
        return Index.open_readonly(data_dir / "index.db")
    except IndexNotFound:
        raise click.ClickException(
            f"no archive in {data_dir} (run `regarkiv crawl` first, or pass --data-dir)"
        ) from None


@cli.command()
@DATA_DIR_OPTION
@click.option("--json", "as_json", is_flag=True)
def verify(data_dir: Path, as_json: bool) -> None:
    """Check WARC digests, index/WARC agreement and fixity; update the SHA-256 manifest.

    Exits 1 and names each problem when anything is wrong.

    Example: regarkiv verify --data-dir /srv/regarkiv
    """
    from archive.verify import verify as run_verify

    if not (data_dir / "warcs").is_dir() and not (data_dir / "index.db").exists():
        raise click.ClickException(f"no archive in {data_dir}")
    index = _open_index(data_dir) if (data_dir / "index.db").exists() else None
    report = run_verify(DataDir(data_dir), index)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(
            f"checked {report.files} WARC files and {report.captures_checked} captures; "
            f"{report.manifest_added} files added to the manifest"
        )
        for finding in report.findings:
            click.echo(f"PROBLEM {finding}")
        click.echo("OK" if report.ok else f"{len(report.findings)} problems")
    if not report.ok:
        sys.exit(1)


@cli.command()
@DATA_DIR_OPTION
@click.option("--json", "as_json", is_flag=True)
def reindex(data_dir: Path, as_json: bool) -> None:
    """Rebuild index.db from the WARC files alone.

    Example: regarkiv reindex --data-dir regarkiv-data
    """
    from archive.lock import DataDirLocked
    from archive.reindex import rebuild

    if not (data_dir / "warcs").is_dir():
        raise click.ClickException(f"no WARC files in {data_dir / 'warcs'}")
    try:
        data = DataDir(data_dir)
        with data.lock():
            report = rebuild(data)
    except DataDirLocked as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
        return
    click.echo(
        f"indexed {report.captures} captures from {report.files} WARC files: "
        + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in report.stats.as_dict().items())
    )
    if report.skipped_records:
        click.echo(f"skipped {report.skipped_records} damaged records:", err=True)
        for warning in report.warnings[:20]:
            click.echo(f"  {warning}", err=True)


@cli.group()
def schedule() -> None:
    """Manage scheduled crawls (stored in the data directory)."""


@schedule.command("add", context_settings={"ignore_unknown_options": True})
@DATA_DIR_OPTION
@click.argument("name")
@click.option("--cron", required=True, help='Cron expression, e.g. "0 6 * * *" (UTC).')
@click.argument("crawl_args", nargs=-1, type=click.UNPROCESSED)
def schedule_add(data_dir: Path, name: str, cron: str, crawl_args: tuple[str, ...]) -> None:
    """Add a schedule; options after the name are passed to `regarkiv crawl`.

    Example: regarkiv schedule add daily --cron "0 6 * * *" --recrawl recent
    """
    from archive.schedules import ScheduleError, ScheduleStore

    args = list(crawl_args)
    if any(a == "--data-dir" or a.startswith("--data-dir=") for a in args):
        raise click.ClickException("the schedule's data dir is the one it is stored in")
    try:
        crawl.make_context("crawl", list(args), resilient_parsing=False).close()
    except click.exceptions.Exit:
        pass
    except click.UsageError as error:
        raise click.ClickException(f"invalid crawl options: {error.format_message()}") from None
    try:
        added = ScheduleStore(DataDir(data_dir)).add(name, cron, args)
    except ScheduleError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"added schedule {added.name}: {added.cron} crawl {' '.join(added.args)}".rstrip())


@schedule.command("list")
@DATA_DIR_OPTION
@click.option("--json", "as_json", is_flag=True)
def schedule_list(data_dir: Path, as_json: bool) -> None:
    """List schedules with their last run and next slot.

    Example: regarkiv schedule list --json
    """
    from datetime import UTC, datetime

    from archive.schedules import ScheduleError, ScheduleStore

    try:
        schedules = ScheduleStore(DataDir(data_dir)).load()
    except ScheduleError as error:
        raise click.ClickException(str(error)) from None
    now = datetime.now(UTC)
    rows = []
    for entry in schedules.values():
        row = dict(entry.__dict__)
        row["next_run"] = entry.next_after(now).isoformat(timespec="seconds")
        rows.append(row)
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("no schedules")
    for row in rows:
        click.echo(
            f"{row['name']}  {row['cron']!r}  next {row['next_run']}  "
            f"last {row['last_run'] or '-'} {row['last_status'] or ''}  "
            f"crawl {' '.join(row['args'])}".rstrip()
        )


@schedule.command("remove")
@DATA_DIR_OPTION
@click.argument("name")
def schedule_remove(data_dir: Path, name: str) -> None:
    """Remove a schedule.

    Example: regarkiv schedule remove daily
    """
    from archive.schedules import ScheduleError, ScheduleNotFound, ScheduleStore

    try:
        ScheduleStore(DataDir(data_dir)).remove(name)
    except (ScheduleNotFound, ScheduleError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"removed schedule {name}")


@cli.command()
@DATA_DIR_OPTION
def scheduler(data_dir: Path) -> None:
    """Run due scheduled crawls in the foreground, one at a time, until SIGTERM.

    Example: regarkiv scheduler --data-dir /srv/regarkiv
    """
    from archive.schedules import ScheduleError
    from regarkiv.scheduler import Scheduler

    try:
        Scheduler(DataDir(data_dir)).serve()
    except ScheduleError as error:
        raise click.ClickException(str(error)) from None


@cli.command()
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to keep the demo archive (default: a new temporary directory).",
)
def demo(data_dir: Path | None) -> None:
    """Crawl the bundled replica twice (it changes in between) and show search, history, diff.

    Runs offline in under a minute.

    Example: regarkiv demo
    """
    from regarkiv.demo import DemoError, run_demo

    try:
        run_demo(data_dir, echo=click.echo)
    except DemoError as error:
        raise click.ClickException(str(error)) from None


for _command in (search, show, history, diff, changes):
    cli.add_command(_command)


# Set once a crawl has closed everything it owns (files synced, index closed, lock
# released, summary printed); see main().
_crawl_finished = False


def main() -> None:
    try:
        cli()
    except SystemExit as done:
        if _crawl_finished:
            # Interpreter teardown would only free the crawl's objects one by one, ~0.2 s
            # after every crawl with nothing left to write. Only here, in a process of our
            # own: never in code that imports the CLI.
            code = done.code if isinstance(done.code, int) else 1
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(Exception):
                    stream.flush()
            logging.shutdown()
            os._exit(code)
        raise


if __name__ == "__main__":
    main()
