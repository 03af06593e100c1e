"""Completeness: the requisites and attachments archived pages reference that the archive lacks.

For the latest archived version of every HTML page (articles, listings) and stylesheet,
the same-site URLs it references (archive/extract/requisites.py) are looked up among
the captures. One that has no capture answering below 400 is *missing*: a replay of the
page shows it broken (a stylesheet not applied, an image or a PDF that fails). A 404 the
site gave is missing too, with its status, since re-crawling cannot mend it but a
reader should know. Off-site references are not expected in the archive and not counted.

``regarkiv verify`` reports it beside its fixity checks; a missing requisite is not a
fault of the archive's files, so it does not make verify fail.

A page is checked only for the kinds of reference the job that captured it fetched: a crawl
run with ``--requisites none`` (or ``--attachments none``) never asked for them, so their
absence is the archivist's choice, not a gap. Its pages are counted as not checked and
are not read: listing every stylesheet, image and icon of a text-only archive as missing
(130,000 of them for 5,000 articles) was most of what verify did (a parse of each page,
~1 ms: 7 MB of WARC a second instead of over 100). A job the index has no settings for
(an older archive's) is checked for both.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from archive.extract.requisites import Kind, Reference, css_references, page_references
from archive.index.store import Index
from archive.urls import same_site
from archive.warc.reader import read_record_at
from archive.warc.records import MalformedRecord

log = logging.getLogger(__name__)

# The pages listed in full in a report; the figures always count every page.
MAX_LISTED_PAGES = 1000
_LATEST = """
    SELECT url, warc_file, offset, content_type, job_id FROM captures c
    WHERE record_type = 'response' AND status BETWEEN 200 AND 299
      AND (content_type LIKE '%html%' OR content_type LIKE 'text/css%')
      AND id = (SELECT id FROM captures d WHERE d.url = c.url AND d.record_type = 'response'
                AND d.status BETWEEN 200 AND 299 ORDER BY fetched_at DESC, id DESC LIMIT 1)
    ORDER BY url
"""
_EVERY_KIND = frozenset(Kind)
# The crawl settings that say whether a job fetched each kind of reference.
_SETTINGS = ((Kind.REQUISITE, "requisites"), (Kind.ATTACHMENT, "attachments"))


@dataclass(frozen=True)
class Missing:
    url: str
    kind: str  # requisite, attachment
    role: str  # stylesheet, image, document ...
    status: int | None  # what the archive holds for it: None for nothing at all


@dataclass
class Completeness:
    pages: int = 0  # archived pages and stylesheets read
    complete_pages: int = 0
    references: int = 0  # distinct same-site URLs they reference
    archived: int = 0  # of which the archive holds a good answer
    unreadable: int = 0  # pages whose record could not be read (verify names the file)
    unchecked: int = 0  # pages whose job fetched neither requisites nor attachments
    missing: dict[str, list[Missing]] = field(default_factory=dict)  # page URL → missing

    @property
    def ratio(self) -> float:
        return self.archived / self.references if self.references else 1.0

    def as_dict(self) -> dict[str, object]:
        listed = dict(list(self.missing.items())[:MAX_LISTED_PAGES])
        return {
            "pages": self.pages,
            "complete_pages": self.complete_pages,
            "references": self.references,
            "archived": self.archived,
            "completeness": round(self.ratio, 4),
            "unreadable": self.unreadable,
            "unchecked_pages": self.unchecked,
            "incomplete_pages": len(self.missing),
            "missing": [
                {"page": page, "missing": [m.__dict__ for m in items]}
                for page, items in listed.items()
            ],
        }


def completeness(index: Index, warcs: Path) -> Completeness:
    """Read every latest page and stylesheet and check what it references is archived."""
    report = Completeness()
    statuses = _best_statuses(index)
    seen: dict[str, bool] = {}  # referenced URL → archived
    for url, references in _pages(index, warcs, report):
        report.pages += 1
        missing = []
        for reference in references:
            if not same_site(reference.url, url):
                continue
            status = statuses.get(reference.url)
            archived = status is not None and status < 400
            seen[reference.url] = archived
            if not archived:
                missing.append(Missing(reference.url, reference.kind, reference.role, status))
        if missing:
            report.missing[url] = missing
        else:
            report.complete_pages += 1
    report.references = len(seen)
    report.archived = sum(seen.values())
    return report


def _best_statuses(index: Index) -> dict[str, int]:
    """Every captured URL and its best answer (the lowest status: 200 beats 404)."""
    rows = index.conn.execute(
        "SELECT url, min(status) FROM captures WHERE record_type IN ('response', 'revisit')"
        " GROUP BY url"
    )
    return {url: status for url, status in rows}


def _pages(
    index: Index, warcs: Path, report: Completeness
) -> Iterator[tuple[str, list[Reference]]]:
    """Each latest page and stylesheet, with the references of the kinds its job fetched."""
    fetched = _fetched_kinds(index)
    for url, warc_file, offset, content_type, job_id in index.conn.execute(_LATEST).fetchall():
        kinds = fetched.get(job_id, _EVERY_KIND)
        is_css = "css" in (content_type or "")
        if Kind.REQUISITE not in kinds and (is_css or Kind.ATTACHMENT not in kinds):
            report.unchecked += 1
            continue
        try:
            body = read_record_at(warcs / warc_file, offset).decoded_body()
        except (OSError, ValueError, MalformedRecord) as error:
            log.debug("%s: cannot read %s at %s: %s", url, warc_file, offset, error)
            report.unreadable += 1
            continue
        if is_css:
            yield url, css_references(body, url)
        else:
            found = page_references(body, url, attachments=Kind.ATTACHMENT in kinds)
            yield url, [each for each in found if each.kind in kinds]


def _fetched_kinds(index: Index) -> dict[str, frozenset[Kind]]:
    """Each job's kinds of reference: those its settings do not say it left out."""
    kinds = {}
    for job_id, text in index.conn.execute("SELECT id, settings FROM jobs"):
        try:
            settings = json.loads(text)
        except ValueError:
            settings = None
        if not isinstance(settings, dict):
            settings = {}
        kinds[job_id] = frozenset(kind for kind, key in _SETTINGS if settings.get(key) != "none")
    return kinds
