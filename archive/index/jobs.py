"""Crawl jobs as users and the crawl session see them.

Users: a crashed job (still "running", its process gone) shows as interrupted. The
crawl session: reopening a job to resume it, what the job already did (so a resumed
job fetches nothing twice) and its figures rebuilt from the index after a crash. The
``jobs`` table itself is written through ``Index`` (``archive.index.job_table``).
"""

from __future__ import annotations

import os
from dataclasses import asdict, replace
from typing import Any

from archive.index.schema import Job
from archive.index.store import Index
from archive.urls import is_document, is_listing_url


class JobNotFound(LookupError):
    pass


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def effective(job: Job) -> Job:
    if job.status == "running" and not _alive(job.pid):
        return replace(job, status="interrupted")
    return job


def job_dict(job: Job) -> dict[str, Any]:
    return asdict(job)


def list_jobs(index: Index) -> list[Job]:
    return [effective(job) for job in index.list_jobs()]


def get_job(index: Index, job_id: str) -> Job:
    """A job by its id, or by a prefix of it that names one job (an empty one names none)."""
    job = index.get_job(job_id)
    if job is None:
        matches = [j for j in index.list_jobs() if job_id and j.id.startswith(job_id)]
        if len(matches) != 1:
            raise JobNotFound(f"no job {job_id!r} (see `regarkiv jobs`)")
        job = matches[0]
    return effective(job)


def reopen_job(index: Index, job_id: str, pid: int) -> None:
    """Mark an ended job running again, in process ``pid`` (a resumed crawl)."""
    with index.transaction():
        index.conn.execute(
            "UPDATE jobs SET status = 'running', pid = ?, ended_at = NULL WHERE id = ?",
            (pid, job_id),
        )


def articles_done_in_job(index: Index, job_id: str) -> set[int]:
    """Articles this job already has a final answer for (content or gone)."""
    rows = index.conn.execute(
        "SELECT DISTINCT article_id FROM captures WHERE job_id = ? AND article_id IS NOT NULL"
        " AND status IN (200, 404, 410)",
        (job_id,),
    )
    return {row[0] for row in rows}


def listings_in_job(index: Index, job_id: str) -> dict[str, tuple[str, int]]:
    """Where this job archived each listing page: URL to (WARC file name, offset)."""
    rows = index.conn.execute(
        "SELECT url, warc_file, offset FROM captures WHERE job_id = ? AND article_id IS NULL"
        " AND status = 200 AND record_type = 'response' ORDER BY id",
        (job_id,),
    )
    # Not every page that is no article is a listing: requisites and attachments too.
    return {url: (warc_file, offset) for url, warc_file, offset in rows if is_listing_url(url)}


def article_pages_in_job(index: Index, job_id: str) -> list[tuple[str, str, int]]:
    """Where this job archived each article page: (URL, WARC file name, offset), in order."""
    rows = index.conn.execute(
        "SELECT url, warc_file, offset FROM captures WHERE job_id = ?"
        " AND article_id IS NOT NULL AND status = 200 AND record_type = 'response' ORDER BY id",
        (job_id,),
    )
    return [(url, warc_file, offset) for url, warc_file, offset in rows]


def resources_in_job(index: Index, job_id: str) -> set[str]:
    """URLs of the requisites and attachments this job archived with a 2xx answer."""
    rows = index.conn.execute(
        "SELECT DISTINCT url FROM captures WHERE job_id = ? AND article_id IS NULL"
        " AND status BETWEEN 200 AND 299",
        (job_id,),
    )
    return {url for (url,) in rows if not is_listing_url(url)}


def figures_from_index(index: Index, job_id: str) -> dict[str, Any]:
    """What a job did, as far as the index can tell (for a job whose process died).

    Failures by reason and bytes on the wire are not in the index; they stay unknown.
    ``unchanged`` counts the job's article captures that made no revision, and
    ``fallback_extractions`` the revisions the fallback extractor made (one it used on
    an unchanged page left no trace).
    """

    def one(sql: str) -> int:
        return int(index.conn.execute(sql, (job_id,)).fetchone()[0] or 0)

    rows = index.conn.execute(
        "SELECT url FROM captures WHERE job_id = ? AND article_id IS NULL AND status = 200",
        (job_id,),
    )
    others = [str(url) for (url,) in rows if not url.endswith("/robots.txt")]
    listings = sum(is_listing_url(url) for url in others)
    documents = sum(is_document(url) for url in others)
    return {
        "listing_pages": listings,
        # Only what was fetched; what was skipped or failed is not in the index.
        "requisites": {"fetched": len(others) - listings - documents},
        "attachments": {"fetched": documents},
        "articles_fetched": one(
            "SELECT count(DISTINCT article_id) FROM captures WHERE job_id = ?"
            " AND article_id IS NOT NULL AND status IN (200, 404, 410)"
        ),
        "new_articles": one(
            "SELECT count(*) FROM revisions r JOIN captures c ON c.id = r.capture_id"
            " WHERE c.job_id = ? AND r.revision = 1"
        ),
        "new_revisions": one(
            "SELECT count(*) FROM revisions r JOIN captures c ON c.id = r.capture_id"
            " WHERE c.job_id = ? AND r.revision > 1"
        ),
        "removed": one(
            "SELECT count(*) FROM articles a JOIN captures c ON c.id = a.removed_capture_id"
            " WHERE c.job_id = ?"
        ),
        "unchanged": one(
            "SELECT count(*) FROM captures c JOIN articles a ON a.id = c.article_id"
            " WHERE c.job_id = ? AND c.status BETWEEN 200 AND 299"
            " AND c.record_type IN ('response', 'revisit')"
            " AND NOT EXISTS (SELECT 1 FROM revisions r WHERE r.capture_id = c.id)"
        ),
        "fallback_extractions": one(
            "SELECT count(*) FROM revisions r JOIN captures c ON c.id = r.capture_id"
            " WHERE c.job_id = ? AND r.extracted_by = 'fallback'"
        ),
        "warc_files": [
            row[0]
            for row in index.conn.execute(
                "SELECT DISTINCT warc_file FROM captures WHERE job_id = ? ORDER BY 1", (job_id,)
            )
        ],
    }


def mark_superseded(index: Index, job_ids: list[str], by: str) -> None:
    """A later job (``by``) walked every listing these unfinished jobs had not finished."""
    with index.transaction():
        for job_id in job_ids:
            index.conn.execute(
                "UPDATE jobs SET figures = json_set(coalesce(figures, '{}'), '$.superseded_by', ?)"
                " WHERE id = ?",
                (by, job_id),
            )
