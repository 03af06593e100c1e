"""A new index gets its schema without sqlite-utils, exactly as sqlite-utils' Migrations
gives it; an existing index is upgraded by sqlite-utils as before."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from sqlite_utils import Database

from archive.index.migration_set import MigrationSet
from archive.index.schema import migrations


def _by_sqlite_utils(conn: sqlite3.Connection, steps: MigrationSet) -> None:
    steps._migrations().apply(Database(conn, execute_plugins=False))


def _schema(conn: sqlite3.Connection) -> dict[str, object]:
    """Everything a migration leaves but the times it records."""
    tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    rows = {
        name: sorted(map(repr, conn.execute(f'SELECT * FROM "{name}"')))
        for name in tables
        if name != "_sqlite_migrations"
    }
    return {
        "master": conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid"
        ).fetchall(),
        "records": conn.execute(
            "SELECT id, migration_set, name FROM _sqlite_migrations ORDER BY id"
        ).fetchall(),
        "rows": rows,
        "pragmas": [
            conn.execute(f"PRAGMA {name}").fetchall()
            for name in ("schema_version", "user_version", "recursive_triggers", "journal_mode")
        ],
    }


def test_a_new_index_is_what_sqlite_utils_makes(tmp_path: Path) -> None:
    made = []
    for way in ("here", "sqlite-utils"):
        conn = sqlite3.connect(tmp_path / f"{way}.db", isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")  # as Index opens it
        if way == "here":
            assert migrations.apply(conn)
        else:
            _by_sqlite_utils(conn, migrations)
        made.append(_schema(conn))
        times = [row[0] for row in conn.execute("SELECT applied_at FROM _sqlite_migrations")]
        conn.close()
        for applied in times:  # as sqlite-utils writes it: "2026-07-04 12:00:00.000000+00:00"
            assert applied[10] == " " and applied.endswith("+00:00")
            assert datetime.fromisoformat(applied).tzinfo is not None
    assert made[0] == made[1]
    assert [name for _, _, name in made[0]["records"]] == migrations.names()


def test_a_failing_step_leaves_what_sqlite_utils_leaves(tmp_path: Path) -> None:
    def build() -> MigrationSet:
        steps = MigrationSet("test")

        @steps()
        def m001_first(db: Database) -> None:
            db.execute("CREATE TABLE first (id INTEGER PRIMARY KEY)")
            db.execute("INSERT INTO first (id) VALUES (?)", [7])

        @steps()
        def m002_broken(db: Database) -> None:
            db.execute("CREATE TABLE second (id INTEGER PRIMARY KEY)")
            db.execute("INSERT INTO missing VALUES (1)")

        return steps

    found = []
    for way in ("here", "sqlite-utils"):
        conn = sqlite3.connect(tmp_path / f"{way}.db", isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="no such table: missing"):
            if way == "here":
                build().apply(conn)
            else:
                _by_sqlite_utils(conn, build())
        assert not conn.in_transaction
        found.append(_schema(conn))
        conn.close()
    assert found[0] == found[1]
    assert found[0]["records"] == [(1, "test", "m001_first")]


def test_only_an_existing_index_imports_sqlite_utils(tmp_path: Path) -> None:
    # In a fresh interpreter: this one has imported sqlite-utils already.
    script = """
import sqlite3, sys
from pathlib import Path
from archive.index.store import Index
path = Path(sys.argv[1])
Index(path).close()
print("sqlite_utils" in sys.modules)
with sqlite3.connect(path) as conn:  # as an index made before m010
    conn.execute("DROP TABLE revisions_grams")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm010_phrase_grams'")
conn.close()
Index(path).close()
print("sqlite_utils" in sys.modules)
"""
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "index.db")],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.split() == ["False", "True"]
    conn = sqlite3.connect(tmp_path / "index.db")
    names = [row[0] for row in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
    conn.close()
    assert sorted(names) == sorted(migrations.names())
