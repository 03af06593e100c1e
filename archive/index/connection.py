"""The index's connections and transactions: the part of ``Index`` the others build on.

One ``Index`` owns one write connection, used from one thread. Writes stay in one open
transaction until ``commit()`` (or ``close()``), so a crawl or a rebuild from WARC
commits every N items cheaply; ``commit_every=N`` makes the index do that itself, and
``transaction()`` makes a block atomic. A thread other than the writer's reads through a
connection of its own (``_reader()``).

Two parts keep memory about the open transaction: the search queue (FTS rows written
just before COMMIT) and the capture cache (captures no other connection sees yet). They
take part through four hooks, each extended with a call to ``super()``:
``_init_memory`` (at open), ``_before_commit``, ``_forget_memory`` (after COMMIT and
after a full ROLLBACK) and ``_keep_memory`` (at a savepoint: how to put memory back if
the savepoint is rolled back).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from json.encoder import encode_basestring
from pathlib import Path
from typing import TYPE_CHECKING, Self

if TYPE_CHECKING:
    from sqlite_utils import Database


class IndexNotFound(FileNotFoundError):
    """There is no index at the path (no crawl has written one yet)."""


class UnusableIndex(Exception):
    """The file at the index's path cannot serve as the index; the message says why."""


class ForeignIndex(UnusableIndex):
    """A file that is not regarkiv's index (another program's database, or no database)."""


class DamagedIndex(UnusableIndex):
    """SQLite cannot read the file: damaged, or not a database at all (``reason``: SQLite's
    words)."""

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason or message


class OutdatedIndex(UnusableIndex):
    """An older regarkiv's index that a read-only command cannot use before it is upgraded."""


# SQLite's primary codes for "unable to open database file" (read-only media) and "attempt
# to write a readonly database" (a directory only others may write): no ``-shm`` could be made.
_NO_SHM = frozenset({14, 8})


# SQLite's page cache per connection, in KiB. A connection's cache fills with the pages it
# touches up to this bound and stays full, so with 64 MiB each the crawl's three processes
# grew with the archive (243 MB at 2k articles, 408 MB at 50k). 8 MiB holds what a query
# or a crawl's reads touch; the indexer, whose FTS merges read large doclists, sizes its
# own (archive/indexer.py), and so does a rebuild (archive/reindex.py).
DEFAULT_CACHE_KIB = 8 * 1024


def connect(
    path: Path, *, readonly: bool = False, cache_kib: int = DEFAULT_CACHE_KIB
) -> sqlite3.Connection:
    """A connection with our settings; autocommit mode, so transactions are explicit.

    A read-only connection to an index in WAL mode needs its ``-shm`` file, which SQLite
    creates beside it; where the directory cannot be written (read-only media) and no
    writer has left changes in ``-wal``, the file is opened as immutable instead (a crawl
    that starts while such a reader runs is not seen by it: a reader's queries are short).
    """
    if not readonly:
        return _open(path, cache_kib, readonly=False)
    try:
        return _open(path, cache_kib, readonly=True)
    except sqlite3.OperationalError as error:
        code = getattr(error, "sqlite_errorcode", 0) & 0xFF
        if code not in _NO_SHM or not _unwritable(path):
            raise
    return _open(path, cache_kib, readonly=True, immutable=True)


def _open(
    path: Path, cache_kib: int, *, readonly: bool, immutable: bool = False
) -> sqlite3.Connection:
    # as_uri() percent-encodes, so a path with "?", "#" or spaces still opens.
    target = str(path)
    if readonly:
        target = Path(path).resolve().as_uri() + "?mode=ro" + ("&immutable=1" if immutable else "")
    conn = sqlite3.connect(target, uri=readonly, isolation_level=None, check_same_thread=False)
    try:
        conn.row_factory = sqlite3.Row
        # A reader waits for a checkpointing writer instead of failing with "locked".
        conn.execute("PRAGMA busy_timeout = 10000")
        # Durable at each checkpoint and never corrupt; the crawl can re-fetch the rest.
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute(f"PRAGMA cache_size = {-int(cache_kib)}")  # negative: KiB, not pages
        if readonly:  # opening is lazy: read now, so that what cannot open fails here
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error:
        conn.close()
        raise
    return conn


def _unwritable(path: Path) -> bool:
    """Whether nothing can change the index: its directory takes no writes and no ``-wal``
    holds changes (ignoring those would read a half-checkpointed file)."""
    wal = Path(f"{path}-wal")
    if wal.exists() and wal.stat().st_size > 0:
        return False
    return not os.access(Path(path).parent, os.W_OK)


