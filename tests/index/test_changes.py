from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from archive.index.changes import Change, changes, to_atom
from archive.index.store import Index
from archive.model import Article, Capture

A = "{http://www.w3.org/2005/Atom}"
BASE = Article(
    id=1,
    url="https://www.regjeringen.no/no/aktuelt/ulv/id1/",
    lang="nb",
    title="Felling av ulv",
    lead="Departementet gir løyve.",
    body="Ulven kan felles.",
    published="2026-06-01",
    type="Pressemelding",
)


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 7, day, hour, tzinfo=UTC)


def seen(index: Index, article: Article, when: datetime, status: int = 200) -> None:
    capture = Capture(
        url=article.url,
        fetched_at=when,
        status=status,
        record_type="response",
        record_id=f"<urn:uuid:{article.id}-{when.isoformat()}>",
        warc_file="a.warc.gz",
        offset=0,
        length=1,
        payload_digest=f"sha1:{when.isoformat()}",
    )
    capture_id = index.add_capture(capture, None, article.id)
    if status == 200:
        index.record_article(article, capture_id, when)
    else:
        index.mark_removed(article.id, when, capture_id)


@pytest.fixture
def index(tmp_path: Path) -> Index:
    other = replace(BASE, id=2, url="https://www.regjeringen.no/no/aktuelt/skatt/id2/")
    quiet = replace(BASE, id=3, url="https://www.regjeringen.no/no/aktuelt/x/id3/")
    with Index(tmp_path / "index.db") as opened:
        seen(opened, BASE, at(1))
        seen(opened, other, at(1))
        seen(opened, quiet, at(1))
        seen(opened, BASE, at(3))  # unchanged
        seen(opened, replace(BASE, title="Lisensfelling av ulv"), at(5))
        seen(
            opened, replace(BASE, title="Lisensfelling av ulv", body="To ulver kan felles."), at(6)
        )
        seen(opened, replace(other, body="Skatten går ned."), at(4))
        seen(opened, other, at(7), status=404)
        opened.commit()
        yield opened


def test_changes_since(index: Index) -> None:
    found = changes(index, date(2026, 7, 5))
    assert found == [
        Change(
            article_id=2,
            url="https://www.regjeringen.no/no/aktuelt/skatt/id2/",
            title="Felling av ulv",
            kind="removed",
            when="2026-07-07T12:00:00Z",
            from_revision=2,
            to_revision=2,
            summary="removed (HTTP 404)",
        ),
        Change(
            article_id=1,
            url="https://www.regjeringen.no/no/aktuelt/ulv/id1/",
            title="Lisensfelling av ulv",
            kind="revised",
            when="2026-07-06T12:00:00Z",
            from_revision=1,
            to_revision=3,
            summary="title changed, 3 words added, 2 removed",
        ),
    ]


def test_removed_and_revised_in_window(index: Index) -> None:
    by_id = {change.article_id: change for change in changes(index, date(2026, 7, 2))}
    assert set(by_id) == {1, 2}
    assert by_id[2].summary == "removed (HTTP 404); before that: 3 words added, 3 removed"
    assert changes(index, date(2026, 7, 8)) == []


def test_atom_feed_is_valid(index: Index) -> None:
    feed_text = to_atom(changes(index, date(2026, 7, 1)))
    root = ET.fromstring(feed_text.encode())
    assert root.tag == f"{A}feed"
    for tag in ("id", "title", "updated", "link", "author"):
        assert root.find(f"{A}{tag}") is not None, tag
    assert root.findtext(f"{A}updated") == "2026-07-07T12:00:00Z"
    entries = root.findall(f"{A}entry")
    assert len(entries) == 2
    for entry in entries:
        for tag in ("id", "title", "updated", "link", "summary"):
            assert entry.find(f"{A}{tag}") is not None, tag
        assert entry.find(f"{A}link").get("href").startswith("https://www.regjeringen.no/")
    assert entries[1].findtext(f"{A}id") == "urn:regarkiv:article:1:revision:3"
    assert entries[1].findtext(f"{A}title") == "Revised: Lisensfelling av ulv"


def test_atom_escapes_text() -> None:
    change = Change(
        1, "https://x/?a=1&b=2", "<b>&</b>", "revised", "2026-07-01T00:00:00Z", 1, 2, "x"
    )
    root = ET.fromstring(to_atom([change]).encode())
    entry = root.find(f"{A}entry")
    assert entry.findtext(f"{A}title") == "Revised: <b>&</b>"
    assert entry.find(f"{A}link").get("href") == "https://x/?a=1&b=2"
    empty = ET.fromstring(to_atom([], updated=datetime(2026, 7, 1, tzinfo=UTC)).encode())
    assert empty.findtext(f"{A}updated") == "2026-07-01T00:00:00Z"


def test_atom_is_well_formed_whatever_the_text_holds() -> None:
    hostile = "\x1b]0;pwned\x07\x00\x0c\ufffe\ud800\x9b"
    change = Change(
        1, f"https://x/{hostile}", hostile, "revised", "2026-07-01T00:00:00Z", 1, 2, hostile
    )
    feed = to_atom([change])
    entry = ET.fromstring(feed.encode()).find(f"{A}entry")
    shown = "\\x1b]0;pwned\\x07\\x00\\x0c\\ufffe\\ud800\\x9b"
    assert entry.findtext(f"{A}title") == f"Revised: {shown}"
    assert entry.findtext(f"{A}summary") == shown
    assert entry.find(f"{A}link").get("href") == f"https://x/{shown}"
