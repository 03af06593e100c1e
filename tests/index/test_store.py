from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from archive.index.attachments import DocumentFacts
from archive.index.normalise import content_hash, normalise_text
from archive.index.search import search
from archive.index.store import (
    ArticleNotFound,
    DamagedIndex,
    ForeignIndex,
    Index,
    IndexNotFound,
    Outcome,
    RevisionNotFound,
)
from archive.model import Capture
from tests.support.index import T0, URL


@pytest.fixture
def index(tmp_path: Path) -> Index:
    with Index(tmp_path / "index.db") as opened:
        yield opened


def test_normalise_ignores_whitespace_and_invisible_characters() -> None:
    assert normalise_text("  Regjeringen\u00a0har\n\n  bestemt\u00ad ") == "Regjeringen har bestemt"
    # A decomposed å (a + combining ring) is the same text as the composed one.
    assert normalise_text("pa\u030a") == normalise_text("på")
    assert content_hash("a", "b", "c") != content_hash("a b", "", "c")


def test_new_article_then_unchanged(index: Index, make_article, record) -> None:
    assert record(index, make_article(), 0) is Outcome.NEW_ARTICLE
    assert record(index, make_article(), 1) is Outcome.UNCHANGED
    state = index.get_article(3169214)
    assert (state.latest_revision, state.first_seen, state.last_seen, state.status) == (
        1,
        "2026-07-04T12:00:00Z",
        "2026-07-04T13:00:00Z",
        "live",
    )


def test_whitespace_only_change_is_not_a_revision(index: Index, make_article, record) -> None:
    record(index, make_article(), 0)
    reflowed = make_article(
        body="Regjeringen  har i dag\u00a0bestemt at ulven kan felles. Vedtaket gjelder i år.",
        title=" Felling av ulv i\nInnlandet ",
    )
    assert record(index, reflowed, 1) is Outcome.UNCHANGED
    assert [r.revision for r in index.history(3169214)] == [1]


def test_changed_text_is_a_new_revision_and_other_fields_are_not(
    index: Index, make_article, record
) -> None:
    record(index, make_article(), 0)
    assert record(index, make_article(topics=["Ulv"], published="2026-07-02"), 1) is (
        Outcome.UNCHANGED
    )
    assert record(index, make_article(lead="Departementet har gitt løyve."), 2) is (
        Outcome.NEW_REVISION
    )
    # Compared with the LATEST revision: going back to the first text is a third one.
    assert record(index, make_article(), 3) is Outcome.NEW_REVISION
    history = index.history(3169214)
    assert [r.revision for r in history] == [1, 2, 3]
    assert history[0].content_hash == history[2].content_hash != history[1].content_hash
    latest = index.get_revision(3169214)
    assert latest.revision == 3
    assert latest.ministries == ["Klima- og miljødepartementet"]
    assert latest.images == [{"caption": "Ulv i snø", "credit": "NTB", "src": None, "alt": None}]
    assert latest.warc_file == "regarkiv-20260704120000-00000.warc.gz"
    assert latest.warc_offset == 3000


def test_removed_then_back_is_live(index: Index, make_article, make_capture, record) -> None:
    record(index, make_article(), 0)
    gone = make_capture(1, status=404)
    assert index.mark_removed(3169214, gone.fetched_at, index.add_capture(gone, "job1"))
    assert not index.mark_removed(3169214, gone.fetched_at, 1)  # already removed
    state = index.get_article(3169214)
    assert (state.status, state.removed_at) == ("removed", "2026-07-04T13:00:00Z")
    assert len(index.history(3169214)) == 1  # revisions stay
    assert record(index, make_article(), 2) is Outcome.UNCHANGED
    state = index.get_article(3169214)
    assert (state.status, state.removed_at, state.last_seen) == (
        "live",
        None,
        "2026-07-04T14:00:00Z",
    )


