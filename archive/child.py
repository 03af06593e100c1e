"""The crawl's child processes (the WARC writer, the indexer), started without
multiprocessing.

multiprocessing's spawn start method launches its resource tracker with the first child:
a process of its own, ~13 MB resident for the whole crawl, which these children never
need (they share no semaphore or shared memory, only a pipe each). A spawned child also
re-runs the parent's main script (for `regarkiv crawl`, the console script, which
imports the CLI). A child here is a fresh interpreter given one end of a socket pair,
read and written as a multiprocessing ``Connection`` (what ``Pipe(duplex=True)`` makes),
and, as its first messages, the parent's ``sys.path`` and its target and arguments. It
runs ``target(conn, *args)`` and exits as a multiprocessing child does: 0, or 1 with the
traceback on stderr, without tearing down its heap object by object, once the children
it started itself have ended (their pipes closed first, so that they see the end).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

# The package root goes on the child's path before anything is imported; the parent's
# whole path follows in the first message, as spawn sets it.
_BOOT = "import sys; sys.path.insert(0, sys.argv[2]); from archive.child import main; main()"
ROOT = str(Path(__file__).resolve().parent.parent)
_started: list[ChildProcess] = []  # by this process: waited for when a child exits
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(parent_pid: int) -> None:
    """Have the kernel kill this process when its parent dies (Linux), and exit at once if
    the parent is gone already. A child that writes the archive's files, or holds its data
    directory's lock, must not outlive a killed crawl or reindex: a new one would repair or
    rebuild what the child still writes."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


class ChildProcess:
    """A child process running ``target(conn, *args)``; ``conn`` is the parent's end.

    ``name`` is the child's first argument, so that its command line says what it is.
    Raises OSError when the process cannot be started; one that dies at once says so at
    the next ``send`` or ``recv`` on ``conn``, or by its ``exitcode``.
    """

    def __init__(self, name: str, target: Callable[..., None], args: tuple[Any, ...]) -> None:
        ours, theirs = socket.socketpair()
        self.conn = Connection(ours.detach())
        try:
            self._popen = subprocess.Popen(
                [sys.executable, "-P", "-c", _BOOT, name, ROOT, str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,  # as multiprocessing gives its children
            )
        except OSError:
            self.conn.close()
            raise
        finally:
            theirs.close()
        _started[:] = [child for child in _started if child.is_alive()]
        _started.append(self)
        # A child that died at once (killed) is found dead at the first exchange on the
        # pipe after this, as a spawned one was.
        with contextlib.suppress(OSError):
            self.conn.send(list(sys.path))
            self.conn.send((target, args))

    @property
    def pid(self) -> int:
        return self._popen.pid

    @property
    def exitcode(self) -> int | None:
        """None while it runs; then its exit status, or -N when signal N ended it."""
        return self._popen.poll()

    def is_alive(self) -> bool:
        return self._popen.poll() is None

    def join(self, timeout: float | None = None) -> None:
        """Wait until it has ended, or ``timeout`` seconds have passed."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._popen.wait(timeout)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self._popen.kill()


def main() -> None:
    """The child: ``python -c _BOOT NAME ROOT FD``."""
    conn = Connection(int(sys.argv[3]))
    code = 1
    try:
        sys.path[:] = conn.recv()
        target, args = conn.recv()
        target(conn, *args)
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        _reap()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)


def _reap() -> None:
    for child in _started:
        if child.is_alive():
            with contextlib.suppress(OSError):
                child.conn.close()
            child.join()
