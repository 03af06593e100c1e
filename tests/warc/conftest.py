"""Fixtures of the WARC tests: warcio reads back what the writer wrote."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def warcio_records() -> Callable[[Path], Iterator[tuple[object, bytes]]]:
    """(record, raw HTTP block) for each record of a file, digests checked by warcio."""
    archive_iterator = pytest.importorskip(
        "warcio.archiveiterator", reason="warcio (a dev extra) is not installed"
    )

    def read(path: Path) -> Iterator[tuple[object, bytes]]:
        with open(path, "rb") as fh:
            for record in archive_iterator.ArchiveIterator(fh, check_digests="raise"):
                yield record, record.raw_stream.read()

    return read
