"""The import graph of the project's own code, read with ``ast``: imports point down
(regarkiv → crawler → archive), replica stands apart, and nothing imports itself in a circle.

Every import counts, at the top of a module or inside a function, and ``from a import b``
names the module ``a.b`` where ``b`` is one. An import of ``a.b.c`` is an edge to the module
``a.b.c`` only, not to the packages ``a`` and ``a.b`` that Python runs before it.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.paths import ROOT

PACKAGES = ("archive", "crawler", "regarkiv", "replica")


@dataclass(frozen=True)
class Import:
    """One import site: ``module`` (at ``path``:``line``) imports ``target``; ``where`` says
    whether it runs at import time, inside a function, or only for type checkers."""

    module: str
    target: str
    path: Path
    line: int
    where: str = "top"

    def __str__(self) -> str:
        where = "" if self.where == "top" else f" ({self.where})"
        return f"{self.path.relative_to(ROOT)}:{self.line} imports {self.target}{where}"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {
    module_name(path): path
    for package in PACKAGES
    for path in sorted((ROOT / package).rglob("*.py"))
}


def resolve(name: str) -> str:
    """The longest prefix of a dotted name that is a module of the project, else the name."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        if ".".join(parts[:end]) in MODULES:
            return ".".join(parts[:end])
    return name


