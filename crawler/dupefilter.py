"""Scrapy's duplicate filter, its fingerprints kept compactly.

The filter remembers every request's fingerprint (20 bytes of SHA-1) for the whole
crawl; in Scrapy's ``set`` each took ~100 bytes, here ~20 (archive/compact_set.py). Which
requests count as duplicates, the JOBDIR file and the log are Scrapy's own.
"""

from __future__ import annotations

from typing import Any

from scrapy.dupefilters import RFPDupeFilter

from archive.compact_set import FixedWidthSet

FINGERPRINT_BYTES = 20  # Scrapy's RequestFingerprinter: SHA-1; others go to a plain set


class CompactDupeFilter(RFPDupeFilter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Scrapy 2.14-2.19 keep them in ``_fingerprints`` (a set, filled from JOBDIR's
        # file): where a release does not, its own set stays, with the same results.
        if isinstance(getattr(self, "_fingerprints", None), set):
            self._fingerprints = FixedWidthSet(FINGERPRINT_BYTES, self._fingerprints)  # type: ignore[assignment]
