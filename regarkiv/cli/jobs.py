"""``regarkiv jobs`` and ``regarkiv jobs show``: the crawl jobs recorded in the index."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from archive.datadir import DataDir
from regarkiv.cli import output
from regarkiv.cli.options import CONTEXT, data_dir_option, json_option


@click.group(invoke_without_command=True, context_settings=CONTEXT)
@data_dir_option
@json_option("Print a JSON list.")
@click.pass_context
def jobs(ctx: click.Context, data_dir: Path, as_json: bool) -> None:
    """List crawl jobs, oldest first.

    Example: regarkiv jobs --json
    """
    ctx.obj = data_dir
    if ctx.invoked_subcommand is not None:
        return
    with DataDir(data_dir) as archive:
        rows = [job.as_dict() for job in archive.jobs()]
    output.emit(rows, as_json=as_json, text=lambda: _jobs_text(output.safe(rows)))


def _jobs_text(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return output.lines("no jobs yet")
    text = ""
    for row in rows:
        figures = row["figures"] or {}
        text += output.lines(
            f"{row['id']}  {row['status']:<11}  {row['started_at']}  "
            f"articles {figures.get('articles_fetched', 0)}  "
            f"new {figures.get('new_articles', 0)}  revised {figures.get('new_revisions', 0)}"
        )
    return text


@jobs.command("show")
@click.argument("job_id")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Archive directory (as for `regarkiv jobs`).",
)
@json_option("Print a JSON object.")
@click.pass_obj
def jobs_show(group_data_dir: Path, job_id: str, data_dir: Path | None, as_json: bool) -> None:
    """Show one crawl job: settings, status and figures.

    Example: regarkiv jobs show 20261125T060000Z-3f2a1b
    """
    with DataDir(data_dir or group_data_dir) as archive:
        job = archive.job(job_id).as_dict()
    output.emit(job, as_json=as_json, text=lambda: _job_text(output.safe(job)))


def _job_text(job: dict[str, Any]) -> str:
    text = ""
    for key, value in job.items():
        if isinstance(value, dict):
            text += output.lines(
                f"{key}:", *(f"  {name}: {_flat(item)}" for name, item in value.items())
            )
        else:
            text += output.lines(f"{key}: {value}")
    return text


def _flat(value: Any, nested: bool = False) -> str:
    """A figure on one line, counts by reason (a kind of resource's) too:
    ``fetched 3, skipped (off-site 1, too-large 1)``."""
    if not isinstance(value, dict):
        return str(value)
    inner = ", ".join(f"{name} {_flat(item, True)}" for name, item in value.items()) or "none"
    return f"({inner})" if nested and value else inner


COMMANDS = (jobs,)
