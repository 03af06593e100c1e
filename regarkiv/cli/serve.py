"""``regarkiv serve``: the web interface (Datasette and pywb) over an archive."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import click

from archive.datadir import DataDir
from regarkiv.cli import output
from regarkiv.cli.options import CONTEXT, data_dir_option

WEB_EXTRA = "pip install 'regarkiv[web]'"

host_option = click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback)."
)
port_option = click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8001,
    show_default=True,
    help="Port of the interface; 0: a free port.",
)
replay_url_option = click.option(
    "--replay-url",
    metavar="URL",
    help="An existing wayback collection to link archived copies to, e.g. "
    "http://wayback.example/regarkiv/ (default: start pywb on --replay-port).",
)
replay_port_option = click.option(
    "--replay-port",
    type=click.IntRange(0, 65535),
    help="Port of pywb, the replay server (default: --port + 1; 0: a free port).",
)


def check_installed(replay_url: str | None) -> None:
    """A one-line error when the web extra is missing (a crawler-only install)."""
    needed = ["datasette", "uvicorn"] + ([] if replay_url else ["pywb"])
    missing = [name for name in needed if importlib.util.find_spec(name) is None]
    if missing:
        raise click.ClickException(f"the web interface needs {', '.join(missing)}: {WEB_EXTRA}")


def run_server(
    data_dir: Path, host: str, port: int, replay_url: str | None, replay_port: int | None
) -> None:
    check_installed(replay_url)
    # Datasette, uvicorn and pywb load only for this command: a crawler-only install has none.
    from regarkiv.web.serve import serve as serve_archive

    serve_archive(
        DataDir(data_dir),
        host=host,
        port=port,
        replay_url=replay_url,
        replay_port=replay_port,
        echo=lambda line: output.emit(text=output.lines(line)),
    )


@click.command(context_settings=CONTEXT)
@data_dir_option
@host_option
@port_option
@replay_url_option
@replay_port_option
def serve(
    data_dir: Path, host: str, port: int, replay_url: str | None, replay_port: int | None
) -> None:
    """Serve the archive in a browser: search, articles, diffs, changes, and Datasette.

    Datasette reads the index read-only; pywb replays the archived pages on a second port,
    so archived HTML never comes from the interface's own origin. Needs the web extra.

    Example: regarkiv serve --data-dir regarkiv-data --port 8001
    """
    run_server(data_dir, host, port, replay_url, replay_port)


COMMANDS = (serve,)
