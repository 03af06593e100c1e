"""Targets for the child processes of tests/archive/test_child.py: a child imports its
target by name, so they live in a module rather than in the test."""

from __future__ import annotations

import contextlib
import time
from multiprocessing.connection import Connection
from pathlib import Path

from archive.child import ChildProcess


def echo(conn: Connection, prefix: str) -> None:
    """Send back each message with ``prefix``, until a None."""
    while (item := conn.recv()) is not None:
        conn.send(prefix + item)


def fail(conn: Connection, why: str) -> None:
    raise ValueError(why)


def write_when_told(conn: Connection, marker: Path) -> None:
    """At the end of the pipe, wait a little, then leave ``marker``: a slow shutdown."""
    with contextlib.suppress(EOFError):
        conn.recv()
    time.sleep(0.5)
    marker.write_text("done")


def start_and_return(conn: Connection, marker: Path) -> None:
    """Start a child of our own and return at once, without closing or waiting for it."""
    grandchild = ChildProcess("test-grandchild", write_when_told, (marker,))
    conn.send(grandchild.pid)
