"""Looking after an archive: ``regarkiv verify`` (fixity) and ``regarkiv reindex``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from archive.datadir import DataDir
from regarkiv.cli import output
from regarkiv.cli.options import CONTEXT, data_dir_option, json_option

if TYPE_CHECKING:
    from archive.verify import VerifyReport


@click.command("verify", context_settings=CONTEXT)
@data_dir_option
@json_option("Print the report as JSON.")
def verify_command(data_dir: Path, as_json: bool) -> None:
    """Check WARC digests, index/WARC agreement and fixity; update the SHA-256 manifest.

    Exits 1 and names each problem when anything is wrong.

    Example: regarkiv verify --data-dir /srv/regarkiv
    """
    # The WARC reader and digests: ~17 ms to import, which every other command would pay.
    from archive.verify import verify

    with DataDir(data_dir) as data:
        if not data.has_warcs() and not data.has_index():
            raise click.ClickException(f"no archive in {data_dir}")
        report = verify(data, data.index if data.has_index() else None)
    output.emit(report.as_dict(), as_json=as_json, text=lambda: _verify_text(report))
    if not report.ok:
        sys.exit(1)


def _verify_text(report: VerifyReport) -> str:
    return output.lines(
        f"checked {report.files} WARC files and {report.captures_checked} captures; "
        f"{report.manifest_added} files added to the manifest",
        *(f"PROBLEM {finding}" for finding in report.findings),
        "OK" if report.ok else f"{len(report.findings)} problems",
    )


@click.command(context_settings=CONTEXT)
@data_dir_option
@json_option("Print the report as JSON.")
def reindex(data_dir: Path, as_json: bool) -> None:
    """Rebuild index.db from the WARC files alone.

    Example: regarkiv reindex --data-dir regarkiv-data
    """
    # Reindexing brings extraction (lxml, parsel) and multiprocessing: ~90 ms to import,
    # which no other command needs.
    from archive.reindex import rebuild

    data = DataDir(data_dir)
    if not data.has_warcs():
        raise click.ClickException(f"no WARC files in {data.warcs}")
    with data.lock():
        report = rebuild(data)
    figures = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in report.stats.as_dict().items())
    output.emit(
        report.as_dict(),
        as_json=as_json,
        text=output.lines(
            f"indexed {report.captures} captures from {report.files} WARC files: {figures}"
        ),
    )
    if report.skipped_records and not as_json:
        output.note(f"skipped {report.skipped_records} damaged records:")
        for warning in report.warnings[:20]:
            output.note(f"  {warning}")


COMMANDS = (verify_command, reindex)
