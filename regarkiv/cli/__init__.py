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
from archive.config import CrawlConfigError
from archive.datadir import DataDirError, NoArchive, UnreadableArchive
from archive.index.attachments import AttachmentNotFound
from archive.index.diff import NothingToCompare
from archive.index.jobs import JobNotFound
from archive.index.search import SearchQueryError
from archive.index.store import ArticleNotFound, RevisionNotFound, UnusableIndex
from archive.lock import DataDirLocked, LockError
from archive.schedules import ScheduleError, ScheduleNotFound
from regarkiv.cli import output
from regarkiv.cli.lazy import LazyGroup
from regarkiv.cli.options import CONTEXT
from regarkiv.demo import DemoError
from regarkiv.web.ports import ServeError

# Each one's message is a whole sentence for the user.
LIBRARY_ERRORS = (
    ArticleNotFound,
    AttachmentNotFound,
    CrawlConfigError,
    DataDirError,
    DataDirLocked,
    DemoError,
    JobNotFound,
    LockError,
    NoArchive,
    NothingToCompare,
    RevisionNotFound,
    ScheduleError,
    ScheduleNotFound,
    SearchQueryError,
    ServeError,
    UnreadableArchive,
    UnusableIndex,
)

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
        except LIBRARY_ERRORS as error:
            raise click.ClickException(str(error)) from None
        except KeyboardInterrupt:
            output.note("\nInterrupted.")  # after the ^C the terminal shows
            ctx.exit(130)
        except sqlite3.DatabaseError as error:  # e.g. "database or disk is full"
            raise click.ClickException(f"the index cannot be used: {error}") from None
        except OSError as error:
            if error.errno not in ENVIRONMENT_ERRORS:
                raise
            where = f"{error.filename}: " if error.filename else ""
            raise click.ClickException(f"{where}{error.strerror}") from None


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
