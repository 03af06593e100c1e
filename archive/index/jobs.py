"""Crawl jobs as users see them: a crashed job (still "running", its process gone)
shows as interrupted."""

from __future__ import annotations

import os
from dataclasses import asdict, replace
from typing import Any

from archive.index.schema import Job


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


def list_jobs(index: Any) -> list[Job]:
    return [effective(job) for job in index.list_jobs()]


def get_job(index: Any, job_id: str) -> Job:
    job = index.get_job(job_id)
    if job is None:
        matches = [j for j in index.list_jobs() if j.id.startswith(job_id)]
        if len(matches) != 1:
            raise JobNotFound(f"no job {job_id!r} (see `regarkiv jobs`)")
        job = matches[0]
    return effective(job)
