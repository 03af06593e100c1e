"""A WARC file's CDXJ lines while it is written: sorted runs on an unnamed temporary file,
merged in order when the file is finished (an external merge sort).

A 1 GB WARC file holds ~70,000 pages; kept as strings their lines were ~410 bytes each in
the archiver process until the file rolled over (~20 MB at 50,000 pages, the second
largest part of its growth). Here at most ``RUN`` lines are in memory, and the merge reads
each run through a buffer of ``BUFFER`` bytes.
"""

from __future__ import annotations

import heapq
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

RUN = 2_000  # lines kept in memory before a sorted run goes to the file
BUFFER = 64 * 1024  # bytes read at a time from each run while merging


class CdxjRuns:
    """``append`` lines in any order; ``sorted()`` yields them all in plain string order
    (as ``write_cdxj_lines`` and pywb sort). ``close`` drops the temporary file."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._lines: list[str] = []
        self._fd: int | None = None  # created with the first full run
        self._runs: list[tuple[int, int]] = []  # (offset, end) of each sorted run
        self._size = 0

    def append(self, line: str) -> None:
        self._lines.append(line)
        if len(self._lines) >= RUN:
            self._spill()

    def _spill(self) -> None:
        if self._fd is None:
            # Unnamed (O_TMPFILE where the file system has it): nothing is left behind.
            with tempfile.TemporaryFile(dir=self._directory) as handle:
                self._fd = os.dup(handle.fileno())
        data = "".join(sorted(self._lines)).encode("utf-8", "surrogatepass")
        start = self._size
        view = memoryview(data)
        while view:
            written = os.pwrite(self._fd, view, self._size)
            view, self._size = view[written:], self._size + written
        self._runs.append((start, self._size))
        self._lines = []

    def sorted(self) -> Iterator[str]:
        """Every line appended, in order."""
        in_memory = sorted(self._lines)
        if self._fd is None:
            return iter(in_memory)
        fd = self._fd
        runs = [_read_run(fd, start, end) for start, end in self._runs]
        return heapq.merge(*runs, iter(in_memory))

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        self._lines, self._runs = [], []


def _read_run(fd: int, start: int, end: int) -> Iterator[str]:
    """The lines of one run, read ``BUFFER`` bytes at a time."""
    rest = b""
    position = start
    while position < end:
        block = os.pread(fd, min(BUFFER, end - position), position)
        if not block:
            raise OSError(f"the CDXJ run file ended at {position}, before {end}")
        position += len(block)
        lines = (rest + block).split(b"\n")
        rest = lines.pop()
        for line in lines:
            yield line.decode("utf-8", "surrogatepass") + "\n"
    if rest:
        yield rest.decode("utf-8", "surrogatepass")
