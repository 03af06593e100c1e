"""Jobs in the index: the table, the view users get, and what a crawl session asks."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from archive.index.connection import connect
from archive.index.jobs import (
    JobNotFound,
    articles_done_in_job,
    figures_from_index,
    get_job,
    list_jobs,
    listings_in_job,
    reopen_job,
)
from archive.index.store import Index
from archive.model import Article, Capture

T0 = datetime(2026, 7, 4, 12, 0, tzinfo=UTC)
LISTING = "https://www.regjeringen.no/no/aktuelt/nyheter/id2006120/?page=2"
ROBOTS = "https://www.regjeringen.no/robots.txt"
CSS = "https://www.regjeringen.no/dist-web/css/main.css?v=202606173_211653"
PDF = "https://www.regjeringen.no/contentassets/b04cfc23c69343ef800ce6a45f8cc456/notat.pdf"


def article_url(article_id: int) -> str:
    return f"https://www.regjeringen.no/no/aktuelt/sak/id{article_id}/"


class Crawl:
    """Writes captures as a crawl would, numbering them in order."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self.n = 0

    def capture(
        self,
        url: str,
        job_id: str,
        *,
        article_id: int | None = None,
        status: int = 200,
        record_type: str = "response",
        warc_file: str = "regarkiv-20260704120000-00000.warc.gz",
    ) -> tuple[int, Capture]:
        self.n += 1
        capture = Capture(
            url=url,
            fetched_at=T0 + timedelta(minutes=self.n),
            status=status,
            record_type=record_type,
            record_id=f"<urn:uuid:{self.n:032d}>",
            warc_file=warc_file,
            offset=1000 * self.n,
            length=900,
            payload_digest=f"sha1:{self.n}",
            content_type="text/html",
        )
        return self.index.add_capture(capture, job_id, article_id), capture

    def article(self, article_id: int, job_id: str, body: str = "Første utgave.") -> None:
        capture_id, capture = self.capture(article_url(article_id), job_id)
        article = Article(
            id=article_id,
            url=article_url(article_id),
            lang="nb",
            title=f"Sak {article_id}",
            lead="Ingress.",
            body=body,
            published="2026-07-01",
            type="Nyhet",
        )
        self.index.record_article(article, capture_id, capture.fetched_at)

    def removal(self, article_id: int, job_id: str) -> None:
        capture_id, capture = self.capture(
            article_url(article_id), job_id, article_id=article_id, status=404
        )
        self.index.mark_removed(article_id, capture.fetched_at, capture_id)


@pytest.fixture
def index(tmp_path: Path) -> Iterator[Index]:
    with Index(tmp_path / "index.db") as index:
        index.start_job("job1", {"base_url": "https://www.regjeringen.no"}, started_at=T0)
        index.start_job("job2", {}, started_at=T0 + timedelta(days=1))
        yield index


def test_jobs_are_listed_oldest_first_with_their_settings(index: Index) -> None:
    index.finish_job("job1", "finished", {"articles_fetched": 3}, ended_at=T0)
    first, second = index.list_jobs()
    assert (first.id, first.status, first.ended_at) == ("job1", "finished", "2026-07-04T12:00:00Z")
    assert first.settings == {"base_url": "https://www.regjeringen.no"}
    assert first.figures == {"articles_fetched": 3}
    assert (second.id, second.status) == ("job2", "running")
    assert index.get_job("job3") is None


def test_a_running_job_whose_process_is_gone_shows_as_interrupted(tmp_path: Path) -> None:
    with Index(tmp_path / "index.db") as index:
        index.start_job("20260704T120000Z-aaaaaa", {}, pid=os.getpid())
        index.start_job("20260705T120000Z-bbbbbb", {}, pid=None)
        assert [job.status for job in list_jobs(index)] == ["running", "interrupted"]
        assert get_job(index, "20260705").status == "interrupted"  # a unique prefix will do
        with pytest.raises(JobNotFound):
            get_job(index, "2026070")  # two jobs match
        with pytest.raises(JobNotFound):
            get_job(index, "1999")


