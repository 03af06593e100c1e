"""Ctrl-C stops a running SQLite statement at once (``archive.index.interrupt``): real
SIGINTs sent to this process while the main thread is inside SQLite's C code."""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator

import pytest

from archive.index.interrupt import on_ctrl_c

# Counts to ten billion: minutes inside one SQLite call, unless something stops it.
ENDLESS = (
    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 1e10)"
    " SELECT count(*) FROM n"
)
SHORT = ENDLESS.replace("1e10", "2e6")  # ~0.3 s


@pytest.fixture
def conn() -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(":memory:", check_same_thread=False)
    # Should the code under test fail, stop the statement anyway, and let the test fail.
    failsafe = threading.Timer(20, connection.interrupt)
    failsafe.start()
    yield connection
    failsafe.cancel()
    connection.close()


def ctrl_c_after(seconds: float) -> None:
    threading.Timer(seconds, os.kill, (os.getpid(), signal.SIGINT)).start()


def test_ctrl_c_stops_a_statement_within_a_second(conn: sqlite3.Connection) -> None:
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    threads = threading.active_count()
    ctrl_c_after(0.3)
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt), on_ctrl_c(conn.interrupt):
        conn.execute(ENDLESS).fetchone()
    assert time.monotonic() - start < 1.3
    # Everything is put back: no wakeup fd, no watcher thread, the connection usable.
    assert signal.set_wakeup_fd(-1) == -1
    time.sleep(0.05)
    assert threading.active_count() <= threads + 1  # the finished Timer may linger
    assert conn.execute("SELECT 1").fetchone() == (1,)


def test_a_program_that_handles_sigint_itself_keeps_its_way(conn: sqlite3.Connection) -> None:
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda number, _: received.append(number))
    try:
        ctrl_c_after(0.05)
        with on_ctrl_c(conn.interrupt):
            assert conn.execute(SHORT).fetchone() == (2_000_000,)  # not interrupted
    finally:
        signal.signal(signal.SIGINT, previous)
    assert received == [signal.SIGINT]


def test_only_the_main_thread_watches(conn: sqlite3.Connection) -> None:
    found: list[object] = []

    def search() -> None:
        with on_ctrl_c(conn.interrupt):  # signals only reach the main thread: a no-op
            found.append(conn.execute("SELECT 2").fetchone())

    worker = threading.Thread(target=search)
    worker.start()
    worker.join()
    assert found == [(2,)]


def test_nested_blocks_watch_once(conn: sqlite3.Connection) -> None:
    ctrl_c_after(0.3)
    with pytest.raises(KeyboardInterrupt), on_ctrl_c(conn.interrupt), on_ctrl_c(conn.interrupt):
        conn.execute(ENDLESS).fetchone()
    assert signal.set_wakeup_fd(-1) == -1
