"""``DataDir`` as a researcher uses it from Python: the README's example, and each reading
method over a small archive built through the index's API."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from archive.datadir import DataDir, NoArchive, UnreadableArchive
from archive.index.diff import NothingToCompare
from archive.index.jobs import JobNotFound
from archive.index.store import ArticleNotFound, Index, RevisionNotFound
from archive.model import Article, Capture

ROOT = Path(__file__).resolve().parents[2]

# The README's Python example, word for word: it runs as written against this archive.
README_EXAMPLE = """\
from regarkiv import DataDir

archive = DataDir("regarkiv-data")
hits = archive.search("statsbudsjettet", ministry="finans", limit=10)
history, diff = archive.history(hits[0].article_id), archive.diff(hits[0].article_id)
"""

BUDGET = Article(
    id=3167943,
    url="https://www.regjeringen.no/no/aktuelt/statsbudsjettet-2027/id3167943/",
    lang="nb",
    title="Statsbudsjettet 2027",
    lead="Regjeringen legger fram statsbudsjettet.",
    body="Budsjettet gir mer til statens pensjonsfond.",
    published="2026-10-06",
    type="Pressemelding",
    ministries=["Finansdepartementet"],
)
REVISED = replace(BUDGET, title="Statsbudsjettet 2027: Mer til pensjonsfondet")
WOLVES = replace(
    BUDGET,
    id=42,
    url="https://www.regjeringen.no/no/aktuelt/ulv/id42/",
    title="Felling av ulv",
    lead="",
    body="Statsbudsjettet nevnes ikke her, men ulven gjør.",
    ministries=["Klima- og miljødepartementet"],
)
JOB = "20261006T120000Z-abc123"


def seen(index: Index, article: Article, day: int) -> None:
    when = datetime(2026, 10, day, 12, tzinfo=UTC)
    capture = Capture(
        url=article.url,
        fetched_at=when,
        status=200,
        record_type="response",
        record_id=f"<urn:uuid:{article.id}-{day}>",
        warc_file="regarkiv-1.warc.gz",
        offset=100 * day,
        length=90,
        payload_digest=f"sha1:{article.id}-{day}",
    )
    index.record_article(article, index.add_capture(capture, JOB, article.id), when)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    root = tmp_path / "regarkiv-data"
    root.mkdir()
    with Index(root / "index.db") as index:
        index.start_job(JOB, {"base_url": "https://www.regjeringen.no"}, pid=None)
        seen(index, BUDGET, 6)
        seen(index, WOLVES, 6)
        seen(index, REVISED, 7)
        index.finish_job(JOB, "finished", {"articles_fetched": 3})
    return root


def test_the_readme_example_runs(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(data_dir.parent)
    names: dict[str, object] = {}
    exec(README_EXAMPLE, names)
    history, diff = names["history"], names["diff"]
    assert [revision.title for revision in history] == [BUDGET.title, REVISED.title]
    assert diff.summary == "title changed, 4 words added, 1 removed"
    names["archive"].close()


def test_the_readme_shows_the_example() -> None:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert README_EXAMPLE in blocks


def test_search_article_history(data_dir: Path) -> None:
    with DataDir(data_dir) as archive:
        hits = archive.search("statsbudsjettet", limit=5)
        assert [hit.article_id for hit in hits] == [BUDGET.id, WOLVES.id]
        assert archive.search("statsbudsjettet", ministry="klima")[0].id == WOLVES.id
        shown = archive.article(f"id{BUDGET.id}")
        assert (shown.revision.title, shown.article.latest_revision) == (REVISED.title, 2)
        assert archive.article(BUDGET.url, revision=1).revision.title == BUDGET.title
        history = archive.history(BUDGET.id)
        assert len(history) == 2 and history[-1].revision == 2 and history.article.id == BUDGET.id
        assert [row["revision"] for row in history.as_list()] == [1, 2]


def test_views_are_what_the_json_shows(data_dir: Path) -> None:
    with DataDir(data_dir) as archive:
        view = archive.article(BUDGET.id).as_dict()
    assert list(view) == [
        *("id", "url", "lang", "title", "lead", "body", "published", "type", "ministries"),
        *("topics", "images", "attachments", "status", "removed_at", "first_seen", "last_seen"),
        *("revision", "revisions", "captured_at", "content_hash", "warc_file", "warc_offset"),
    ]
    assert (view["revision"], view["revisions"], view["warc_offset"]) == (2, 2, 700)


def test_diff_and_changes(data_dir: Path) -> None:
    with DataDir(data_dir) as archive:
        latest = archive.diff(BUDGET.id)
        assert (latest.old.revision, latest.new.revision) == (1, 2)
        assert archive.diff(BUDGET.id, 1, 2).as_dict() == latest.as_dict()
        with pytest.raises(NothingToCompare, match="id42 has only one revision"):
            archive.diff(WOLVES.id)
        with pytest.raises(NothingToCompare, match="revision 1 is the first"):
            archive.diff(BUDGET.id, newer=1)
        with pytest.raises(RevisionNotFound):
            archive.diff(BUDGET.id, older=5)
        [change] = archive.changes(date(2026, 10, 7))
        assert (change.article_id, change.kind, change.to_revision) == (BUDGET.id, "revised", 2)
        assert archive.changes(datetime(2026, 10, 8, tzinfo=UTC)) == []
        assert archive.changes() == []  # a week ago is long after these


def test_jobs(data_dir: Path) -> None:
    with DataDir(data_dir) as archive:
        [job] = archive.jobs()
        assert (job.id, job.status, job.figures) == (JOB, "finished", {"articles_fetched": 3})
        assert archive.job(JOB[:8]) == job
        assert job.as_dict()["settings"] == {"base_url": "https://www.regjeringen.no"}
        with pytest.raises(JobNotFound, match="no job 'nope'"):
            archive.job("nope")


def test_the_index_opens_once_lazily_and_closes(data_dir: Path) -> None:
    archive = DataDir(data_dir)
    assert repr(archive) == f"DataDir({str(data_dir)!r})" and archive == DataDir(str(data_dir))
    index = archive.index
    assert archive.index is index
    assert archive.resolve(BUDGET.url) == archive.resolve(f"id{BUDGET.id}") == BUDGET.id
    with pytest.raises(ArticleNotFound, match="no article id7 in the index"):
        archive.resolve(7)
    archive.close()
    assert archive.index is not index
    archive.close()
    archive.close()


def test_no_archive(tmp_path: Path) -> None:
    with pytest.raises(NoArchive) as raised:
        DataDir(tmp_path / "none").search("x")
    index = tmp_path / "none" / "index.db"
    assert str(raised.value) == f"no index at {index} (run a crawl first, or set --data-dir)"
    (tmp_path / "index.db").write_bytes(b"not a database, not at all" * 10)
    with pytest.raises(UnreadableArchive, match="cannot read .*index.db: file is not a database"):
        DataDir(tmp_path).history(1)
