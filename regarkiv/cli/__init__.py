"""The `regarkiv` command: a thin layer over the library.

One module per group of commands (``crawl``, ``query``, ``jobs``, ``maintain``,
``export``, ``schedule``, ``demo``, ``serve``; regarkiv/cli/lazy.py imports each when it
runs); each command parses its options, makes one library call and prints through
``output.emit``. The library raises specific exceptions; only the group here turns them
into a one-line ``Error: ...`` and exit 1.

``python -m regarkiv`` and the installed ``regarkiv`` command both run ``main``.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import sqlite3
import sys
from typing import Any

import click

from archive import __version__
from regarkiv.cli import output
from regarkiv.cli.lazy import LazyGroup
from regarkiv.cli.options import CONTEXT

# Each one's message is a whole sentence for the user. Named, not imported: a command imports
# only the modules it needs (a cold `search` must not pay for the diff's, the schedules' or the
# web server's), and an error can only come from a module that was imported.
LIBRARY_ERRORS = (
    "archive.config.CrawlConfigError",
    "archive.datadir.NoArchive",
    "archive.datadir.UnreadableArchive",
    "archive.files.DataDirError",
    "archive.index.articles.ArticleNotFound",
    "archive.index.articles.RevisionNotFound",
    "archive.index.attachments.AttachmentNotFound",
    "archive.index.connection.UnusableIndex",
    "archive.index.diff.NothingToCompare",
    "archive.index.fts.SearchQueryError",
    "archive.index.jobs.JobNotFound",
    "archive.lock.DataDirLocked",
    "archive.lock.LockError",
    "archive.schedules.ScheduleError",
    "archive.schedules.ScheduleNotFound",
    "archive.wacz_pages.ExportError",
    "regarkiv.demo.DemoError",
    "regarkiv.web.ports.ServeError",
)


def library_error_classes() -> tuple[type[Exception], ...]:
    """The classes of LIBRARY_ERRORS whose modules are imported (the others cannot have
    raised anything)."""
    found = []
    for name in LIBRARY_ERRORS:
        module, _, qualname = name.rpartition(".")
        cls = getattr(sys.modules.get(module), qualname, None)
        if isinstance(cls, type) and issubclass(cls, Exception):
            found.append(cls)
    return tuple(found)


# The system's refusals no command can do anything about: reported in one line, like a
# library error, wherever they come from (the crawl's index, a file the tool writes).
ENVIRONMENT_ERRORS = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO}
)


class Group(LazyGroup):
    """The command group: a library exception ends a command as ``Error: <message>``, and
    Ctrl-C as ``Interrupted.`` with exit 130 (as for the crawl)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            output.note("\nInterrupted.")  # after the ^C the terminal shows
            ctx.exit(130)
        except Exception as error:
            message = user_message(error)
            if message is None:
                raise
            raise click.ClickException(message) from None


def user_message(error: Exception) -> str | None:
    """The one line to print for an error the user can act on; None for a bug."""
    if isinstance(error, library_error_classes()):
        return str(error)
    if isinstance(error, sqlite3.DatabaseError):  # e.g. "database or disk is full"
        return f"the index cannot be used: {error}"
    if isinstance(error, OSError) and error.errno in ENVIRONMENT_ERRORS:
        where = f"{error.filename}: " if error.filename else ""
        return f"{where}{error.strerror}"
    return None


@click.group(cls=Group, context_settings=CONTEXT)
@click.version_option(__version__, prog_name="regarkiv")
def cli() -> None:
    """regarkiv: archive regjeringen.no news into WARC files and a searchable index."""


def main() -> None:
    """The entry point of ``regarkiv`` and ``python -m regarkiv`` (named ``regarkiv`` in
    usage lines either way)."""
    try:
        cli(prog_name="regarkiv")
    except SystemExit as done:
        crawl = sys.modules.get("regarkiv.cli.crawl")  # imported only to run a crawl
        if crawl is not None and getattr(crawl, "finished", False):
            # Interpreter teardown would only free the crawl's objects one by one, ~0.2 s
            # after every crawl with nothing left to write. Only here, in a process of our
            # own: never in code that imports the CLI.
            code = done.code if isinstance(done.code, int) else 1
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(Exception):
                    stream.flush()
            logging.shutdown()
            os._exit(code)
        raise
