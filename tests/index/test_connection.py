"""Transactions across the index's parts: what is kept in memory follows the database."""

from __future__ import annotations

import json
import random
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from archive.index.connection import DEFAULT_CACHE_KIB, json_text, snapshot
from archive.index.search import search
from archive.index.store import Index
from archive.indexer import INDEXER_CACHE_KIB
from archive.model import Article, Capture
from archive.pipeline import LOOKUP_CACHE_KIB

T0 = datetime(2026, 7, 4, 12, 0, tzinfo=UTC)
URL = "https://www.regjeringen.no/no/aktuelt/sak/id{}/"


def capture(n: int, digest: str = "sha1:AAAA") -> Capture:
    return Capture(
        url=URL.format(n),
        fetched_at=T0 + timedelta(minutes=n),
        status=200,
        record_type="response",
        record_id=f"<urn:uuid:{n:032d}>",
        warc_file="regarkiv-20260704120000-00000.warc.gz",
        offset=1000 * n,
        length=900,
        payload_digest=digest,
        content_type="text/html",
    )


def record(index: Index, n: int, body: str) -> None:
    article = Article(
        id=n,
        url=URL.format(n),
        lang="nb",
        title=f"Sak {n}",
        lead="Ingress.",
        body=body,
        published="2026-07-01",
        type="Nyhet",
    )
    index.record_article(article, index.add_capture(capture(n), "job1"), T0)


def found(index: Index, query: str) -> list[int]:
    return sorted(result.id for result in search(index, query))


def lookup_elsewhere(index: Index, n: int) -> Capture | None:
    """``lookup_capture`` as the WARC writer's thread calls it."""
    result: list[Capture | None] = []
    thread = threading.Thread(
        target=lambda: result.append(index.lookup_capture(URL.format(n), "sha1:AAAA"))
    )
    thread.start()
    thread.join()
    return result[0]


def test_an_inner_rollback_keeps_the_outer_blocks_search_changes(tmp_path: Path) -> None:
    with Index(tmp_path / "index.db") as index:
        with index.transaction():
            record(index, 1, "Fjellrev i Finnmark.")
            with pytest.raises(RuntimeError), index.transaction():
                record(index, 2, "Villrein på Hardangervidda.")
                raise RuntimeError("boom")
        assert found(index, "fjellrev") == [1]
        assert found(index, "villrein") == []


def test_a_rolled_back_capture_is_never_offered_as_a_revisit_original(tmp_path: Path) -> None:
    with Index(tmp_path / "index.db") as index:
        index.add_capture(capture(1), "job1")
        assert lookup_elsewhere(index, 1) == capture(1)  # not committed, yet found
        with pytest.raises(RuntimeError), index.transaction():
            index.add_capture(capture(2), "job1")
            raise RuntimeError("boom")
        assert lookup_elsewhere(index, 2) is None
        index.commit()
        assert lookup_elsewhere(index, 1) == capture(1)  # from the database now


def test_an_error_in_the_with_block_rolls_back_what_was_not_committed(tmp_path: Path) -> None:
    path = tmp_path / "index.db"
    with pytest.raises(RuntimeError), Index(path) as index:
        record(index, 1, "Fjellrev i Finnmark.")
        index.commit()
        record(index, 2, "Villrein på Hardangervidda.")
        raise RuntimeError("boom")
    with Index.open_readonly(path) as reader:
        assert reader.known_article_ids() == {1}
        assert found(reader, "villrein") == []
        assert found(reader, "fjellrev") == [1]


def _cache_kib(conn: sqlite3.Connection) -> int:
    return -int(conn.execute("PRAGMA cache_size").fetchone()[0])


def test_each_connection_has_the_page_cache_its_process_asked_for(tmp_path: Path) -> None:
    """A connection's cache fills to its bound and stays full: the bound is the memory."""
    path = tmp_path / "index.db"
    with Index(path) as index:
        assert _cache_kib(index.conn) == DEFAULT_CACHE_KIB
    with Index(path, cache_kib=INDEXER_CACHE_KIB) as index:
        assert _cache_kib(index.conn) == INDEXER_CACHE_KIB
        found: list[int] = []
        reader = threading.Thread(target=lambda: found.append(_cache_kib(index._reader())))
        reader.start()
        reader.join()
        assert found == [INDEXER_CACHE_KIB]  # a thread's reader has its index's cache
    with Index.open_readonly(path, cache_kib=LOOKUP_CACHE_KIB) as index:
        assert _cache_kib(index.conn) == LOOKUP_CACHE_KIB
    # Together the crawl's three processes hold far less than the 3 x 64 MiB they once did.
    assert DEFAULT_CACHE_KIB + INDEXER_CACHE_KIB + LOOKUP_CACHE_KIB <= 32 * 1024


def test_a_snapshot_reads_one_committed_state_while_a_writer_commits(tmp_path: Path) -> None:
    """Search reads the grams' chosen stems and then the grams table: a writer's refill
    committed between the two must not be half seen."""
    path = tmp_path / "wal.db"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE t (x)")
    writer.execute("INSERT INTO t VALUES (1)")
    reader = sqlite3.connect(path)
    with snapshot(reader):
        assert reader.execute("SELECT count(*) FROM t").fetchone() == (1,)
        writer.execute("INSERT INTO t VALUES (2)")
        assert reader.execute("SELECT count(*) FROM t").fetchone() == (1,)
    assert not reader.in_transaction
    assert reader.execute("SELECT count(*) FROM t").fetchone() == (2,)
    reader.execute("BEGIN")
    with snapshot(reader):  # inside a transaction already open: that one, left open
        pass
    assert reader.in_transaction


def test_json_text_is_the_encoders_text() -> None:
    """The joined list of strings is byte-equal to what the encoder writes, for strings of
    every kind of character it escapes or keeps, and other values go to the encoder."""
    encoder = json.JSONEncoder(ensure_ascii=False)
    alphabet = ['"', "\\", "\n", "\t", "\x00", "\x1f", "\u2028", "\ud800", "é", "ø", "日", "a", " "]
    for seed in range(500):
        chosen = random.Random(seed)
        value = [
            "".join(chosen.choice(alphabet) for _ in range(chosen.randrange(0, 8)))
            for _ in range(chosen.randrange(0, 4))
        ]
        assert json_text(value) == encoder.encode(value), repr(value)
    for other in ([{"caption": "Foto: NTB", "src": None}], ["a", 1], {"k": ["v"]}, ("a",)):
        assert json_text(other) == encoder.encode(other)
