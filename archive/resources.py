"""Which page requisites and attachments a crawl fetches, and what became of each.

A resource (a stylesheet, an image, a PDF ...) is fetched at most once per crawl,
however many pages reference it. Across crawls, a URL the archive already holds with a
2xx answer is not fetched again, except under ``--recrawl all``: then it is fetched,
and the WARC writer stores it as a revisit record when its payload is unchanged
(archive/warc/series.py). Cache-busted URLs (``main.css?v=…``) are distinct URLs, so a
new deploy's stylesheet is fetched. Off-site resources are never fetched; they are
counted, like everything else, by kind and reason, for the crawl's summary and job.

Plain decisions and counts: the crawler (crawler/resources.py) makes the requests.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

from archive.config import CrawlConfig
from archive.extract.requisites import Kind, Reference
from archive.index.jobs import article_pages_in_job, resources_in_job
from archive.index.store import Index
from archive.policy import Recrawl
from archive.urls import same_site
from archive.warc.reader import read_record_at

OFF_SITE = "off-site"
TOO_LARGE = "too-large"
ROBOTS = "robots-disallowed"
# Reasons a resource was not fetched on purpose (the rest of the failures are failures).
SKIP_REASONS = frozenset({OFF_SITE, TOO_LARGE, ROBOTS})


class ResourceLedger:
    """The crawl's record of resources: claims, outcomes, figures.

    ``archived``: URLs the archive holds with a 2xx answer from before this job;
    ``refetch``: fetch those again all the same (``--recrawl all``).
    """

    def __init__(
        self,
        base_url: str,
        archived: Collection[str],
        *,
        refetch: bool = False,
        kinds: Collection[Kind] = (Kind.REQUISITE, Kind.ATTACHMENT),
    ) -> None:
        self.base_url = base_url
        self.archived = archived
        self.refetch = refetch
        self.kinds = frozenset(kinds)
        self._claimed: set[str] = set()
        self._counts: dict[Kind, Counter[str]] = {kind: Counter() for kind in Kind}
        self._skipped: dict[Kind, Counter[str]] = {kind: Counter() for kind in Kind}
        self._failed: dict[Kind, Counter[str]] = {kind: Counter() for kind in Kind}

    def claim(self, reference: Reference) -> bool:
        """Whether to fetch ``reference`` now: the first time this crawl meets it, on this
        site, and not archived before (unless refetching). What is not fetched is counted."""
        kind, url = reference.kind, reference.url
        if kind not in self.kinds or url in self._claimed:
            return False
        self._claimed.add(url)
        if not same_site(url, self.base_url):
            self._skipped[kind][OFF_SITE] += 1
            return False
        if url in self.archived and not self.refetch:
            self._counts[kind]["already_archived"] += 1
            return False
        return True

    def done_before(self, urls: Collection[str]) -> None:
        """URLs this job fetched before it was interrupted: a resumed run neither fetches
        them again (not even under ``--recrawl all``) nor counts them a second time."""
        self._claimed.update(urls)

    def fetched(self, kind: Kind, status: int) -> None:
        """An answer came; anything but 2xx (after redirects and retries) is a failure."""
        if 200 <= status < 300:
            self._counts[kind]["fetched"] += 1
        else:
            self.failed(kind, f"http-{status}")

    def failed(self, kind: Kind, reason: str) -> None:
        """No usable answer; a reason in SKIP_REASONS counts as skipped on purpose."""
        if reason in SKIP_REASONS:
            self._skipped[kind][reason] += 1
        else:
            self._failed[kind][reason] += 1

    def figures(self, kind: Kind) -> dict[str, Any]:
        """``{"fetched": n, "already_archived": n, "skipped": {reason: n}, "failed": {...}}``"""
        counts = self._counts[kind]
        return {
            "fetched": counts["fetched"],
            "already_archived": counts["already_archived"],
            "skipped": dict(sorted(self._skipped[kind].items())),
            "failed": dict(sorted(self._failed[kind].items())),
        }


def open_ledger(index: Index, config: CrawlConfig, job_id: str = "") -> ResourceLedger:
    """The ledger of a crawl with ``config``, knowing what ``index`` already holds and,
    when resuming job ``job_id``, what that job fetched before."""
    kinds = [
        kind
        for kind, choice in (
            (Kind.REQUISITE, config.requisites),
            (Kind.ATTACHMENT, config.attachments),
        )
        if choice == "all"
    ]
    archived = index.archived_urls() if kinds else set()
    ledger = ResourceLedger(
        config.base_url, archived, refetch=config.recrawl is Recrawl.ALL, kinds=kinds
    )
    if config.resume and job_id and kinds:
        ledger.done_before(resources_in_job(index, job_id))
    return ledger


def archived_pages(index: Index, warcs: Path, job_id: str) -> Iterator[tuple[str, bytes]]:
    """(URL, decoded body) of each article page job ``job_id`` archived: a resumed crawl
    reads them for what they reference, since a run killed after a page was written but
    before its requisites were leaves them missing otherwise (the ledger skips the rest)."""
    for url, warc_file, offset in article_pages_in_job(index, job_id):
        try:
            yield url, read_record_at(warcs / warc_file, offset).decoded_body()
        except (OSError, ValueError):
            continue  # `regarkiv verify` names what stays missing


def render_figures(name: str, figures: dict[str, Any]) -> str:
    """One summary line: ``requisites  fetched 40, already archived 2, skipped 1 (...)``."""

    def counted(label: str, by_reason: dict[str, int]) -> str:
        total = sum(by_reason.values())
        reasons = ", ".join(f"{reason} {n}" for reason, n in sorted(by_reason.items()))
        return f"{label} {total}" + (f" ({reasons})" if reasons else "")

    return (
        f"  {name:<16} fetched {figures.get('fetched', 0)}, "
        f"already archived {figures.get('already_archived', 0)}, "
        f"{counted('skipped', figures.get('skipped') or {})}, "
        f"{counted('failed', figures.get('failed') or {})}"
    )