def test_a_revisit_is_a_sighting(index: Index, make_article, make_capture, record) -> None:
    """Same payload as before (a revisit record): seen, unchanged, and back if removed."""
    record(index, make_article(), 0)
    assert index.mark_seen(3169214, T0 + timedelta(hours=1))
    assert index.get_article(3169214).last_seen == "2026-07-04T13:00:00Z"
    gone = make_capture(2, status=404)
    index.mark_removed(3169214, gone.fetched_at, index.add_capture(gone, "job1"))
    assert not index.mark_seen(3169214, T0 + timedelta(hours=1))  # before the removal
    assert index.get_article(3169214).status == "removed"
    assert index.mark_seen(3169214, T0 + timedelta(hours=3))
    state = index.get_article(3169214)
    assert (state.status, state.last_seen) == ("live", "2026-07-04T15:00:00Z")
    assert len(index.history(3169214)) == 1
    assert not index.mark_seen(1, T0)  # unknown article


def test_mark_removed_unknown_article_is_false(index: Index, make_capture) -> None:
    assert not index.mark_removed(1, T0, index.add_capture(make_capture(0, status=404), None))


def test_add_capture_is_idempotent_on_record_id(index: Index, make_capture) -> None:
    first = index.add_capture(make_capture(0), "job1")
    assert index.add_capture(make_capture(0), "job2", 3169214) == first
    row = index.conn.execute("SELECT job_id, article_id FROM captures").fetchall()
    assert [tuple(r) for r in row] == [("job1", 3169214)]


def test_add_capture_fails_on_other_constraints_as_before(index: Index, make_capture) -> None:
    # The plain INSERT fails first, then the upsert it falls back to fails the same way.
    index.add_capture(make_capture(0), "job1")
    with pytest.raises(sqlite3.IntegrityError, match="NOT NULL"):
        index.add_capture(replace(make_capture(1), url=None), "job1")
    with pytest.raises(sqlite3.IntegrityError, match="NOT NULL"):
        index.add_capture(replace(make_capture(0), url=None), "job1")
    assert index.add_capture(make_capture(2), "job1") == 2  # the failed ones left no row
    rows = index.conn.execute("SELECT id, record_id FROM captures ORDER BY id").fetchall()
    kept = [(1, make_capture(0).record_id), (2, make_capture(2).record_id)]
    assert [tuple(r) for r in rows] == kept


def test_recording_links_the_capture_unless_it_names_its_article(
    index: Index, make_capture, make_article
) -> None:
    unlinked = index.add_capture(make_capture(0), None)
    index.record_article(make_article(), unlinked, T0)
    gone = index.add_capture(make_capture(1, status=404), None)
    index.mark_removed(3169214, T0 + timedelta(hours=1), gone)
    # What ingest does: add_capture is given the article id, recording need not link it.
    linked = index.add_capture(make_capture(2), None, 3169214)
    index.record_article(make_article(title="Ny tittel"), linked, T0, linked=True)
    rows = index.conn.execute("SELECT id, article_id FROM captures ORDER BY id").fetchall()
    assert [tuple(r) for r in rows] == [(unlinked, 3169214), (gone, 3169214), (linked, 3169214)]


def test_lookup_capture_finds_latest_response_from_another_thread(
    tmp_path: Path, make_capture
) -> None:
    with Index(tmp_path / "index.db") as index:
        index.add_capture(make_capture(0, digest="sha1:BBBB"), "job1")
        index.add_capture(make_capture(1), "job1")
        index.add_capture(make_capture(2, status=404, digest="sha1:DDDD"), "job1")
        found: list[Capture | None] = []

        def look() -> None:
            found.append(index.lookup_capture(URL, "sha1:AAAA"))
            found.append(index.lookup_capture(URL, "sha1:BBBB"))  # not the newest 2xx payload

        # Before the commit only the pending captures know; after it, the database.
        for _ in range(2):
            thread = threading.Thread(target=look)
            thread.start()
            thread.join()
            index.commit()
        assert [c.record_id if c else None for c in found] == [
            make_capture(1).record_id,
            None,
            make_capture(1).record_id,
            None,
        ]
        assert found[2] == make_capture(1)


