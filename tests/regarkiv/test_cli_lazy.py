"""Start-up: each command imports only what it needs (regarkiv/cli/lazy.py)."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from archive.index.store import Index
from regarkiv.cli.lazy import COMMAND_MODULES

# Run the CLI in a fresh interpreter, then report which modules it had imported.
PROBE = """
import json, sys
from regarkiv.cli import main
sys.argv = ["regarkiv", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print("\\nMODULES " + json.dumps(sorted(sys.modules)))
"""
# Heavy imports that a search, or printing the version, never needs.
NOT_FOR_SEARCH = (
    "sqlite_utils",  # only to apply migrations to an outdated index
    "croniter",  # schedules
    "dateutil",
    "importlib.metadata",  # the stemmer's version is read from its dist-info name
    "regarkiv.cli.crawl",
    "regarkiv.cli.schedule",
    "regarkiv.cli.demo",
    "scrapy",
    "twisted",
    "lxml",
    "xml.etree",  # the Atom feed of `changes --atom`
    "snowballstemmer",  # 30 languages: its Norwegian and English stemmers load alone
    "difflib",  # only `diff` and `changes` compare revisions
    "archive.index.diff",
    "archive.index.changes",
    "archive.warc",  # the WARC reader: only pages that show a record's headings
    "archive.schedules",
    "archive.config",  # the crawl's options
    "regarkiv.demo",
    "regarkiv.web",  # `serve`, and its port errors
)


def test_the_table_names_every_command_of_every_module() -> None:
    modules = set(COMMAND_MODULES.values())
    found = {
        command.name: module
        for module in modules
        for command in importlib.import_module(module).COMMANDS
    }
    assert found == COMMAND_MODULES


def _imported(*args: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=60
    )
    assert "Traceback" not in result.stderr, result.stderr
    return set(json.loads(result.stdout.rsplit("MODULES ", 1)[1]))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(
        name
        for name in modules
        for heavy in NOT_FOR_SEARCH
        if name == heavy or name.startswith(heavy + ".")
    )


def test_version_imports_no_command_and_no_heavy_library() -> None:
    modules = _imported("--version")
    assert _heavy(modules) == []
    assert "regarkiv.cli.query" not in modules


@pytest.mark.parametrize("query", ["regjering", '"felling av"'])
def test_search_imports_only_what_it_needs(
    tmp_path: Path, record, make_article, query: str
) -> None:
    with Index(tmp_path / "index.db") as index:  # up to date: no migration to apply
        record(index, make_article(), 0)
    modules = _imported("search", query, "--data-dir", str(tmp_path))
    assert {"regarkiv.cli.query", "archive.index.search"} <= modules  # the search did run
    assert _heavy(modules) == []