class ImportFinder(ast.NodeVisitor):
    def __init__(self, module: str, path: Path) -> None:
        self.module, self.path = module, path
        self.package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        self.where = ["top"]
        self.found: dict[tuple[str, int], Import] = {}

    def add(self, target: str, node: ast.stmt) -> None:
        site = Import(self.module, target, self.path, node.lineno, self.where[-1])
        self.found.setdefault((target, node.lineno), site)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.add(resolve(alias.name), node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            parts = self.package.split(".")
            base = ".".join([*parts[: len(parts) - node.level + 1], *filter(None, [base])])
        for alias in node.names:
            submodule = f"{base}.{alias.name}"
            self.add(submodule if submodule in MODULES else resolve(base), node)

    def nested(self, node: ast.AST, where: str) -> None:
        self.where.append(where if self.where[-1] == "top" else self.where[-1])
        self.generic_visit(node)
        self.where.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.nested(node, f"inside {node.name}()")

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_If(self, node: ast.If) -> None:
        test = ast.unparse(node.test)
        if test in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            self.nested(ast.Module(body=node.body, type_ignores=[]), "under TYPE_CHECKING")
            for statement in node.orelse:
                self.visit(statement)
        else:
            self.generic_visit(node)


def imports_of(module: str, path: Path) -> list[Import]:
    finder = ImportFinder(module, path)
    finder.visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
    return list(finder.found.values())


IMPORTS = [site for module, path in MODULES.items() for site in imports_of(module, path)]


def top(name: str) -> str:
    return name.split(".", 1)[0]


def room(module: str) -> str:
    """The subpackage a module sits in (archive.warc.writer → archive.warc); a package's
    own modules are rooms of their own (archive.model at the bottom, archive.session near
    the top: the data flow puts them on different floors)."""
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    return package if "." in package else module


def offending(package: str, forbidden: set[str]) -> list[str]:
    return [
        str(site)
        for site in IMPORTS
        if top(site.module) == package and top(site.target) in forbidden
    ]


Graph = dict[str, set[str]]


NODE = {
    "package": top,
    "room": room,
    "module": lambda module: module,
}


def graph(level: str, sites: list[Import]) -> tuple[Graph, dict[tuple[str, str], list[Import]]]:
    """Edges between the project's packages, rooms or modules, with the import sites of each."""
    edges: Graph = {}
    where: dict[tuple[str, str], list[Import]] = {}
    for site in sites:
        if site.target in MODULES:
            a, b = NODE[level](site.module), NODE[level](site.target)
            if a != b:
                edges.setdefault(a, set()).add(b)
                where.setdefault((a, b), []).append(site)
    return edges, where


def cycles(edges: Graph) -> list[list[str]]:
    """The strongly connected components with more than one member (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for after in sorted(edges.get(node, ())):
            if after not in index:
                visit(after)
                low[node] = min(low[node], low[after])
            elif after in stack:
                low[node] = min(low[node], index[after])
        if low[node] == index[node]:
            component = []
            while not component or component[-1] != node:
                component.append(stack.pop())
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def describe(component: list[str], sites: dict[tuple[str, str], list[Import]]) -> str:
    lines = [" ⇄ ".join(component)]
    for (a, b), where in sorted(sites.items()):
        if a in component and b in component:
            lines += [f"  {a} → {b}:"] + [f"    {site}" for site in where]
    return "\n".join(lines)


def test_every_kind_of_import_is_read(tmp_path: Path) -> None:
    source = tmp_path / "archive" / "warc" / "example.py"
    source.parent.mkdir(parents=True)
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "import scrapy.http\n"
        "from archive.warc import writer, WarcWriteError\n"
        "from ..index.store import Index\n"
        "from . import reader\n"
        "if TYPE_CHECKING:\n"
        "    from crawler.run import CrawlOptions\n"
        "def late():\n"
        "    import regarkiv.cli\n"
    )
    found = {(site.target, site.where) for site in imports_of("archive.warc.example", source)}
    assert found == {
        ("typing", "top"),
        ("scrapy.http", "top"),
        ("archive.warc.writer", "top"),
        ("archive.warc", "top"),  # WarcWriteError: a name, not a module
        ("archive.index.store", "top"),
        ("archive.warc.reader", "top"),
        ("crawler.run", "under TYPE_CHECKING"),
        ("regarkiv.cli", "inside late()"),
    }
    assert top("scrapy.http") == "scrapy"
    assert room("archive.warc.writer") == "archive.warc" and room("archive.warc") == "archive.warc"
    assert room("archive.model") == "archive.model" and room("archive") == "archive"
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_archive_imports_no_crawler_application_scrapy_twisted_or_click() -> None:
    assert offending("archive", {"crawler", "regarkiv", "scrapy", "twisted", "click"}) == []


def test_crawler_imports_no_application() -> None:
    assert offending("crawler", {"regarkiv"}) == []


def test_replica_imports_only_the_model_of_the_project() -> None:
    project = [site for site in IMPORTS if top(site.module) == "replica"]
    assert [
        str(site)
        for site in project
        if top(site.target) in PACKAGES and top(site.target) != "replica"
        if site.target != "archive.model"
    ] == []


@pytest.mark.parametrize("level", ["package", "room"])
def test_no_import_cycle_between_packages_or_their_rooms(level: str) -> None:
    """Packages: archive, crawler, regarkiv, replica. Rooms: the subpackages (archive.warc,
    crawler.spiders, regarkiv.cli, ...) and each module at a package's top level."""
    # Between rooms, a type-only import (under TYPE_CHECKING, never run) may point back up.
    sites = (
        IMPORTS if level == "package" else [s for s in IMPORTS if s.where != "under TYPE_CHECKING"]
    )
    edges, where = graph(level, sites)
    found = [describe(component, where) for component in cycles(edges)]
    assert not found, f"import cycles between {level}s:\n" + "\n".join(found)


def test_no_import_cycle_between_modules_at_run_time() -> None:
    """An import under TYPE_CHECKING never runs, so it is left out here (not above)."""
    edges, where = graph("module", [s for s in IMPORTS if s.where != "under TYPE_CHECKING"])
    found = [describe(component, where) for component in cycles(edges)]
    assert not found, "import cycles between modules:\n" + "\n".join(found)


def test_no_module_of_the_tests_imports_a_test_module() -> None:
    """Shared code goes in conftest.py or tests/support/; scripts run as child processes count."""
    importing = re.compile(r"^\s*(?:from|import)\s+([\w.]*\btest_\w+)", re.MULTILINE)
    found = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted((ROOT / "tests").rglob("*.py"))
        for name in importing.findall(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_imports_inside_functions_say_why() -> None:
    """Imports belong at the top of a module; one inside a function must carry a comment
    (on its line or the lines just above) with its reason, e.g. a measured start-up cost."""
    unexplained = []
    for site in IMPORTS:
        if not site.where.startswith("inside"):
            continue
        lines = site.path.read_text(encoding="utf-8").splitlines()
        above = lines[max(0, site.line - 4) : site.line]
        if not any("#" in line for line in above):
            unexplained.append(str(site))
    assert unexplained == []
