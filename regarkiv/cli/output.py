"""How every command prints: a view as JSON (``--json``) or CSV (``--csv``) for programs,
else as text for people.

The view is what the library built (``as_dict()``, ``as_list()``): the CLI only picks the
format. The text is rendered by the command, and only when it is the one printed.

Article text can hold terminal escapes and other control characters (see
``archive.index.printable``): text renderers pass article fields through ``printable``
(``safe`` does a whole view), and ``emit`` escapes whatever is left but the program's
own colours; JSON escapes them too, and no CSV cell carries them raw.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TextIO

import click

from archive.index.printable import json_printable, printable, printable_keeping_colours

Text = str | Callable[[], str]


def emit(
    view: Any = None,
    *,
    as_json: bool = False,
    as_csv: bool = False,
    columns: Sequence[str] = (),
    text: Text = "",
    color: bool = False,
) -> None:
    """Print ``view`` as JSON or CSV (``columns`` of its rows) when asked, else ``text``:
    a string or a function giving one, printed as is (it ends with its own newline).
    ``color``: the text carries colours (``styled``), kept even when stdout is a pipe."""
    if as_json:
        click.echo(json_printable(json.dumps(view, ensure_ascii=False, indent=2)))
    elif as_csv:
        click.echo(csv_table(view, columns), nl=False)
    else:
        shown = text() if callable(text) else text
        click.echo(printable_keeping_colours(shown), nl=False, color=color)


def note(text: str) -> None:
    """A line for the person at the terminal that is no part of the output: on stderr."""
    click.echo(printable(text), err=True)


def safe(view: Any) -> Any:
    """A view (dicts, lists, strings) with every string made ``printable``: for text."""
    if isinstance(view, str):
        return printable(view)
    if isinstance(view, Mapping):
        return {key: safe(value) for key, value in view.items()}
    if isinstance(view, list | tuple):
        return [safe(value) for value in view]
    return view


def csv_table(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """One header line and one line per row; a list becomes its items joined by "; "."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row[name]) for name in columns])
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    value = "; ".join(map(str, value)) if isinstance(value, list) else value
    return printable(value) if isinstance(value, str) else value


def styled(color: str = "auto", stream: TextIO | None = None) -> bool:
    """Whether to print colours and bold: ``always``, ``never``, or (``auto``) only for a
    person at a terminal who has not set ``NO_COLOR`` (https://no-color.org: any value
    but the empty one); piped output keeps plain markers. ``stream``: stdout unless
    said (the crawl's progress line goes to stderr)."""
    if color != "auto":
        return color == "always"
    return (stream or sys.stdout).isatty() and not os.environ.get("NO_COLOR")


def bold(text: str) -> str:
    return click.style(text, bold=True)


def lines(*parts: str) -> str:
    """Text of these lines, each ending with a newline."""
    return "".join(f"{part}\n" for part in parts)
