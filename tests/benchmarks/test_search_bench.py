"""The search benchmark reuses a kept index after upgrading it, as the next crawl would."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from archive.index.grams import common_words
from archive.index.store import Index
from benchmarks.search_bench import KINDS, run


def test_a_kept_index_from_before_grams_is_upgraded_and_timed(tmp_path: Path) -> None:
    first = run(300, tmp_path)
    path = tmp_path / "index.db"
    with sqlite3.connect(path) as conn:  # as an index kept by an older regarkiv
        conn.execute("DROP TABLE revisions_grams")
        conn.execute("DELETE FROM index_meta WHERE key = 'gram_words'")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm010_phrase_grams'")
    conn.close()
    again = run(300, tmp_path)
    with Index.open_readonly(path) as reader:
        assert common_words(reader.conn) is not None
    for kind in KINDS:
        assert again[kind]["queries"] == first[kind]["queries"] == 100
        assert again[kind]["avg_hits"] == first[kind]["avg_hits"], kind
