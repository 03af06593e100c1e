"""The README stays true: every command is documented, and CI runs the README's test command."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from regarkiv.cli import cli


@pytest.fixture(scope="module")
def readme(root: Path) -> str:
    return (root / "README.md").read_text()


def command_names(group: click.Group, prefix: str = "") -> list[str]:
    names = []
    for name, command in group.commands.items():
        names.append(f"{prefix}{name}")
        if isinstance(command, click.Group):
            names += command_names(command, f"{prefix}{name} ")
    return names


def test_every_command_is_in_the_readme(readme: str) -> None:
    missing = [name for name in command_names(cli) if f"regarkiv {name}" not in readme]
    assert missing == []


def test_every_command_has_an_example() -> None:
    def walk(group: click.Group) -> list[click.Command]:
        found = []
        for command in group.commands.values():
            if isinstance(command, click.Group):
                found += walk(command)
            else:
                found.append(command)
        return found

    assert [c.name for c in walk(cli) if "Example:" not in (c.help or "")] == []


def test_quick_start_is_two_commands_and_ci_runs_the_test_one(readme: str, root: Path) -> None:
    quick = readme.split("## Quick start", 1)[1].split("##", 1)[0]
    block = re.search(r"```bash\n(.*?)```", quick, re.S).group(1)
    commands = [line for line in block.splitlines() if line and not line.startswith("#")]
    assert len(commands) == 2
    assert commands[0].endswith("regarkiv demo")
    assert commands[1] in (root / ".ci" / "run").read_text().splitlines()


def test_every_regarkiv_setting_is_in_the_readme(readme: str) -> None:
    from crawler import settings

    names = [name for name in vars(settings) if name.startswith("REGARKIV_")]
    assert names and [name for name in names if name not in readme] == []


def test_the_development_tree_names_every_module(readme: str, root: Path) -> None:
    """One line per module, so a newcomer knows where a change belongs."""
    tree = readme.split("## Development", 1)[1]
    missing = []
    for package in ("regarkiv", "crawler", "archive"):
        for path in sorted((root / package).rglob("*.py")):
            relative = path.relative_to(root / package).as_posix()
            if path.name == "__init__.py" and path.stat().st_size < 200:
                continue  # a package marker with its docstring
            if f"  {relative}" not in tree:
                missing.append(f"{package}/{relative}")
    assert missing == []