def test_lookup_capture_never_offers_a_payload_the_page_has_since_changed_from(
    index: Index,
    make_capture,
) -> None:
    """A, B, A: the third is no revisit of the first, or the change back is lost."""
    first = make_capture(0)
    index.add_capture(first, "job1")
    assert index.lookup_capture(URL, "sha1:AAAA") == first
    index.add_capture(make_capture(1, digest="sha1:BBBB"), "job1")
    assert index.lookup_capture(URL, "sha1:AAAA") is None
    index.commit()
    assert index.lookup_capture(URL, "sha1:AAAA") is None
    assert index.lookup_capture(URL, "sha1:BBBB") == make_capture(1, digest="sha1:BBBB")
    # A revisit of B keeps B the newest payload, and B's response the original.
    revisit = replace(make_capture(2, digest="sha1:BBBB"), record_type="revisit")
    index.add_capture(revisit, "job1")
    assert index.lookup_capture(URL, "sha1:BBBB") == make_capture(1, digest="sha1:BBBB")


def test_known_ids_and_published(index: Index, make_article, record) -> None:
    record(index, make_article(), 0)
    record(index, make_article(id=5, url="https://www.regjeringen.no/id5/", published=None), 1)
    assert index.known_article_ids() == {3169214, 5}
    assert index.article_published([3169214, 5, 6]) == {3169214: date(2026, 7, 1), 5: None}
    assert index.article_published() == {3169214: date(2026, 7, 1), 5: None}


def test_resolve_and_not_found(index: Index, make_article, record) -> None:
    record(index, make_article(), 0)
    assert index.resolve("3169214") == index.resolve("id3169214") == index.resolve(URL) == 3169214
    with pytest.raises(ArticleNotFound):
        index.resolve("id42")
    with pytest.raises(ArticleNotFound):
        index.resolve("https://www.regjeringen.no/no/om/")
    with pytest.raises(RevisionNotFound):
        index.get_revision(3169214, 9)


def test_transaction_rolls_back_its_block_only(index: Index, make_capture) -> None:
    index.add_capture(make_capture(0), "job1")
    with pytest.raises(RuntimeError), index.transaction():
        index.add_capture(make_capture(1), "job1")
        raise RuntimeError("boom")
    count = index.conn.execute("SELECT count(*) FROM captures").fetchone()[0]
    assert count == 1


def test_commit_every(tmp_path: Path, make_capture) -> None:
    path = tmp_path / "index.db"
    with Index(path, commit_every=2) as index:
        index.add_capture(make_capture(0), None)
        with Index.open_readonly(path) as reader:
            assert reader.conn.execute("SELECT count(*) FROM captures").fetchone()[0] == 0
            index.add_capture(make_capture(1), None)
            assert reader.conn.execute("SELECT count(*) FROM captures").fetchone()[0] == 2


def test_open_readonly_without_index(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFound, match="no index at"):
        Index.open_readonly(tmp_path / "index.db")
    (tmp_path / "other.db").write_bytes(b"")
    with pytest.raises(ForeignIndex, match="not a regarkiv index"):
        Index.open_readonly(tmp_path / "other.db")


