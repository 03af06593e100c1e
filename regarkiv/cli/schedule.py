"""Scheduled crawls: ``regarkiv schedule add|list|remove`` and ``regarkiv scheduler``."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from archive.datadir import DataDir
from regarkiv.cli import output
from regarkiv.cli.crawl import crawl
from regarkiv.cli.options import (
    CONTEXT,
    data_dir_option,
    json_option,
    log_file_ready,
    log_options,
)

if TYPE_CHECKING:
    from archive.schedules import ScheduleStore


def _store(data_dir: Path) -> ScheduleStore:
    # Schedules bring croniter and dateutil (~10 ms), which no other command needs.
    from archive.schedules import ScheduleStore

    return ScheduleStore(DataDir(data_dir))


@click.group(context_settings=CONTEXT)
def schedule() -> None:
    """Manage scheduled crawls (stored in the data directory)."""


@schedule.command("add", context_settings={"ignore_unknown_options": True})
@data_dir_option
@click.argument("name")
@click.option("--cron", required=True, help='Cron expression, e.g. "0 6 * * *" (UTC).')
@click.argument("crawl_args", nargs=-1, type=click.UNPROCESSED)
def schedule_add(data_dir: Path, name: str, cron: str, crawl_args: tuple[str, ...]) -> None:
    """Add a schedule; options after the name are passed to `regarkiv crawl`.

    Example: regarkiv schedule add daily --cron "0 6 * * *" --recrawl recent
    """
    args = list(crawl_args)
    if any(a == "--data-dir" or a.startswith("--data-dir=") for a in args):
        raise click.ClickException("the schedule's data dir is the one it is stored in")
    try:
        crawl.make_context("crawl", list(args), resilient_parsing=False).close()
    except click.exceptions.Exit:
        pass
    except click.UsageError as error:
        raise click.ClickException(f"invalid crawl options: {error.format_message()}") from None
    added = _store(data_dir).add(name, cron, args)
    summary = f"added schedule {added.name}: {added.cron} crawl {' '.join(added.args)}"
    output.emit(text=output.lines(summary.rstrip()))


@schedule.command("list")
@data_dir_option
@json_option("Print a JSON list.")
def schedule_list(data_dir: Path, as_json: bool) -> None:
    """List schedules with their last run and next slot.

    Example: regarkiv schedule list --json
    """
    rows = _store(data_dir).listing(datetime.now(UTC))
    output.emit(rows, as_json=as_json, text=lambda: _schedules_text(output.safe(rows)))


def _schedules_text(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return output.lines("no schedules")
    return output.lines(
        *(
            f"{row['name']}  {row['cron']!r}  INVALID: {row['problem']}"
            if row["problem"]
            else f"{row['name']}  {row['cron']!r}  next {row['next_run']}  "
            f"last {row['last_run'] or '-'} {row['last_status'] or ''}  "
            f"crawl {' '.join(row['args'])}".rstrip()
            for row in rows
        )
    )


@schedule.command("remove")
@data_dir_option
@click.argument("name")
def schedule_remove(data_dir: Path, name: str) -> None:
    """Remove a schedule.

    Example: regarkiv schedule remove daily
    """
    _store(data_dir).remove(name)
    output.emit(text=output.lines(f"removed schedule {name}"))


@click.command(context_settings=CONTEXT)
@data_dir_option
@log_options(default="INFO")
def scheduler(data_dir: Path, log_level: str, log_file: Path | None) -> None:
    """Run due scheduled crawls in the foreground, one at a time, until SIGTERM.

    Each crawl runs with the same --log-level; with --log-file, the scheduler's lines and
    each crawl's output and log are appended to that file.

    Example: regarkiv scheduler --data-dir /srv/regarkiv --log-file /var/log/regarkiv.log
    """
    # As for _store: croniter (~10 ms) only for the commands that use schedules.
    from regarkiv.scheduler import Scheduler

    level = log_level.upper()
    logger = _scheduler_logger(level, log_file_ready(log_file))
    Scheduler(
        DataDir(data_dir),
        log=logger.info,
        warn=logger.warning,
        crawl_options=["--log-level", level],
        output=log_file,
    ).serve()


def _scheduler_logger(level: str, log_file: Path | None) -> logging.Logger:
    """Timestamped lines, to the log file or to stdout (where a service manager reads)."""
    handler: logging.Handler = (
        logging.FileHandler(log_file) if log_file else logging.StreamHandler(sys.stdout)
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger = logging.getLogger("regarkiv.scheduler")
    logger.handlers[:] = [handler]
    logger.setLevel(level)
    logger.propagate = False
    return logger


COMMANDS = (schedule, scheduler)
