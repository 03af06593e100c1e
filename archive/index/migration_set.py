"""The index's schema migrations, registered without importing sqlite-utils.

``archive.index.schema`` declares its migrations with ``@migrations()`` as sqlite-utils'
``Migrations`` does. Importing sqlite-utils costs ~50 ms of start-up (measured with
``python -X importtime``: a quarter of a cold ``regarkiv search``), and only a process that
writes the index needs it: a read-only command checks what is pending with one query of
the same ``_sqlite_migrations`` table, and the real ``Migrations`` is built (and
sqlite-utils imported) when migrations are applied.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from sqlite_utils.migrations import Migrations

Step = TypeVar("Step", bound=Callable[[Any], None])


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
        # Imported here, not at the top: ~50 ms that only an outdated index's writer pays.
        from sqlite_utils import Database

        self._migrations().apply(Database(conn, execute_plugins=False))
        return True

    def _migrations(self) -> Migrations:
        # Imported here, not at the top: see apply.
        from sqlite_utils.migrations import Migrations

        built = Migrations(self.name)
        for name, step in self._steps:
            built(name=name)(step)
        return built
