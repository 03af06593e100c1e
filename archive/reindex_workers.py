"""A rebuild's extraction workers: each reads the WARC files itself and prepares its share.

Why not a ``multiprocessing.Pool`` fed by the process that writes the index: that process
read every record and pickled its body to the pool (67 MB for 5,000 articles) in the
pool's task thread, which took the GIL from the thread writing SQLite; measured over a
5,000-article rebuild (``/proc/*/schedstat``), the pool's three threads used 0.9 s of CPU
and each worker slept ~0.7 s of the 3 s ingest waiting for records. Here each worker
walks the gzip members of the files (inflating is how the next one is found) and parses
and prepares only the members of the chunks it claims (``CHUNK`` consecutive members
each), skipping to where another worker found that a chunk starts rather than inflating
its way there (``archive.warc.chunks``): the writing process hands out chunk numbers
on one pipe all workers read, in order, ``WINDOW`` ahead of the chunk it applies (``LEND``
more for a while before a long write of its own), so a
worker that gets less of the CPU (a busy machine) takes fewer chunks instead of holding
the others up. A worker sends each chunk's results, numbered and pickled, on a pipe of its
own; the writing process applies the chunks in their order, so the records are applied in
file order, as the live crawl applied them.

A worker dies with the process that forked it (it inherits the data directory's lock);
one that dies or fails is seen at the next read of its pipe (``WorkerFailed``).
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import logging
import multiprocessing
import os
import pickle
import traceback
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as connection_wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import TracebackType

from archive.child import die_with_parent
from archive.index.grams import SourceRow, StemsValues, grams_rows
from archive.ingest import Prepared, prepare
from archive.warc.chunks import ChunkStarts, ChunkWalk
from archive.warc.members import Member
from archive.warc.reader import Skipped, archived_record, warc_file_name
from archive.warc.records import MalformedRecord

log = logging.getLogger(__name__)

CHUNK = 64  # members (a response and its request record are two): ~32 captures a message
# Chunks handed out beyond the one the writing process applies: what it may hold in memory
# (~80 kB each) and how far the workers may run ahead of it. Small, because what the
# workers run ahead is what the writing process still has to apply, alone, once they are
# done (with 24, ~0.25 s of a 5,000-article rebuild with one core idle) ...
WINDOW = 8
# ... and ``LEND`` more before a long write (the search tables' flush, ~0.1 s), so that
# the workers go on extracting through it instead of waiting with a core idle; the window
# is back to ``WINDOW`` once as many chunks have been applied.
LEND = 8
# Each result pipe holds a worker's share of the window (Linux's largest pipe an
# unprivileged process may ask for), so that a worker rarely waits to send.
PIPE_BYTES = 1 << 20
_F_SETPIPE_SZ = 1031  # linux/fcntl.h
_END = b""  # a worker's last message: it has no more chunks
_NUMBER = 8  # bytes of a chunk number on the claims pipe (atomic: under PIPE_BUF)

# What a worker found at one member of file ``paths[index]``: the prepared capture, or a
# member it could not read as a record. Members of other record types are left out.
Entry = tuple[int, Prepared | Skipped]


class WorkerFailed(Exception):
    """An extraction worker died or failed; the message says how."""


@dataclass(frozen=True)
class _Failure:
    error: BaseException | None
    text: str


class Workers:
    """``count`` workers forked from this process over ``paths``; ``entries()`` gives
    what they found in file order. Fork only from a process of one thread, before any
    SQLite connection is opened: a fork copies other threads' locks in whatever state."""

    def __init__(self, paths: list[Path], count: int) -> None:
        self.paths = paths
        self._processes: list[BaseProcess] = []
        self._pipes: list[Connection] = []  # from each worker
        self._commands: list[Connection] = []  # to each worker
        self._claims, self._claimed = -1, -1  # chunk numbers: written here, read by workers
        self._issued = 0
        self._lent = 0  # claims issued ahead of the window, not yet paid back
        context = multiprocessing.get_context("fork")
        # Made before the fork, so that every worker shares it.
        self._starts = ChunkStarts(paths, CHUNK)
        try:
            self._claimed, self._claims = os.pipe()
            for number in range(count):
                reader, writer = context.Pipe(duplex=False)
                with contextlib.suppress(OSError):  # a smaller pipe only means less slack
                    fcntl.fcntl(writer.fileno(), _F_SETPIPE_SZ, PIPE_BYTES)
                orders, command = context.Pipe(duplex=False)
                # This process's ends, which the worker must not hold open.
                theirs = (*self._pipes, *self._commands, reader, command)
                process = context.Process(
                    target=_work,
                    args=(writer, orders, theirs, self._claims, self._claimed)
                    + (paths, self._starts, os.getpid()),
                    name=f"regarkiv-reindex-{number}",
                    daemon=True,
                )
                process.start()
                writer.close()  # the worker's now: EOF here once it exits
                orders.close()
                self._processes.append(process)
                self._pipes.append(reader)
                self._commands.append(command)
            os.close(self._claimed)  # the workers'
            self._claimed = -1
            self._issue(WINDOW)
        except BaseException:
            self.close()
            raise

    def lend(self) -> None:
        """Let the workers run ``LEND`` chunks further ahead for a while: called before a
        long write, during which no chunk is applied (and so none would be issued)."""
        if self._claims >= 0 and self._lent == 0:
            self._issue(LEND)
            self._lent = LEND

    def _issue(self, count: int) -> None:
        for _ in range(count):
            os.write(self._claims, self._issued.to_bytes(_NUMBER, "little"))
            self._issued += 1

    def entries(self) -> Iterator[Entry]:
        """Every worker's findings, chunk by chunk in file order."""
        waiting: dict[int, list[Entry] | None] = {}  # chunks that came before their turn
        for number in itertools.count():
            while number not in waiting:
                for worker in connection_wait(self._pipes):
                    got = self._receive(self._pipes.index(worker))  # type: ignore[arg-type]
                    if got is None:
                        raise WorkerFailed("an extraction worker stopped before the end")
                    waiting[got[0]] = got[1]  # type: ignore[index]
            found = waiting.pop(number)
            if found is None:  # the files end before chunk ``number``
                break
            if self._lent:  # paid back: this chunk's claim was issued ahead
                self._lent -= 1
            else:
                self._issue(1)
            yield from found
        self._end_claims()

    def _end_claims(self) -> None:
        """No more chunks: each worker is told so by the claims pipe's end, answers the
        numbers it still holds with "no such chunk", and says ``_END``."""
        os.close(self._claims)
        self._claims = -1
        for worker in range(len(self._pipes)):
            while (got := self._receive(worker)) is not None:
                if got[1] is not None:  # type: ignore[index]
                    raise WorkerFailed(f"extraction worker {worker} found a chunk past the end")

    def grams(
        self, common: frozenset[str], batches: Iterator[list[SourceRow]]
    ) -> Iterator[list[StemsValues]]:
        """``grams.grams_rows`` of each batch, in order, made by the workers (once
        ``entries()`` is done) while this process writes the rows made before: one batch
        at a time in each worker, so neither side ever waits on a full pipe."""
        given = pickle.dumps(common, pickle.HIGHEST_PROTOCOL)
        waiting: deque[int] = deque()
        for worker, command in enumerate(self._commands):
            command.send_bytes(given)
            if self._give(worker, batches):
                waiting.append(worker)
        while waiting:
            worker = waiting.popleft()
            made = self._receive(worker)
            if made is None:
                raise WorkerFailed(f"extraction worker {worker} stopped making grams")
            if self._give(worker, batches):
                waiting.append(worker)
            yield made  # type: ignore[misc]

    def _give(self, worker: int, batches: Iterator[list[SourceRow]]) -> bool:
        batch = next(batches, None)
        if batch is None:
            return False
        rows = [tuple(row) for row in batch]  # sqlite3.Row does not pickle
        self._commands[worker].send_bytes(pickle.dumps(rows, pickle.HIGHEST_PROTOCOL))
        return True

    def _receive(self, worker: int) -> object:
        try:
            data = self._pipes[worker].recv_bytes()
        except (EOFError, OSError):
            process = self._processes[worker]
            process.join(5)
            raise WorkerFailed(
                f"extraction worker {worker} died (exit code {process.exitcode})"
            ) from None
        if data == _END:
            return None
        found = pickle.loads(data)
        if isinstance(found, _Failure):
            if found.error is not None:
                raise found.error
            raise WorkerFailed(f"extraction worker {worker} failed: {found.text}")
        return found

    def close(self) -> None:
        """Stop the workers and reap them: each is told to stop, and one still at work
        (this process gave up on it) sees its pipe closed at its next result, or is
        killed."""
        for command in self._commands:
            with contextlib.suppress(OSError):
                command.send_bytes(_END)
        for fd in (self._claims, self._claimed):
            if fd >= 0:
                os.close(fd)
        self._claims = self._claimed = -1
        for pipe in (*self._pipes, *self._commands):
            pipe.close()
        for process in self._processes:
            process.join(1)
            if process.exitcode is None:
                process.kill()
                process.join()
        self._starts.close()

    def __enter__(self) -> Workers:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _work(
    pipe: Connection,
    orders: Connection,
    theirs: tuple[Connection, ...],
    issue: int,
    claims: int,
    paths: list[Path],
    starts: ChunkStarts,
    parent: int,
) -> None:
    """A worker's life: the chunks it claims (``claims``: the pipe of chunk numbers), each
    sent as (number, what it found, or None past the files' end), then ``_END``; then
    grams, for as long as the writing process asks (the common stems, then batches of
    stems rows). ``theirs`` and ``issue``: the writing process's ends of the pipes, closed
    here: a worker whose reader is gone then sees its pipe closed, and the claims end when
    the writing process closes its end."""
    die_with_parent(parent)
    for other in theirs:
        other.close()
    os.close(issue)
    try:
        for found in _chunks(paths, _claims(claims), starts):
            pipe.send_bytes(pickle.dumps(found, pickle.HIGHEST_PROTOCOL))
        pipe.send_bytes(_END)
        given = orders.recv_bytes()
        if given == _END:  # no grams to make
            return
        common: frozenset[str] = pickle.loads(given)
        while batch := orders.recv_bytes():
            made = grams_rows(common, pickle.loads(batch))
            pipe.send_bytes(pickle.dumps(made, pickle.HIGHEST_PROTOCOL))
    except (EOFError, BrokenPipeError):  # the writing process is done with this worker
        pass
    except KeyboardInterrupt:  # Ctrl-C reached the whole group: the reindex says so
        pass
    except BaseException as error:
        failure = _Failure(error, traceback.format_exc())
        with contextlib.suppress(Exception):
            try:
                message = pickle.dumps(failure, pickle.HIGHEST_PROTOCOL)
            except Exception:  # an exception that does not pickle: its words
                message = pickle.dumps(_Failure(None, failure.text), pickle.HIGHEST_PROTOCOL)
            pipe.send_bytes(message)
        raise
    finally:
        pipe.close()
        os.close(claims)


