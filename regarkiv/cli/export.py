"""``regarkiv export wacz``: the archive (or a job, or recent captures) as one WACZ file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from archive.datadir import DataDir
from archive.wacz import ExportReport, Selection, export_wacz
from regarkiv.cli import output
from regarkiv.cli.options import CONTEXT, DATE, data_dir_option, json_option


@click.group(context_settings=CONTEXT)
def export() -> None:
    """Export the archive in a format other tools open."""


@export.command("wacz", context_settings=CONTEXT)
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--since", type=DATE, help="Only captures fetched on or after this date.")
@click.option("--job", "job_id", metavar="ID", help="Only the captures of this crawl job.")
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
@data_dir_option
@json_option("Print the report as JSON.")
def wacz(
    out: Path, since: date | None, job_id: str | None, force: bool, data_dir: Path, as_json: bool
) -> None:
    """Write a WACZ file (WACZ 1.1.1) that ReplayWeb.page opens: the WARC files, their CDXJ
    index, the page list with each article's text, datapackage.json and its digest.

    WARC files are exported whole and byte for byte (their SHA-256 is the manifest's);
    --job and --since choose the files holding those captures, and the files holding the
    originals of their revisit records.

    Example: regarkiv export wacz news.wacz --since 2026-07-01
    """
    with DataDir(data_dir) as data:
        report = export_wacz(data, out, Selection(job_id=job_id, since=since), force=force)
    output.emit(report.as_dict(), as_json=as_json, text=lambda: _text(report))


def _text(report: ExportReport) -> str:
    mb = report.warc_bytes / 1e6
    return output.lines(
        f"wrote {report.path}: {report.selection}, {report.warc_files} WARC files "
        f"({mb:,.1f} MB), {report.index_lines} index lines, {report.pages} pages "
        f"in {report.seconds:.1f} s",
        *(f"NOTE skipped {name}: a crawl is still writing it" for name in report.skipped_open),
    )


COMMANDS = (export,)
