"""What the web interface reads besides search: activity, captures, facets, filtered changes,
which URLs are archived, and the ISO date columns (m006)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

from archive.index.browse import activity, archived, captures_of, filtered_changes, ministries
from archive.index.facets import search_facets
from archive.index.store import Index
from archive.model import Article, Capture

Record = Callable[[Index, Article, int], object]


def build(path: Path, make_article: Callable[..., Article], record: Record) -> Article:
    other = make_article(
        id=3169300, url="https://www.regjeringen.no/no/aktuelt/skatt/id3169300/",
        ministries=["Finansdepartementet"], type="Nyhet", body="Regjeringen senker skatten.",
    )  # fmt: skip
    with Index(path) as index:
        record(index, make_article(), 0)
        record(index, other, 1)
        record(index, replace(make_article(), body="Regjeringen har endret vedtaket."), 25)
    return other


def test_activity_counts_per_day_and_lists_the_latest(
    tmp_path: Path,
    make_article: Callable[..., Article],
    record: Record,
    make_capture: Callable[..., Capture],
) -> None:
    other = build(tmp_path / "index.db", make_article, record)
    with Index(tmp_path / "index.db") as index:
        gone = make_capture(26, other.url, status=404)
        index.mark_removed(other.id, gone.fetched_at, index.add_capture(gone, "job1"))
        found = activity(index)
        assert [(d.day, d.new, d.edited, d.removed) for d in found.days] == [
            ("2026-07-05", 0, 1, 1),
            ("2026-07-04", 2, 0, 0),
        ]
        assert [e.article_id for e in found.latest["edited"]] == [3169214]
        assert [e.kind for e in found.latest["removed"]] == ["removed"]
        assert [c.status for c in captures_of(index, other.id)] == [200, 404]
        assert ministries(index) == ["Finansdepartementet", "Klima- og miljødepartementet"]
        assert archived(index, [other.url, "https://x/none"]) == {other.url: "2026-07-04T13:00:00Z"}
        since = date(2026, 1, 1)
        assert [c.kind for c in filtered_changes(index, since, kind="removed")] == ["removed"]
        assert len(filtered_changes(index, since, ministry="Finansdepartementet")) == 1
        assert filtered_changes(index, since, until=date(2026, 7, 4)) == []
    with Index(tmp_path / "empty.db") as empty:
        assert activity(empty).days == []


def test_facets_count_the_matches_of_a_search(
    tmp_path: Path, make_article: Callable[..., Article], record: Record
) -> None:
    build(tmp_path / "index.db", make_article, record)
    with Index.open_readonly(tmp_path / "index.db") as index:
        facets = search_facets(index, "regjering")
        assert facets.total == 2 and not facets.capped
        assert dict(facets.type) == {"Pressemelding": 1, "Nyhet": 1}
        assert dict(facets.year) == {"2026": 2}
        narrowed = search_facets(index, "regjering", ministry="finans")
        assert narrowed.total == 1 and narrowed.ministry == [("Finansdepartementet", 1)]


def test_iso_dates_are_generated_and_an_index_without_them_is_still_read(
    tmp_path: Path, make_article: Callable[..., Article], record: Record
) -> None:
    path = tmp_path / "index.db"
    with Index(path) as index:
        record(index, make_article(revised="Fri, 03 Jul 2026 14:00:55 GMT", last_modified="x"), 0)
        row = index.conn.execute("SELECT revised_utc, last_modified_utc FROM revisions").fetchone()
        assert tuple(row) == ("2026-07-03T14:00:55Z", None)
    with sqlite3.connect(path) as conn:  # as an index made before m006
        conn.execute("ALTER TABLE revisions DROP COLUMN revised_utc")
        conn.execute("ALTER TABLE revisions DROP COLUMN last_modified_utc")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm006_iso_dates'")
        conn.execute("DROP INDEX revisions_facets")  # and before m007
        conn.execute("DROP INDEX revisions_activity")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm007_web_indexes'")
    conn.close()
    with Index.open_readonly(path) as reader:
        assert not reader.search_outdated
        assert reader.get_revision(3169214).revised == "Fri, 03 Jul 2026 14:00:55 GMT"
        assert search_facets(reader, "ulv").type == [("Pressemelding", 1)]
    Index(path).close()  # the next crawl's open adds them
    with Index.open_readonly(path) as reader:
        assert reader.conn.execute("SELECT revised_utc FROM revisions").fetchone()[0] == (
            "2026-07-03T14:00:55Z"
        )
        assert search_facets(reader, "ulv").type == [("Pressemelding", 1)]
