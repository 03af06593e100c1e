"""Inflating HTTP bodies: ISA-L's inflate where it is installed, zlib's otherwise.

Every article the site serves is gzip'd, and the indexer and ``regarkiv reindex`` inflate
each one before extraction. ISA-L (the ``isal`` package, PSF-2.0, wheels with the library
inside) inflates the replica's pages 2.4x as fast as zlib (0.117 -> 0.048 ms of CPU a
page of 49 kB, 5,252 pages). It checks the gzip trailer's CRC-32 and length as zlib does;
it accepts a gzip header with reserved flag bits set, which zlib refuses (the data is still
checked by its CRC). The WARC files' own gzip members go through here only where ISA-L is
sure to read them as zlib would (``archive.warc.members``): zlib reads the others, and
its error messages are what the repair and verify reports quote.
"""

from __future__ import annotations

import importlib
import zlib
from types import ModuleType
from typing import Protocol


class Decompressor(Protocol):
    eof: bool
    unused_data: bytes

    def decompress(self, data: bytes | memoryview, max_length: int = ..., /) -> bytes: ...


def _library() -> tuple[ModuleType, type[Exception]]:
    try:
        found = importlib.import_module("isal.isal_zlib")
    except ImportError:  # an optional speed-up: zlib gives the same bytes
        return zlib, zlib.error
    error: type[Exception] = found.error
    return found, error


_LIBRARY, Error = _library()
LIBRARY = _LIBRARY.__name__  # which one inflates: "isal.isal_zlib" or "zlib"


def decompressobj(wbits: int) -> Decompressor:
    """A decompressor for ``wbits`` as zlib reads them (31: gzip, 15: zlib, -15: raw)."""
    found: Decompressor = _LIBRARY.decompressobj(wbits)
    return found
