"""The CLI as a whole: one entry point, a fast start, every command printing through one
helper, small modules."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
import tomllib
from pathlib import Path

import regarkiv.__main__
from regarkiv.cli import LIBRARY_ERRORS, main, user_message

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "regarkiv" / "cli"


def test_the_installed_command_and_python_m_run_the_same_main() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"regarkiv": "regarkiv.cli:main"}
    assert regarkiv.__main__.main is main


def test_each_library_error_is_named_where_its_class_is_defined() -> None:
    """The group finds them by name among imported modules: a misspelt name would turn
    that error into a traceback."""
    for name in LIBRARY_ERRORS:
        module, _, qualname = name.rpartition(".")
        cls = getattr(importlib.import_module(module), qualname)
        assert issubclass(cls, Exception) and cls.__module__ == module, name
        assert user_message(cls("a sentence for the user")) == "a sentence for the user"
    assert user_message(ValueError("a bug")) is None


def test_commands_but_crawl_do_not_import_scrapy(tmp_path: Path) -> None:
    """Scrapy and Twisted take ~0.3 s to import: only `regarkiv crawl` may pay for them."""
    program = (
        "import runpy, sys\n"
        "try:\n"
        "    runpy.run_module('regarkiv', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "loaded = {name.split('.')[0] for name in sys.modules}\n"
        "print(sorted(loaded & {'scrapy', 'twisted', 'crawler', 'replica'}))\n"
    )
    data = ["--data-dir", str(tmp_path)]
    for args in (["--version"], ["search", "x", *data], ["jobs", *data], ["schedule", "list"]):
        result = subprocess.run(
            [sys.executable, "-c", program, *args], capture_output=True, text=True, cwd=tmp_path
        )
        assert result.stdout.splitlines()[-1] == "[]", (args, result.stdout, result.stderr)


def test_only_the_output_helper_prints() -> None:
    for path in sorted(CLI.glob("*.py")):
        if path.name == "output.py":
            continue
        source = path.read_text()
        for printer in ("click.echo", "print(", "json.dumps", "csv.writer", ".write("):
            assert printer not in source, f"{path.name} uses {printer}: print through output.emit"


def test_modules_and_functions_are_small() -> None:
    """~400 lines a module and ~60 a function, unless its docstring gives the reason."""
    mine = [
        ROOT / "archive" / name for name in ("datadir.py", "index/views.py", "index/snippets.py")
    ]
    for path in sorted((ROOT / "regarkiv").rglob("*.py")) + mine:
        source = path.read_text()
        assert source.count("\n") <= 400, path
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                assert length <= 60, f"{path.name}: {node.name}() has {length} lines"
