"""Ctrl-C stops a running SQLite statement at once, not when it is done.

While a statement runs, the main thread is inside SQLite's C code, and Python runs its
SIGINT handler only when that code returns: a long FTS5 search (seconds over a large
archive) held Ctrl-C for its whole length (94 s was seen). A progress handler does not
help: FTS5 does its work inside one step of the statement, where SQLite calls none (set
for every 1,000 instructions, it was called 219 times in a 4.4 s search). What does stop
FTS5 is ``sqlite3_interrupt`` (``Connection.interrupt()``: 3 ms, measured), and the one
thing that happens at once on Ctrl-C is C-level: the signal handler writes the signal
number to the wakeup fd (``signal.set_wakeup_fd``). So ``on_ctrl_c`` has a thread wait
on that fd and call the interrupt; the statement ends with "interrupted", and Python's
own handler then raises ``KeyboardInterrupt`` as usual.

Only when Python's default SIGINT handler is in place (a program that handles SIGINT
itself keeps its own behaviour), and only in the main thread, where signals arrive.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_STOP = b"\0"  # no signal has number 0: the watcher's own "done"
_active = threading.Lock()  # one watcher at a time: the wakeup fd is one per process


@contextmanager
def on_ctrl_c(interrupt: Callable[[], None]) -> Iterator[None]:
    """Call ``interrupt`` (from another thread) as soon as SIGINT arrives in the block."""
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
        or not _active.acquire(blocking=False)  # an outer block watches already
    ):
        yield
        return
    read_fd, write_fd = os.pipe()
    try:
        os.set_blocking(write_fd, False)
        previous = signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
        # The watcher closes read_fd itself: Ctrl-C may end this block before it has.
        threading.Thread(target=_watch, args=(read_fd, interrupt), daemon=True).start()
    except BaseException:
        os.close(read_fd)
        os.close(write_fd)
        _active.release()
        raise
    try:
        yield
    finally:
        # C calls only (no Python frame to raise KeyboardInterrupt in) until released.
        signal.set_wakeup_fd(previous)
        os.write(write_fd, _STOP)
        os.close(write_fd)
        _active.release()


def _watch(read_fd: int, interrupt: Callable[[], None]) -> None:
    try:
        while True:
            received = os.read(read_fd, 64)
            if signal.SIGINT in received:
                interrupt()
            if not received or _STOP in received:
                return
    finally:
        os.close(read_fd)