def test_a_foreign_database_is_never_written_to(tmp_path: Path) -> None:
    """Issue 9, item 12: another program's database with an ``articles`` table."""
    path = tmp_path / "index.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE articles (id INTEGER PRIMARY KEY, note TEXT)")
        conn.execute("INSERT INTO articles VALUES (1, 'theirs')")
    conn.close()
    before = path.read_bytes()
    for opening in (Index.open_readonly, Index):
        with pytest.raises(ForeignIndex, match=r"index.db is not a regarkiv index"):
            opening(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.db"]
    with sqlite3.connect(path) as conn:
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["articles"]
    conn.close()


def test_a_damaged_file_is_a_damaged_index(tmp_path: Path, make_article, record) -> None:
    """Issue 9, item 14: a file that is not a database, or whose pages are overwritten."""
    path = tmp_path / "index.db"
    path.write_bytes(b"not a database at all" * 400)
    for opening in (Index.open_readonly, Index):
        with pytest.raises(DamagedIndex, match="file is not a database .*regarkiv reindex"):
            opening(path)
    path.unlink()
    with Index(path) as index:
        record(index, make_article(), 0)
    raw = bytearray(path.read_bytes())
    raw[0:16] = b"SQLite format 2\0"  # the header of no SQLite 3 database
    path.write_bytes(bytes(raw))
    with pytest.raises(DamagedIndex):
        Index.open_readonly(path)


def test_wal_and_reopen_applies_no_migration_twice(tmp_path: Path, make_article, record) -> None:
    path = tmp_path / "index.db"
    with Index(path) as index:
        record(index, make_article(), 0)
        assert index.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with Index(path) as index:
        assert index.get_article(3169214).latest_revision == 1


def test_jobs(index: Index) -> None:
    index.start_job("20260704-1", {"delay": 1.0}, pid=42, started_at=T0)
    assert index.get_job("20260704-1").status == "running"
    index.finish_job("20260704-1", "finished", {"articles": 3}, ended_at=T0 + timedelta(hours=1))
    job = index.get_job("20260704-1")
    assert (job.status, job.settings, job.figures, job.pid, job.ended_at) == (
        "finished",
        {"delay": 1.0},
        {"articles": 3},
        42,
        "2026-07-04T13:00:00Z",
    )
    assert [j.id for j in index.list_jobs()] == ["20260704-1"]
    assert index.get_job("nope") is None


def _snapshot(path: Path) -> list[tuple[object, ...]]:
    with Index.open_readonly(path) as index:
        return [
            tuple(row)
            for row in index.conn.execute(
                "SELECT a.id, a.status, a.first_seen, a.last_seen, r.revision, r.content_hash,"
                " r.ministries, r.images, r.captured_at FROM articles a"
                " JOIN revisions r ON r.article_id = a.id ORDER BY a.id, r.revision"
            )
        ]


def test_same_inputs_same_index(tmp_path: Path, make_article, record) -> None:
    # A live crawl commits as it goes; a rebuild from WARC batches: same result.
    inputs = [make_article(), make_article(body="Ny tekst."), make_article(id=7, lang="en")]
    for name, every in (("live.db", 1), ("rebuilt.db", 1000)):
        with Index(tmp_path / name, commit_every=every) as index:
            for n, article in enumerate(inputs):
                record(index, article, n)
    assert _snapshot(tmp_path / "live.db") == _snapshot(tmp_path / "rebuilt.db")


def test_an_old_index_is_read_as_it_is_and_upgraded_by_a_writer(
    tmp_path: Path, make_article, record
) -> None:
    """Read-only means no writes, ever: the next crawl (a writer) upgrades it."""
    path = tmp_path / "index.db"
    with Index(path) as index:
        record(index, make_article(), 0)
        index.conn.execute("DELETE FROM index_meta")
    before = path.read_bytes()
    with Index.open_readonly(path) as reader:
        assert reader.search_outdated
        assert reader._meta("stems_version") is None
        assert reader.get_article(3169214).latest_revision == 1
    assert path.read_bytes() == before
    Index(path).close()
    with Index.open_readonly(path) as reader:
        assert not reader.search_outdated
        assert reader._meta("stems_version") is not None


def test_paths_with_uri_characters(tmp_path: Path, make_article, record) -> None:
    path = tmp_path / "data #1 ?x" / "index.db"
    with Index(path) as index:
        record(index, make_article(), 0)
    with Index.open_readonly(path) as reader:
        assert reader.known_article_ids() == {3169214}


def _stems_text(path: Path) -> list[tuple[object, ...]]:
    with Index.open_readonly(path) as index:
        return [tuple(row) for row in index.conn.execute("SELECT * FROM revisions_stems_text")]


def test_stems_text_holds_the_latest_revisions_as_indexed(
    tmp_path: Path, make_article, record
) -> None:
    inputs = [make_article(), make_article(body="Ny tekst."), make_article(id=7, lang="en")]
    for name, every in (("live.db", 1), ("rebuilt.db", 1000)):
        with Index(tmp_path / name, commit_every=every) as index:
            for n, article in enumerate(inputs):
                record(index, article, n)
    live = _stems_text(tmp_path / "live.db")
    assert live == _stems_text(tmp_path / "rebuilt.db")
    assert len(live) == 2 and any(row[4] == "ny tekst" for row in live)
    with Index(tmp_path / "live.db") as index:
        index.rebuild_search()
    assert _stems_text(tmp_path / "live.db") == live


def test_an_index_without_stems_text_gets_it(tmp_path: Path, make_article, record) -> None:
    path = tmp_path / "index.db"
    with Index(path) as index:
        record(index, make_article(), 0)
    with sqlite3.connect(path) as conn:  # as an index made before m004
        conn.execute("DROP TABLE revisions_stems_text")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm004_stems_text'")
    conn.close()
    with Index.open_readonly(path) as reader:
        assert reader.search_outdated
    Index(path).close()
    with Index.open_readonly(path) as reader:
        [row] = reader.conn.execute("SELECT title FROM revisions_stems_text").fetchall()
        assert row[0] == "felling av ulv i innland"


def test_robots_txt_taken_for_a_document_leaves_an_older_index_on_its_next_open(
    tmp_path: Path, make_capture: Callable[..., Capture]
) -> None:
    path = tmp_path / "index.db"
    host = "http://127.0.0.1:8000"
    with Index(path) as index:  # as an older regarkiv recorded them: robots.txt as a .txt
        for n, (url, text) in enumerate(
            [(f"{host}/robots.txt", "User-agent disallow"), (f"{host}/c/a/vedlegg.pdf", "ulven")]
        ):
            capture = replace(make_capture(n, url), content_type="text/plain")
            facts = DocumentFacts(
                sha256=f"{n}" * 64, size=10, format="txt", status="text", reason=None,
                text=text, pages=None, lang="nb",
            )  # fmt: skip
            index.record_attachment(capture, index.add_capture(capture, "job1"), facts)
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm008_robots_not_documents'")
    conn.close()
    with Index.open_readonly(path) as reader:  # read as it is until the next crawl
        assert not reader.search_outdated
        assert [h.url for h in search(reader, "disallow", within="attachments")] == [
            f"{host}/robots.txt"
        ]
    Index(path).close()  # the next crawl's open
    with Index.open_readonly(path) as reader:
        assert [r[0] for r in reader.conn.execute("SELECT url FROM attachments")] == [
            f"{host}/c/a/vedlegg.pdf"
        ]
        assert search(reader, "disallow", within="attachments") == []
        assert [h.url for h in search(reader, "ulven", within="attachments")] == [
            f"{host}/c/a/vedlegg.pdf"
        ]
        assert reader.conn.execute("SELECT count(*) FROM captures").fetchone()[0] == 2


def test_captures_name_their_job_and_article_as_foreign_keys_also_in_an_older_index(
    tmp_path: Path, make_capture: Callable[..., Capture]
) -> None:
    path = tmp_path / "index.db"
    with Index(path) as index:
        for n in range(3):
            index.add_capture(make_capture(n), "job1", 3169214 if n else None)
        before = index.conn.execute("SELECT * FROM captures ORDER BY id").fetchall()
    with sqlite3.connect(path) as conn:  # as an index made before m009: no constraints
        old = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'captures'").fetchone()[0]
        conn.executescript(
            old.replace("captures", "captures_old")
            .replace(" REFERENCES jobs(id)", "")
            .replace(" REFERENCES articles(id)", "")
            + "; INSERT INTO captures_old SELECT * FROM captures; DROP TABLE captures;"
            " ALTER TABLE captures_old RENAME TO captures;"
            " CREATE INDEX captures_url_digest ON captures(url, payload_digest, fetched_at);"
            " CREATE INDEX captures_article ON captures(article_id);"
            " CREATE INDEX captures_job ON captures(job_id);"
            " DELETE FROM _sqlite_migrations WHERE name = 'm009_capture_links';"
        )
        assert conn.execute("PRAGMA foreign_key_list(captures)").fetchall() == []
    conn.close()
    with Index.open_readonly(path) as reader:  # read as it is until the next crawl
        assert len(reader.conn.execute("SELECT * FROM captures").fetchall()) == 3
    Index(path).close()  # the next crawl's open
    with sqlite3.connect(path) as conn:
        keys = {
            (row[3], row[2], row[4]) for row in conn.execute("PRAGMA foreign_key_list(captures)")
        }
        assert keys == {("job_id", "jobs", "id"), ("article_id", "articles", "id")}
        assert [tuple(row) for row in conn.execute("SELECT * FROM captures ORDER BY id")] == [
            tuple(row) for row in before
        ]
        indexes = {row[1] for row in conn.execute("PRAGMA index_list(captures)")}
        assert {"captures_url_digest", "captures_article", "captures_job"} <= indexes
        plan = conn.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM captures WHERE job_id = 'job1'"
        ).fetchall()
        assert "captures_job" in str(plan)
    conn.close()