class Connection:
    """The write connection, its transaction, the per-thread readers and ``index_meta``."""

    path: Path
    conn: sqlite3.Connection
    commit_every: int | None

    def _attach(
        self,
        path: Path,
        conn: sqlite3.Connection,
        *,
        readonly: bool,
        commit_every: int | None,
        cache_kib: int = DEFAULT_CACHE_KIB,
    ) -> None:
        """Take ``conn`` as the index's connection and set every part's memory up."""
        self.path = path
        self.conn = conn
        self._cache_kib = cache_kib
        self.commit_every = commit_every
        self._readonly = readonly
        self._uncommitted = 0
        self._depth = 0  # nesting of transaction() blocks
        self._readers = threading.local()
        self._reader_conns: list[sqlite3.Connection] = []
        self._init_memory()

    @property
    def db(self) -> Database:
        """sqlite-utils' view of the connection, for Python callers who want its API."""
        # Imported here, not at the top: ~50 ms of start-up no command needs (see
        # archive.index.migration_set).
        from sqlite_utils import Database

        return Database(self.conn, execute_plugins=False)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        if exc_type is not None and self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
            self._forget_memory()
        self.close()

    def close(self) -> None:
        """Commit (for writing) and close; the connections close even when the commit fails
        (disk full), which rolls the open transaction back."""
        try:
            if not self._readonly:
                self.commit()
        finally:
            for conn in self._reader_conns:
                conn.close()
            self.conn.close()

    def commit(self) -> None:
        self._before_commit()
        if self.conn.in_transaction:
            self.conn.execute("COMMIT")
        self._uncommitted = 0
        self._forget_memory()

    @contextmanager
    def transaction(self) -> Iterator[Self]:
        """All writes in the block are committed together at its end, or none are."""
        self._begin()
        savepoint = f"rk_{self._depth}"
        self.conn.execute(f"SAVEPOINT {savepoint}")
        restore = self._keep_memory()
        self._depth += 1
        try:
            yield self
        except BaseException:
            self.conn.execute(f"ROLLBACK TO {savepoint}")
            self.conn.execute(f"RELEASE {savepoint}")
            restore()
            raise
        else:
            self.conn.execute(f"RELEASE {savepoint}")
        finally:
            self._depth -= 1
        if self._depth == 0:
            self.commit()

    def _begin(self) -> None:
        if not self.conn.in_transaction:
            self.conn.execute("BEGIN")

    def _done(self) -> None:
        """One item written: commit when ``commit_every`` items are waiting."""
        self._uncommitted += 1
        if self._depth == 0 and self.commit_every and self._uncommitted >= self.commit_every:
            self.commit()

    def _reader(self) -> sqlite3.Connection:
        """This thread's own connection, for reads from threads other than the writer's."""
        conn = getattr(self._readers, "conn", None)
        if conn is None:
            conn = self._readers.conn = connect(
                self.path, readonly=self._readonly, cache_kib=self._cache_kib
            )
            self._reader_conns.append(conn)
        return conn

    def _meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM index_meta WHERE key = ?", (key,))
        found = row.fetchone()
        return found[0] if found else None

    def _init_memory(self) -> None:
        """Create the memory a part keeps about the open transaction."""

    def _before_commit(self) -> None:
        """Write what a part has kept back for the end of the transaction."""

    def _forget_memory(self) -> None:
        """Drop what a part knows about writes that are now committed or rolled back."""

    def _keep_memory(self) -> Callable[[], None]:
        """At a savepoint: what puts the parts' memory back if it is rolled back."""
        return self._forget_memory


@contextmanager
def snapshot(conn: sqlite3.Connection) -> Iterator[None]:
    """The block's statements read one committed state of the index (one read transaction),
    e.g. the grams' chosen stems and the grams table a writer may fill again meanwhile;
    inside a transaction already open, that one."""
    opened = not conn.in_transaction
    if opened:
        conn.execute("BEGIN")
    try:
        yield
    finally:
        # Closed already when a Ctrl-C landed between entering the block and its first
        # statement: the generator is then finished by the garbage collector, later.
        with contextlib.suppress(sqlite3.ProgrammingError):
            if opened and conn.in_transaction:
                conn.execute("COMMIT")  # nothing was written: ends the read


# ensure_ascii=False keeps æøå readable in Datasette; key order is the dataclass field
# order, so equal inputs give byte-equal JSON in every process. One encoder for every call:
# json.dumps with an argument builds a new one each time (~3 µs, five times a revision).
_JSON = json.JSONEncoder(ensure_ascii=False)


def json_text(value: object) -> str:
    """A list or dict as stored in a JSON column.

    A list of strings (a revision's ministries and topics; its images and attachments,
    most often none) is joined here from the encoder's own string quoting: what the
    encoder writes, without setting up its walk (~0.6 µs of ~1.2, four times a revision).
    """
    if type(value) is list and all(type(item) is str for item in value):
        return "[" + ", ".join(map(encode_basestring, value)) + "]"
    return _JSON.encode(value)
