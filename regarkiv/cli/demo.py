"""Trying regarkiv offline: ``regarkiv demo`` and ``regarkiv replica``."""

from __future__ import annotations

from pathlib import Path

import click

from regarkiv.cli import output
from regarkiv.cli.options import CONTEXT
from regarkiv.cli.serve import check_installed, port_option, run_server
from regarkiv.demo import run_demo
from regarkiv.web.ports import check_free

# The replica's sitemap modes (replica/sitemap.py MODES); the replica itself is imported
# only when served.
SITEMAP_MODES = ("dated", "undated", "today", "stale", "none")


@click.command(context_settings=CONTEXT)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to keep the demo archive (default: a new temporary directory).",
)
@click.option(
    "--serve",
    "then_serve",
    is_flag=True,
    help="Then serve the demo archive in a browser (needs the web extra).",
)
@port_option
def demo(data_dir: Path | None, then_serve: bool, port: int) -> None:
    """Crawl the bundled replica twice (it changes in between) and show search, history, diff.

    Runs offline in under a minute; with --serve, it ends by serving the archive's web
    interface (as `regarkiv serve`) until Ctrl-C.

    Example: regarkiv demo --serve
    """
    if then_serve:  # before a minute of crawling, not after
        check_installed(None)
        if port:
            check_free("127.0.0.1", port, "--port")
    archive = run_demo(data_dir, echo=lambda line: output.emit(text=output.lines(line)))
    if then_serve:
        output.emit(text="\n== The web interface ==\n")
        run_server(archive, "127.0.0.1", port, None, None)


@click.command(context_settings=CONTEXT)
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
@click.option(
    "--sitemap",
    type=click.Choice(SITEMAP_MODES),
    default="dated",
    show_default=True,
    help="dated: lastmod follows each edit; undated: no lastmod; today: every lastmod is "
    "today; stale: edits never move lastmod; none: no sitemap at all.",
)
def replica(
    port: int, articles: int, seed: int, site_version: int, misbehave: float, sitemap: str
) -> None:
    """Serve the offline replica of regjeringen.no on 127.0.0.1.

    Example: regarkiv replica --port 8080 --articles 1000 --sitemap stale
    """
    # The replica (its site model and HTTP server) takes ~55 ms to import; only this
    # command and the demo need it.
    from replica.server import main

    try:
        main(
            port=port, articles=articles, seed=seed, version=site_version,
            faults_rate=misbehave, sitemap=sitemap,
        )  # fmt: skip
    except OSError as error:
        raise click.ClickException(f"cannot serve on 127.0.0.1:{port}: {error.strerror}") from None


COMMANDS = (demo, replica)
