"""``regarkiv serve`` (or ``demo --serve``) in a child process, for as long as a block runs:
started, its addresses read from its first line, stopped with SIGTERM, bounded in time."""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

SERVING = re.compile(r"at (http://\S+/) \(replay: (\S+)\)")


@dataclass(frozen=True)
class Served:
    url: str  # the interface, e.g. http://127.0.0.1:41234/
    replay: str  # the replay collection, e.g. http://127.0.0.1:41235/regarkiv/
    output: list[str]

    def netloc(self, url: str) -> str:
        return url.split("/")[2]


@contextmanager
def serving(*args: str, timeout: float = 120) -> Iterator[Served]:
    """Run ``regarkiv ARGS`` until its "Serving … at URL (replay: URL)" line, then yield."""
    process = subprocess.Popen(
        [sys.executable, "-m", "regarkiv", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    try:
        found = None
        while found is None:
            left = deadline - time.monotonic()
            assert left > 0, "no 'Serving' line in time:\n" + "".join(lines[-30:])
            ready, _, _ = select.select([process.stdout], [], [], min(left, 1.0))
            if ready:
                line = process.stdout.readline()
                assert line, "it exited:\n" + "".join(lines[-30:])
                lines.append(line)
                found = SERVING.search(line)
        # Keep reading what it writes (access logs, a traceback): a pipe nobody reads fills
        # at 64 kB and then blocks the server, and every later request times out.
        drain = threading.Thread(target=lines.extend, args=(process.stdout,), daemon=True)
        drain.start()
        yield Served(found.group(1), found.group(2), lines)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()
