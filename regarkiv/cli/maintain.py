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
    from archive.completeness import Completeness
    from archive.verify import VerifyReport


@click.command("verify", context_settings=CONTEXT)
@data_dir_option
@json_option("Print the report as JSON.")
def verify_command(data_dir: Path, as_json: bool) -> None:
    """Check WARC digests, index/WARC agreement and fixity; update the SHA-256 manifest.

    Exits 1 and names each problem when anything is wrong: a damaged record, a WARC file
    left open, records the index lacks, a file changed since the manifest recorded it.
    Never writes to the index; on read-only media it skips the manifest update and says so.

    Example: regarkiv verify --data-dir /srv/regarkiv
    """
    # The WARC reader and digests: ~17 ms to import, which every other command would pay.
    from archive.verify import verify

    with DataDir(data_dir) as data:
        if not data.has_warcs() and not data.has_index():
            raise click.ClickException(f"no archive in {data_dir}")
        report = verify(data)
    output.emit(report.as_dict(), as_json=as_json, text=lambda: _verify_text(report))
    if not report.ok:
        sys.exit(1)


def _verify_text(report: VerifyReport) -> str:
    return output.lines(
        f"checked {report.files} WARC files ({report.records_checked} records) and "
        f"{report.captures_checked} captures; {report.manifest_added} files added to the manifest",
        *([f"NOTE {report.manifest_note}"] if report.manifest_note else []),
        *(_completeness_lines(report.completeness) if report.completeness else []),
        *(f"PROBLEM {finding}" for finding in report.findings),
        "OK" if report.ok else f"{len(report.findings)} problems",
    )


def _completeness_lines(found: Completeness, shown: int = 20) -> list[str]:
    """The figure, then the first ``shown`` missing references with their pages; nothing
    when the archived pages reference nothing. Pages whose crawl fetched neither
    requisites nor attachments are one line: they were not checked."""
    lines = []
    if found.unchecked:
        lines.append(
            f"completeness: {found.unchecked} pages not checked: their crawls fetched neither "
            "requisites nor attachments (--requisites none --attachments none)"
        )
    if not found.references:
        return lines
    lines += [
        f"completeness {found.ratio:.1%}: {found.archived} of {found.references} requisites and "
        f"attachments that {found.pages} archived pages reference are archived; "
        f"{len(found.missing)} pages incomplete"
    ]
    items = [(page, m) for page, missing in found.missing.items() for m in missing]
    for page, item in items[:shown]:
        held = "not archived" if item.status is None else f"archived as http-{item.status}"
        lines.append(f"MISSING {item.url} ({item.kind} {item.role}, {held}) on {page}")
    if len(items) > shown:
        lines.append(f"... {len(items) - shown} more (--json lists them)")
    return lines


@click.command(context_settings=CONTEXT)
@data_dir_option
@click.option(
    "--force",
    is_flag=True,
    help="Replace the index even when the rebuilt one covers less (a WARC file damaged or gone).",
)
@json_option("Print the report as JSON.")
def reindex(data_dir: Path, force: bool, as_json: bool) -> None:
    """Rebuild index.db from the WARC files alone.

    The current index is replaced only by one that covers at least as many articles,
    revisions and captures; otherwise it is kept, the losses are named and the exit is 1.

    Example: regarkiv reindex --data-dir regarkiv-data
    """
    # Reindexing brings extraction (lxml, parsel) and multiprocessing: ~90 ms to import,
    # which no other command needs.
    from archive.reindex import ReindexError, rebuild

    data = DataDir(data_dir)
    if not data.has_warcs():
        raise click.ClickException(f"no WARC files in {data.warcs}")
    data.ensure_writable()
    with data.lock():
        try:
            report = rebuild(data, force=force)
        except ReindexError as error:
            raise click.ClickException(str(error)) from None
    figures = ", ".join(
        f"{k.replace('_', ' ')} {_figure(v)}" for k, v in report.stats.as_dict().items()
    )
    output.emit(
        report.as_dict(),
        as_json=as_json,
        text=output.lines(
            f"indexed {report.captures} captures from {report.files} WARC files: {figures}"
        ),
    )
    if as_json:
        return
    if report.lost:
        losses = ", ".join(f"{name} {old} → {new}" for name, (old, new) in report.lost.items())
        output.note(f"replaced an index that covered more (--force): {losses}")
    if report.skipped_records:
        output.note(f"skipped {report.skipped_records} damaged records:")
    for warning in report.warnings[:20]:
        output.note(f"  {warning}")


COMMANDS = (verify_command, reindex)


def _figure(value: object) -> str:
    """A count, or counts by kind (``(text 3, encrypted 1)``)."""
    if isinstance(value, dict):
        return "(" + (", ".join(f"{k} {v}" for k, v in value.items()) or "none") + ")"
    return str(value)
