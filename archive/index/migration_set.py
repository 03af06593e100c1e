"""The index's schema migrations, registered without importing sqlite-utils.

``archive.index.schema`` declares its migrations with ``@migrations()`` as sqlite-utils'
``Migrations`` does. Importing sqlite-utils costs ~50 ms of start-up (measured with
``python -X importtime``: a quarter of a cold ``regarkiv search``), and only a process that
writes the index needs it: a read-only command checks what is pending with one query of
the same ``_sqlite_migrations`` table, and the real ``Migrations`` is built (and
sqlite-utils imported) when migrations are applied to an existing database. A new one
(no table yet: a first crawl's, a rebuild's) is given the same schema here, the
``_sqlite_migrations`` table and its index in the words sqlite-utils writes them and each
step in a transaction with its record, as ``Migrations.apply`` does: a rebuild's writing
process opened its new index in 0.055 s of CPU, 0.043 of it importing sqlite-utils, while
its workers extract (``tests/index/test_migration_set.py`` compares both ways).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from sqlite_utils.migrations import Migrations

Step = TypeVar("Step", bound=Callable[[Any], None])

# What sqlite-utils 4 writes for ``Migrations``' table (``ensure_migrations_table``) and
# its record of each migration (``_record_applied``).
_TABLE = """CREATE TABLE "_sqlite_migrations" (
   "id" INTEGER PRIMARY KEY,
   "migration_set" TEXT,
   "name" TEXT,
   "applied_at" TEXT
)"""
_INDEX = """CREATE UNIQUE INDEX "idx__sqlite_migrations_migration_set_name"
    ON "_sqlite_migrations" ("migration_set", "name")"""
_RECORD = (
    'INSERT INTO "_sqlite_migrations" ("migration_set", "name", "applied_at") VALUES (?, ?, ?)'
)


class _Steps:
    """What the migration steps use of sqlite-utils' ``Database``: ``execute`` (always
    inside the step's transaction here) and ``conn``."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, parameters: Sequence[object] | None = None) -> sqlite3.Cursor:
        if parameters is None:
            return self.conn.execute(sql)
        return self.conn.execute(sql, parameters)


class MigrationSet:
    """A named, ordered set of migrations, recorded as sqlite-utils records them."""

    migrations_table = "_sqlite_migrations"  # sqlite-utils' own table name

    def __init__(self, name: str) -> None:
        self.name = name
        self._steps: list[tuple[str, Callable[[Any], None]]] = []

    def __call__(self, *, name: str | None = None) -> Callable[[Step], Step]:
        def register(step: Step) -> Step:
            step_name = name or step.__name__
            if step_name in self.names():
                raise ValueError(f"migration {step_name!r} is already registered")
            self._steps.append((step_name, step))
            return step

        return register

    def names(self) -> list[str]:
        return [name for name, _ in self._steps]

    def pending(self, conn: sqlite3.Connection) -> list[str]:
        """The names of the migrations not yet applied to the database, in order; reads only."""
        exists = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
            (self.migrations_table,),
        ).fetchone()
        applied = (
            {
                row[0]
                for row in conn.execute(
                    f"SELECT name FROM {self.migrations_table} WHERE migration_set = ?",
                    (self.name,),
                )
            }
            if exists
            else set()
        )
        return [name for name in self.names() if name not in applied]

    def apply(self, conn: sqlite3.Connection) -> bool:
        """Apply the pending migrations, each in a transaction with its record; whether
        there were any."""
        if not self.pending(conn):
            return False  # what every open of an up-to-date index finds: no sqlite-utils
        if conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone() is None:
            self._apply_new(conn)
            return True
        # Imported here, not at the top: ~50 ms that only an outdated index's writer pays.
        from sqlite_utils import Database

        self._migrations().apply(Database(conn, execute_plugins=False))
        return True

    def _apply_new(self, conn: sqlite3.Connection) -> None:
        """Every migration applied to a database without a table, as sqlite-utils applies
        them (``Database`` sets ``recursive_triggers`` on its connection)."""
        conn.execute("PRAGMA recursive_triggers=on;")
        conn.execute(_TABLE)
        conn.execute(_INDEX)
        steps = _Steps(conn)
        for name, step in self._steps:
            conn.execute("BEGIN")
            try:
                step(steps)
                conn.execute(_RECORD, (self.name, name, str(datetime.now(UTC))))
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def _migrations(self) -> Migrations:
        # Imported here, not at the top: see apply.
        from sqlite_utils.migrations import Migrations

        built = Migrations(self.name)
        for name, step in self._steps:
            built(name=name)(step)
        return built