def _claims(claims: int) -> Iterator[int]:
    """The chunk numbers this worker is given, rising, until the writing process ends them."""
    while len(number := os.read(claims, _NUMBER)) == _NUMBER:
        yield int.from_bytes(number, "little")


def _chunks(
    paths: list[Path], claims: Iterator[int], starts: ChunkStarts
) -> Iterator[tuple[int, list[Entry] | None]]:
    """What this worker found in each chunk it claims (the members counted over all files,
    in order, as every worker counts them); None for a chunk past the files' end. The
    members of other workers' chunks are skipped where ``starts`` says where the next
    wanted one begins, and walked (inflated) otherwise."""
    names = [warc_file_name(path) for path in paths]
    walk = ChunkWalk(paths, starts, CHUNK)
    try:
        for wanted in claims:
            members = walk.members(wanted)
            if members is None:
                yield wanted, None
                continue
            found: list[Entry] = []
            for index, member in members:
                found += _entry(index, paths[index], names[index], member)
            yield wanted, found
    finally:
        walk.close()


def _entry(index: int, path: Path, name: str, member: Member) -> list[Entry]:
    """What one member of ``paths[index]`` holds: a prepared capture, a skipped record or
    (another record type) nothing."""
    try:
        record = archived_record(member, name)
    except MalformedRecord as error:
        log.warning("%s: skipped record at offset %d: %s", path, member.offset, error)
        return [(index, Skipped(member.offset, member.length, str(error)))]
    if record is None:
        return []
    capture = record.capture
    body = record.body if capture.record_type == "response" else None
    return [(index, prepare(capture, body, record.header("Content-Encoding")))]
