"""Verify's walk over the WARC files, split between this process and one forked child.

Checking a record is mostly inflating it, hashing its block and payload and parsing its
headers; on two cores, two processes check alternate chunks of members (``CHUNK`` each,
numbered across the files), each skipping to where the other found its next chunk
starts (``archive.warc.chunks``, which also says why a walk resumed there finds what
the whole walk finds). Threads would not do: the hashes let go of the GIL, but a thread
waited for it back after each record (0.21 -> 0.26 s over 44 MB).

The child is forked before this process starts any thread and dies with it; if it fails
or dies, this process checks the files alone, from the start, as if it had never been.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from archive.child import die_with_parent
from archive.warc.chunks import ChunkStarts, ChunkWalk
from archive.warc.reader import Problem, Seen, check_member, verify_file

CHUNK = 128  # members: the child's share goes back in one message at the end
# Below this many bytes of WARC the fork and the child's message cost more than it saves.
SPLIT_BYTES = 8 << 20
# What a process found at each member of its chunks: file index, offset, problems, capture.
_Found = list[tuple[int, int, list[Problem], Seen | None]]


@dataclass
class FileCheck:
    """``verify_file``'s problems with a file, and the response and revisit records read."""

    problems: list[Problem] = field(default_factory=list)
    captures: list[Seen] = field(default_factory=list)


class SplitWalk:
    """The check of ``paths``, started: the child is forked here, when the files are worth
    it and this process has no other thread; ``finish`` checks this process's share."""

    def __init__(self, paths: list[Path], *, split: bool) -> None:
        self.paths = paths
        self._child: BaseProcess | None = None
        self._results: Connection | None = None
        self._starts: ChunkStarts | None = None
        if split and sum(path.stat().st_size for path in paths) >= SPLIT_BYTES:
            self._fork()

    def _fork(self) -> None:
        context = multiprocessing.get_context("fork")
        self._starts = ChunkStarts(self.paths, CHUNK)  # before the fork: shared
        reader, writer = context.Pipe(duplex=False)
        child = context.Process(
            target=_child,
            args=(self.paths, self._starts, writer, reader, os.getpid()),
            name="regarkiv-verify",
            daemon=True,
        )
        try:
            child.start()
        except OSError:  # no process to be had: this one checks everything
            reader.close()
            self._starts.close()
            self._starts = None
        else:
            self._child, self._results = child, reader
        finally:
            writer.close()

    def finish(self) -> list[FileCheck]:
        """Each file's check, in the order of ``paths``."""
        if self._child is None or self._results is None or self._starts is None:
            return self._alone()
        try:
            ours = _check_chunks(self.paths, self._starts, 0)
            try:
                theirs: _Found | None = pickle.loads(self._results.recv_bytes())
            except (EOFError, OSError, pickle.UnpicklingError):
                theirs = None  # the child died or failed: its share is checked here
        finally:
            self.close()
        if theirs is None:
            return self._alone()
        checks = [FileCheck() for _ in self.paths]
        for index, _, problems, seen in sorted(ours + theirs, key=lambda each: each[:2]):
            checks[index].problems += problems
            if seen is not None:
                checks[index].captures.append(seen)
        return checks

    def _alone(self) -> list[FileCheck]:
        checks = []
        for path in self.paths:
            check = FileCheck()
            check.problems = verify_file(path, check.captures)
            checks.append(check)
        return checks

    def close(self) -> None:
        """End the child, if it still runs (an interrupted verify)."""
        if self._results is not None:
            self._results.close()
            self._results = None
        if self._child is not None:
            if self._child.is_alive():
                self._child.kill()
            self._child.join()
            self._child = None
        if self._starts is not None:
            self._starts.close()
            self._starts = None


def _check_chunks(paths: list[Path], starts: ChunkStarts, first: int) -> _Found:
    """``check_member`` of every member of chunks ``first``, ``first + 2``, ..."""
    walk = ChunkWalk(paths, starts, CHUNK)
    found: _Found = []
    try:
        chunk = first
        while (members := walk.members(chunk)) is not None:
            for index, member in members:
                problems, seen = check_member(member)
                found.append((index, member.offset, problems, seen))
            chunk += 2
    finally:
        walk.close()
    return found


def _child(
    paths: list[Path], starts: ChunkStarts, results: Connection, ours: Connection, parent: int
) -> None:
    """The child's life: the odd chunks, sent back whole; on any failure, nothing (the
    parent then checks them itself)."""
    die_with_parent(parent)
    ours.close()
    # Ctrl-C reaches the whole group: the verify says so, not this child.
    with contextlib.suppress(Exception, KeyboardInterrupt), results:
        results.send_bytes(pickle.dumps(_check_chunks(paths, starts, 1), pickle.HIGHEST_PROTOCOL))
