"""What several commands parse alike: the data directory, dates, counts, ``--json``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click

from archive.datadir import DATA_ENV, DEFAULT_DATA_DIR

CONTEXT = {"help_option_names": ["-h", "--help"]}
F = TypeVar("F", bound=Callable[..., Any])

data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar=DATA_ENV,
    default=DEFAULT_DATA_DIR,
    show_default=True,
    help=f"Archive directory; the index is DATA/index.db. Env: {DATA_ENV}.",
)


def json_option(help: str | None = None) -> Callable[[F], F]:
    """``--json``, given to the command as ``as_json``."""
    return click.option("--json", "as_json", is_flag=True, help=help)


# click takes type arguments (ParamType[date]) from 8.4 only; the project supports 8.1 on.
class _Date(click.ParamType):  # type: ignore[type-arg]
    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: Any) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value)
        except ValueError:
            # A ClickException, not fail(): a bad date is one line and exit 1.
            name = param.opts[0] if param else "date"
            raise click.ClickException(f"{name}: expected YYYY-MM-DD, got {value!r}") from None


class _Count(click.ParamType):  # type: ignore[type-arg]
    name = "N"

    def convert(self, value: Any, param: click.Parameter | None, ctx: Any) -> int:
        if isinstance(value, int) and value > 0:
            return value
        # isdigit() alone would take "²", which int() refuses; the length stays within
        # what int() converts (a count that large is "no such revision" or "all").
        digits = isinstance(value, str) and value.isascii() and value.isdigit()
        if digits and len(value) < 4000 and int(value) > 0:
            return int(value)
        name = param.opts[0] if param else "number"
        raise click.ClickException(f"{name}: expected a whole number above 0, got {value!r}")


DATE, COUNT = _Date(), _Count()

color_option = click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Colours and bold: auto (on a terminal, unless NO_COLOR is set), always or never.",
)

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def log_options(default: str) -> Callable[[F], F]:
    """``--log-level`` and ``--log-file``, given to the command as ``log_level``/``log_file``."""

    def decorate(command: F) -> F:
        command = click.option(
            "--log-file",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Append the log to this file (with timestamps) instead of stderr.",
        )(command)
        return click.option(
            "--log-level",
            type=click.Choice(LOG_LEVELS, case_sensitive=False),
            default=default,
            show_default=True,
            help="Least severe log messages shown: DEBUG, INFO, WARNING or ERROR.",
        )(command)

    return decorate


def log_file_ready(path: Path | None) -> Path | None:
    """The log file, created if need be; one line of error if it cannot be appended to."""
    if path is None:
        return None
    try:
        with path.open("a"):
            pass
    except OSError as error:
        raise click.ClickException(f"--log-file {path}: {error.strerror or error}") from None
    return path
