"""What a crawl puts right when it starts, and which earlier jobs it must know of.

Run under the data directory's lock, before a crawl opens its job: a job still
"running" died (kill -9, power cut); a job marked ``index_incomplete`` wrote captures to
its WARC files that never reached the index (its indexer died or could not write). Both
get what they wrote indexed from the WARC files, and their figures rebuilt from the
index. An *unfinished* job (interrupted or failed) may not have reached every listing
page: ``--resume`` finishes the latest, and any other crawl of the same site walks every
listing to its end while one is unfinished (``RecrawlPolicy.may_stop_early``), so that
"caught up" never skips what it had not reached. A later job that walked every listing
of a job's languages to the end supersedes it (``mark_superseded``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from archive.index.jobs import figures_from_index
from archive.index.schema import Job, parse_iso
from archive.index.store import Index

UNFINISHED = ("interrupted", "failed")
# In a job's figures: captures in its WARC files may be missing from the index.
INDEX_INCOMPLETE = "index_incomplete"
SUPERSEDED_BY = "superseded_by"


class NothingToResume(LookupError):
    pass


def recover_jobs(index: Index, warc_dir: Path, repaired: list[str] | None = None) -> int:
    """Index what dead or incompletely indexed jobs wrote to WARC; how many captures.

    ``repaired``: names of WARC files left open by a writer that died, just repaired.
    """
    jobs = index.list_jobs()
    crashed = [job for job in jobs if job.status == "running"]
    unindexed = [job for job in jobs if job.figures.get(INDEX_INCOMPLETE)]
    since = [first_warc_name(job.started_at) for job in crashed + unindexed]
    since += list(repaired or [])
    if not since:
        return 0
    # Only a crawl after a crash indexes here: every other start of a crawl process is
    # spared importing extraction (its indexer process does that).
    from archive.reindex import catch_up

    report = catch_up(index, warc_dir, since_name=min(since))
    index.commit()
    for job in crashed:
        figures = {**job.figures, **figures_from_index(index, job.id)}
        figures["note"] = "the crawl process died; figures were rebuilt from the index"
        index.finish_job(job.id, "interrupted", figures)
    for job in unindexed:
        figures = {**job.figures, **figures_from_index(index, job.id)}
        del figures[INDEX_INCOMPLETE]
        figures["note"] = "indexed from its WARC files by a later crawl; figures from the index"
        ended = parse_iso(job.ended_at) if job.ended_at else None
        index.finish_job(job.id, job.status, figures, ended_at=ended)
    return report.captures


def first_warc_name(started_at: str) -> str:
    """Every WARC file of a job started at ``started_at`` sorts at or after this name."""
    return "regarkiv-" + "".join(ch for ch in started_at if ch.isdigit())[:14]


def unfinished_jobs(index: Index, base_url: str | None = None) -> list[Job]:
    """Interrupted or failed jobs (of ``base_url``) that no later job superseded, oldest first."""
    return [
        job
        for job in index.list_jobs()
        if job.status in UNFINISHED
        and not job.figures.get(SUPERSEDED_BY)
        and (base_url is None or job.settings.get("base_url") == base_url)
    ]


def resumable_job(index: Index) -> Job:
    """The latest unfinished job; ``NothingToResume`` when there is none."""
    jobs = unfinished_jobs(index)
    if not jobs:
        raise NothingToResume("no interrupted or failed crawl to resume (see `regarkiv jobs`)")
    return jobs[-1]


def covered(job: Job, walked: set[str]) -> bool:
    """Whether listings walked to the end in ``walked`` cover every language of ``job``."""
    langs: Any = job.settings.get("langs") or []
    return set(langs) <= walked
