"""What the pages of one Datasette instance share: the archive's reader and the replay links,
made from the plugin's configuration (``metadata.plugins.regarkiv``)."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from pathlib import Path

from datasette.app import Datasette

from regarkiv.web.reader import Reader
from regarkiv.web.replay import ReplayLinks

PLUGIN = "regarkiv"


@dataclass(frozen=True)
class Site:
    reader: Reader
    links: ReplayLinks


_sites: weakref.WeakKeyDictionary[Datasette, Site] = weakref.WeakKeyDictionary()


def site_of(datasette: Datasette) -> Site:
    """The instance's ``Site``, made on first use."""
    site = _sites.get(datasette)
    if site is None:
        config = datasette.plugin_config(PLUGIN) or {}
        site = Site(
            Reader(Path(config["data_dir"])), ReplayLinks(str(config.get("replay_url", "")))
        )
        _sites[datasette] = site
    return site


def close(datasette: Datasette) -> None:
    """Close the archive connections of an instance's pages."""
    site = _sites.pop(datasette, None)
    if site is not None:
        site.reader.close()
