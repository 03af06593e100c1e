"""What ingesting counts: a job's figures from the index's side, and the indexer's report.

Apart from archive/ingest.py so that the processes that only pass these on (the crawl,
the WARC writer process) need not import extraction to read them: that was ~0.08 s of
CPU at the start of every crawl's writer process.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

# Counted per new attachment version: how many, and their text extraction's outcomes
# ("attachment_text:encrypted" ...), so the job's figures say what was not searchable.
ATTACHMENT_VERSIONS = "attachment_versions"
ATTACHMENT_TEXT = "attachment_text:"


@dataclass
class IngestStats:
    counts: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        keys = ("new_articles", "new_revisions", "unchanged", "removed", "fallback_extractions")
        found: dict[str, Any] = {key: self.counts.get(key, 0) for key in keys}
        found["attachment_versions"] = self.counts.get(ATTACHMENT_VERSIONS, 0)
        found["attachment_texts"] = {
            key.removeprefix(ATTACHMENT_TEXT): count
            for key, count in sorted(self.counts.items())
            if key.startswith(ATTACHMENT_TEXT) and count
        }
        return found


@dataclass
class IngestResult:
    """What the indexer reports when it ends."""

    counts: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    fatal: str | None = None  # why some captures may be missing from the index
    restarts: int = 0  # how often its process died and another took over
