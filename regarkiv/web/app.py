"""The Datasette instance ``regarkiv serve`` runs: the archive's index read-only, this
project's plugin, templates, static files and metadata."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from datasette.app import Datasette
from datasette.plugins import pm

from archive.datadir import DataDir, NoArchive
from regarkiv.web import plugin
from regarkiv.web.context import PLUGIN
from regarkiv.web.metadata import metadata

HERE = Path(__file__).parent
SETTINGS: dict[str, Any] = {
    "sql_time_limit_ms": 2000,  # a researcher's query stops there, as the pages' reads do
    "max_returned_rows": 1000,
    "allow_download": False,  # the index is derived data: the WARC files are the archive
    "default_cache_ttl": 0,  # pages change with each crawl
}


def make_datasette(archive: DataDir, replay_url: str) -> Datasette:
    """Datasette over ``archive``'s index (``NoArchive`` when there is none), with the
    pages linking archived copies to ``replay_url`` (a wayback collection's URL)."""
    if not archive.has_index():
        raise NoArchive(f"no archive in {archive.root} (no index.db: run a crawl first)")
    if not pm.is_registered(plugin):
        pm.register(plugin, name=PLUGIN)
    config = {"data_dir": str(archive.root.resolve()), "replay_url": replay_url}
    index = str(archive.index_path.resolve())
    # A directory nobody may write to cannot hold SQLite's -shm file: read the file as it
    # is (immutable), as the command-line readers do.
    writable = os.access(archive.root, os.W_OK)
    return Datasette(
        files=[index] if writable else [],
        immutables=[] if writable else [index],
        metadata=metadata(config),
        template_dir=str(HERE / "templates"),
        static_mounts=[("regarkiv-static", str(HERE / "static"))],
        settings=SETTINGS,
    )
