"""The command group's commands, each imported when it is run (or listed in ``--help``).

A command module imports the library it calls (the crawl's configuration, schedules and
cron, diffs and the Atom feed, the demo's replica): importing all of them cost every
command ~25 ms of start-up (``python -X importtime``), a sixth of a cold ``regarkiv
search``. ``COMMAND_MODULES`` names the module of each command; a new command adds its row
here (tests/regarkiv/test_cli_lazy.py checks the table against the modules).
"""

from __future__ import annotations

import importlib

import click

# Command name -> the module whose COMMANDS holds it.
COMMAND_MODULES = {
    "crawl": "regarkiv.cli.crawl",
    "search": "regarkiv.cli.query",
    "show": "regarkiv.cli.query",
    "history": "regarkiv.cli.query",
    "diff": "regarkiv.cli.query",
    "changes": "regarkiv.cli.query",
    "jobs": "regarkiv.cli.jobs",
    "verify": "regarkiv.cli.maintain",
    "reindex": "regarkiv.cli.maintain",
    "export": "regarkiv.cli.export",
    "schedule": "regarkiv.cli.schedule",
    "scheduler": "regarkiv.cli.schedule",
    "demo": "regarkiv.cli.demo",
    "replica": "regarkiv.cli.demo",
    "serve": "regarkiv.cli.serve",
}


class LazyGroup(click.Group):
    """A group whose commands are imported from ``COMMAND_MODULES`` when first asked for."""

    _loaded: dict[str, click.Command]

    @property  # type: ignore[override]
    def commands(self) -> dict[str, click.Command]:
        """Every command, all imported (what documentation and tests walk)."""
        for name in COMMAND_MODULES:
            self._load(name)
        return self._loaded

    @commands.setter
    def commands(self, value: dict[str, click.Command]) -> None:
        self._loaded = dict(value)

    def _load(self, name: str) -> None:
        module = COMMAND_MODULES.get(name)
        if module is None or name in self._loaded:
            return
        for command in importlib.import_module(module).COMMANDS:
            self._loaded.setdefault(command.name or "", command)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._load(cmd_name)
        return self._loaded.get(cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self._loaded, *COMMAND_MODULES})