def test_reopen_job_makes_it_running_again_and_commits(index: Index) -> None:
    index.finish_job("job1", "interrupted", {}, ended_at=T0)
    reopen_job(index, "job1", 4242)
    other = connect(index.path, readonly=True)  # committed: another connection sees it
    try:
        row = other.execute("SELECT status, pid, ended_at FROM jobs WHERE id = 'job1'").fetchone()
    finally:
        other.close()
    assert tuple(row) == ("running", 4242, None)


def test_articles_done_in_job_are_those_with_a_final_answer(index: Index) -> None:
    crawl = Crawl(index)
    crawl.article(1, "job1")
    crawl.removal(1, "job2")
    crawl.capture(article_url(2), "job1", article_id=2, status=410)
    crawl.capture(article_url(3), "job1", article_id=3, status=503)  # to be tried again
    crawl.capture(LISTING, "job1")
    crawl.article(4, "job2")
    assert articles_done_in_job(index, "job1") == {1, 2}
    assert articles_done_in_job(index, "job2") == {1, 4}
    assert articles_done_in_job(index, "job3") == set()


def test_listings_in_job_point_at_the_newest_full_response(index: Index) -> None:
    crawl = Crawl(index)
    crawl.capture(LISTING, "job1", warc_file="a.warc.gz")
    crawl.capture(LISTING, "job1", warc_file="b.warc.gz")
    crawl.capture(LISTING, "job1", record_type="revisit")  # holds no body to replay
    crawl.capture(LISTING + "3", "job1", status=500)
    crawl.capture(LISTING + "4", "job2")
    crawl.article(1, "job1")
    crawl.capture(CSS, "job1")  # a page requisite: no listing, though no article either
    assert listings_in_job(index, "job1") == {LISTING: ("b.warc.gz", 2000)}


def test_figures_from_index_rebuild_what_a_dead_crawl_did(index: Index) -> None:
    crawl = Crawl(index)
    crawl.capture(ROBOTS, "job1")
    crawl.capture(LISTING, "job1")
    crawl.article(1, "job1")
    crawl.article(2, "job1")
    crawl.article(1, "job2", body="Andre utgave.")
    crawl.removal(2, "job2")
    crawl.capture(LISTING, "job2", warc_file="regarkiv-20260705120000-00000.warc.gz")
    crawl.capture(CSS, "job1")
    crawl.capture(PDF, "job1")
    crawl.capture(PDF + "?uid=2", "job1", status=404)  # failed: the index cannot say why
    index.commit()
    assert figures_from_index(index, "job1") == {
        "listing_pages": 1,
        "articles_fetched": 2,
        "new_articles": 2,
        "new_revisions": 0,
        "removed": 0,
        "unchanged": 0,
        "fallback_extractions": 0,
        "requisites": {"fetched": 1},
        "attachments": {"fetched": 1},
        "warc_files": ["regarkiv-20260704120000-00000.warc.gz"],
    }
    assert figures_from_index(index, "job2") == {
        "listing_pages": 1,
        "articles_fetched": 2,
        "new_articles": 0,
        "new_revisions": 1,
        "removed": 1,
        "unchanged": 0,
        "fallback_extractions": 0,
        "requisites": {"fetched": 0},
        "attachments": {"fetched": 0},
        "warc_files": [
            "regarkiv-20260704120000-00000.warc.gz",
            "regarkiv-20260705120000-00000.warc.gz",
        ],
    }


def test_live_articles_leave_out_removed_ones(index: Index) -> None:
    crawl = Crawl(index)
    for article_id in (1, 2, 3):
        crawl.article(article_id, "job1")
    crawl.removal(2, "job1")
    assert sorted(index.live_articles()) == [(1, article_url(1)), (3, article_url(3))]
