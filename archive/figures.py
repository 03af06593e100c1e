"""What a crawl job did: its summary, over every run of a resumed job, and rebuilt from
the index when the counts of a run were lost with a process that died.

The crawl counts what it fetched and what failed; the indexer counts what the index
made of it. A resumed job's figures add each run's (``merge_figures``). When the WARC
writer process dies, the indexer's counts die with it: the figures that the index can
tell are then read from it (``rebuilt_from_index``), for the whole job.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from archive.index.jobs import figures_from_index
from archive.index.store import Index
from archive.resources import render_figures

# Fetched fine but not indexable: the summary must say so, not hide it.
UNINDEXED = {
    "not_article": "not-an-article",
    "not_html": "not-html",
    "undecodable": "undecodable",
}


@dataclass
class CrawlSummary:
    job_id: str
    status: str
    listing_pages: int
    articles_fetched: int
    failures: dict[str, int]
    bytes: int
    warc_files: list[str]
    duration_seconds: float
    new_articles: int = 0
    new_revisions: int = 0
    unchanged: int = 0
    removed: int = 0
    fallback_extractions: int = 0
    fatal: str | None = None  # why the crawl stopped early, if it did
    signal: str | None = None  # the signal that interrupted it (SIGINT, SIGTERM)
    indexer_restarts: int = 0  # how often the indexer process died and another took over
    # Earlier jobs of the site that had not finished when this one started: it walked
    # every listing to the end rather than stop at the first page it already had.
    unfinished_jobs: list[str] = field(default_factory=list)
    # Page requisites and attachments: fetched, already archived, skipped and failed by
    # reason (archive/resources.py); empty when the crawl fetched none of that kind.
    requisites: dict[str, Any] = field(default_factory=dict)
    attachments: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def render(self) -> str:
        failures = ", ".join(f"{k} {v}" for k, v in sorted(self.failures.items())) or "none"
        status = f"{self.status} by {self.signal}" if self.signal else self.status
        lines = [
            f"job {self.job_id}: {status} in {self.duration_seconds:.1f} s",
            f"  listing pages    {self.listing_pages}",
            f"  articles fetched {self.articles_fetched}",
            f"  new articles     {self.new_articles}",
            f"  new revisions    {self.new_revisions}",
            f"  unchanged        {self.unchanged}",
            f"  removed          {self.removed}",
            f"  fallback extractions {self.fallback_extractions}",
            f"  failures         {failures}",
            f"  bytes            {self.bytes:,}",
            f"  WARC files       {len(self.warc_files)}",
        ]
        lines += [f"    {name}" for name in self.warc_files]
        lines += [
            render_figures(name, figures)
            for name, figures in (
                ("requisites", self.requisites),
                ("attachments", self.attachments),
            )
            if figures
        ]
        if self.indexer_restarts:
            lines.append(f"  indexer restarts {self.indexer_restarts} (nothing was lost)")
        if self.unfinished_jobs:
            lines.append(f"  walked every listing for {', '.join(self.unfinished_jobs)}")
        return "\n".join(lines)


def failures_with_unindexed(
    failures: Counter[str], counts: Counter[str], index_errors: int
) -> dict[str, int]:
    """The crawl's failures and what the indexer could not make an article of."""
    merged = Counter(failures)
    for count, reason in UNINDEXED.items():
        if counts[count]:
            merged[reason] += counts[count]
    if index_errors:
        merged["index-error"] += index_errors
    return dict(merged)


def merge_figures(previous: dict[str, Any], summary: CrawlSummary) -> CrawlSummary:
    """A resumed job's figures cover all of its runs."""
    merged = summary.as_dict()
    for key, value in previous.items():
        if key in ("job_id", "status", "note") or key not in merged:
            continue
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float) and isinstance(merged[key], int | float):
            merged[key] = merged[key] + value
        elif isinstance(value, dict):
            merged[key] = _added(value, merged[key])
        elif isinstance(value, list):
            merged[key] = sorted(set(value) | set(merged[key]))
    return CrawlSummary(**merged)


def _added(earlier: dict[str, Any], now: dict[str, Any]) -> dict[str, Any]:
    """Two runs' counts, key by key; nested counts (a kind's skips by reason) too."""
    total = dict(earlier)
    for key, value in now.items():
        before = total.get(key)
        if isinstance(value, dict):
            total[key] = _added(before if isinstance(before, dict) else {}, value)
        elif isinstance(value, int | float) and isinstance(before, int | float):
            total[key] = before + value
        else:
            total[key] = value
    return total


def rebuilt_from_index(
    summary: CrawlSummary, index: Index, lost_in_writer: int = 0
) -> CrawlSummary:
    """``summary`` (covering every run) with what the index tells of the whole job.

    ``lost_in_writer``: captures the crawl handed to a WARC writer that died before
    writing them; they were fetched, but are not archived.
    """
    merged = summary.as_dict()
    rebuilt = figures_from_index(index, summary.job_id)
    for key, value in rebuilt.items():
        if isinstance(value, dict):  # the index knows what was fetched, the crawl the rest
            if merged.get(key) or any(value.values()):
                merged[key] = {**(merged.get(key) or {}), **value}
        elif key in merged:
            merged[key] = value
    if lost_in_writer > 0:
        failures = Counter(merged["failures"])
        failures["not-archived"] += lost_in_writer
        merged["failures"] = dict(failures)
    return CrawlSummary(**merged)
