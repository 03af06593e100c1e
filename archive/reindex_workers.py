"""A rebuild's extraction workers: each reads the WARC files itself and prepares its share.

Why not a ``multiprocessing.Pool`` fed by the process that writes the index: that process
read every record and pickled its body to the pool (67 MB for 5,000 articles) in the
pool's task thread, which took the GIL from the thread writing SQLite; measured over a
5,000-article rebuild (``/proc/*/schedstat``), the pool's three threads used 0.9 s of CPU
and each worker slept ~0.7 s of the 3 s ingest waiting for records. Here each worker
walks every gzip member of the files (inflating is all it costs to find where the next
one starts: ~0.15 s for 73 MB) and parses and prepares only the members of its own
chunks: chunk ``c`` (``CHUNK`` consecutive members) is worker ``c % count``'s. It sends
each chunk's results, pickled, on a pipe of its own, and the writing process reads the
chunks in turn, so the records are applied in file order, as the live crawl applied them.

A worker dies with the process that forked it (it inherits the data directory's lock);
one that dies or fails is seen at the next read of its pipe (``WorkerFailed``).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import multiprocessing
import os
import pickle
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import TracebackType

from archive.child import die_with_parent
from archive.ingest import Prepared, prepare
from archive.warc.members import iter_members
from archive.warc.reader import Skipped, archived_record, warc_file_name
from archive.warc.records import MalformedRecord

log = logging.getLogger(__name__)

CHUNK = 64  # members (a response and its request record are two): ~32 captures a message
# A worker may run this far ahead of the chunk the writing process waits for (Linux's
# largest pipe an unprivileged process may ask for): ~12 chunks of ~80 kB pickled.
PIPE_BYTES = 1 << 20
_F_SETPIPE_SZ = 1031  # linux/fcntl.h
_END = b""  # a worker's last message: it has no more chunks

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
        self._pipes: list[Connection] = []
        context = multiprocessing.get_context("fork")
        try:
            for number in range(count):
                reader, writer = context.Pipe(duplex=False)
                with contextlib.suppress(OSError):  # a smaller pipe only means less slack
                    fcntl.fcntl(writer.fileno(), _F_SETPIPE_SZ, PIPE_BYTES)
                process = context.Process(
                    target=_work,
                    args=(writer, paths, count, number, os.getpid()),
                    name=f"regarkiv-reindex-{number}",
                    daemon=True,
                )
                process.start()
                writer.close()  # the worker's now: EOF here once it exits
                self._processes.append(process)
                self._pipes.append(reader)
        except BaseException:
            self.close()
            raise

    def entries(self) -> Iterator[Entry]:
        """Every worker's findings, chunk by chunk in file order."""
        count = len(self._pipes)
        for number in range(1 << 62):
            found = self._receive(number % count)
            if found is None:  # no chunk ``number``: none after it either
                return
            yield from found

    def _receive(self, worker: int) -> list[Entry] | None:
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
        return found  # type: ignore[no-any-return]

    def close(self) -> None:
        """Stop the workers (at once: their results are of no use now) and reap them."""
        for pipe in self._pipes:
            pipe.close()
        for process in self._processes:
            if process.exitcode is None:
                process.kill()
            process.join()

    def __enter__(self) -> Workers:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _work(pipe: Connection, paths: list[Path], count: int, number: int, parent: int) -> None:
    """A worker's life: every chunk of its own, pickled, then ``_END``."""
    die_with_parent(parent)
    try:
        for found in _chunks(paths, count, number):
            pipe.send_bytes(pickle.dumps(found, pickle.HIGHEST_PROTOCOL))
        pipe.send_bytes(_END)
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


def _chunks(paths: list[Path], count: int, number: int) -> Iterator[list[Entry]]:
    """What this worker found in each of its chunks (every member of the files counted,
    in order, as every worker counts them)."""
    found: list[Entry] = []
    at = 0  # the number of the next member over all files
    for index, path in enumerate(paths):
        name = warc_file_name(path)
        with open(path, "rb") as fh:
            for member in iter_members(fh):
                chunk, place = divmod(at, CHUNK)
                at += 1
                if chunk % count != number:
                    continue
                try:
                    record = archived_record(member, name)
                except MalformedRecord as error:
                    log.warning("%s: skipped record at offset %d: %s", path, member.offset, error)
                    found.append((index, Skipped(member.offset, member.length, str(error))))
                else:
                    if record is not None:
                        capture = record.capture
                        body = record.body if capture.record_type == "response" else None
                        prepared = prepare(capture, body, record.header("Content-Encoding"))
                        found.append((index, prepared))
                if place == CHUNK - 1:
                    yield found
                    found = []
    if at % CHUNK and (at // CHUNK) % count == number:  # the last chunk, not full
        yield found
