"""How every command prints: a view as JSON (``--json``) or CSV (``--csv``) for programs,
else as text for people.

The view is what the library built (``as_dict()``, ``as_list()``): the CLI only picks the
format. The text is rendered by the command, and only when it is the one printed.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import click

Text = str | Callable[[], str]


def emit(
    view: Any = None,
    *,
    as_json: bool = False,
    as_csv: bool = False,
    columns: Sequence[str] = (),
    text: Text = "",
) -> None:
    """Print ``view`` as JSON or CSV (``columns`` of its rows) when asked, else ``text``:
    a string or a function giving one, printed as is (it ends with its own newline)."""
    if as_json:
        click.echo(json.dumps(view, ensure_ascii=False, indent=2))
    elif as_csv:
        click.echo(csv_table(view, columns), nl=False)
    else:
        click.echo(text() if callable(text) else text, nl=False)


def note(text: str) -> None:
    """A line for the person at the terminal that is no part of the output: on stderr."""
    click.echo(text, err=True)


def csv_table(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """One header line and one line per row; a list becomes its items joined by "; "."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row[name]) for name in columns])
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    return "; ".join(map(str, value)) if isinstance(value, list) else value


def styled() -> bool:
    """Colours and bold only for a person at a terminal; piped output keeps plain markers."""
    return sys.stdout.isatty()


def bold(text: str) -> str:
    return click.style(text, bold=True)


def lines(*parts: str) -> str:
    """Text of these lines, each ending with a newline."""
    return "".join(f"{part}\n" for part in parts)
