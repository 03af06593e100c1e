"""Sitemaps (sitemaps.org): sitemap indexes and urlsets, read with bounded work.

Plain Python, no Scrapy: the crawler (crawler/sitemaps.py) hands over a sitemap's body as
it was stored, content coding kept, and gets back its entries. Parsing streams: the body
is inflated in 64 KiB steps (``Content-Encoding: gzip`` and a ``.xml.gz`` file alike, both
at once too) into lxml's pull parser, and every finished ``<url>`` is dropped from the
tree at once, so memory stays flat however long the file. Work is bounded: at most
``max_bytes`` of XML (the protocol's limit is 50 MB uncompressed, so a gzip bomb stops
there) and ``max_urls`` entries. Whatever cannot be read is counted by reason in
``Sitemap.skipped``; what was read before a fault is kept.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from lxml import etree

MAX_BYTES = 50 * 1024 * 1024  # sitemaps.org: 50 MB uncompressed per file
MAX_URLS = 50_000  # sitemaps.org: 50,000 URLs per file
_STEP = 64 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
# Reasons that end reading a file early (the rest of it is skipped).
_CUT_OFF = frozenset({"too-large", "bad-gzip", "truncated-gzip"})
_W3C = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?"
)


class SitemapError(ValueError):
    """A sitemap body that cannot be read at all."""


@dataclass(frozen=True)
class Lastmod:
    """A ``<lastmod>``: W3C datetime, often only a date (then ``precise`` is False)."""

    when: datetime  # UTC; midnight for a date alone
    precise: bool

    @property
    def day(self) -> date:
        return self.when.date()


@dataclass(frozen=True)
class Entry:
    loc: str
    lastmod: Lastmod | None = None


@dataclass
class Sitemap:
    """One sitemap file: an index (``sitemaps`` are its entries) or a urlset (``urls``)."""

    kind: str = "unknown"  # "index", "urlset"; "other" XML, or "unknown" (nothing read)
    entries: list[Entry] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)

    @property
    def is_index(self) -> bool:
        return self.kind == "index"


def parse_lastmod(text: str | None) -> Lastmod | None:
    """A W3C datetime (``2026-11-20``, ``2026-11-20T15:00:00+01:00``, ...) in UTC, or None."""
    match = _W3C.fullmatch(text.strip()) if text else None
    if match is None:
        return None
    year, month, day, hour, minute, second, zone = match.groups()
    try:
        when = datetime.combine(date(int(year), int(month), int(day)), time(), UTC)
        if hour is None:
            return Lastmod(when, precise=False)
        when = when.replace(hour=int(hour), minute=int(minute), second=int(second or 0))
    except ValueError:  # 2026-02-30, 25:00
        return None
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        offset = sign * (int(digits[:2]) * 60 + int(digits[2:]))
        if abs(offset) > 18 * 60:
            return None
        when = datetime.fromtimestamp(when.timestamp() - offset * 60, UTC)
    return Lastmod(when, precise=True)


def parse_sitemap(
    body: bytes,
    content_encoding: str | None = None,
    *,
    max_bytes: int = MAX_BYTES,
    max_urls: int = MAX_URLS,
) -> Sitemap:
    """Read one sitemap file as stored (``body`` still in its ``content_encoding``)."""
    sitemap = Sitemap()
    # No entities expanded, nothing fetched, libxml2's own size limits kept.
    parser = etree.XMLPullParser(
        events=("start", "end"), resolve_entities=False, no_network=True, load_dtd=False,
        huge_tree=False, remove_comments=True, remove_pis=True,
    )  # fmt: skip
    try:
        for chunk in _inflated(body, content_encoding, max_bytes, sitemap.skipped):
            parser.feed(chunk)
            if _collect(parser, sitemap, max_urls):
                return sitemap
    except etree.XMLSyntaxError:
        sitemap.skipped["malformed"] += 1
        _collect(parser, sitemap, max_urls)
        return sitemap
    if _CUT_OFF & sitemap.skipped.keys():  # the size bound or bad compression: no close()
        return sitemap
    try:
        parser.close()
    except etree.XMLSyntaxError:  # what ended before the cut was collected: not the rest
        sitemap.skipped["truncated" if sitemap.kind != "unknown" else "malformed"] += 1
        return sitemap
    _collect(parser, sitemap, max_urls)
    if sitemap.kind in ("unknown", "other") and not sitemap.skipped:
        sitemap.skipped["not-a-sitemap"] += 1
    return sitemap


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _collect(parser: etree.XMLPullParser, sitemap: Sitemap, max_urls: int) -> bool:
    """Take the finished entries out of the parser; True once ``max_urls`` is reached."""
    for event, element in parser.read_events():
        name = _local(element.tag)
        if event == "start":
            if sitemap.kind == "unknown" and element.getparent() is None:
                sitemap.kind = {"sitemapindex": "index", "urlset": "urlset"}.get(name, "other")
            continue
        if sitemap.kind not in ("index", "urlset") or name not in ("url", "sitemap"):
            continue
        parent = element.getparent()
        if parent is None:
            continue
        if len(sitemap.entries) >= max_urls:
            sitemap.skipped["too-many-urls"] += 1
            return True
        entry = _entry(element, sitemap.skipped)
        if entry is not None:
            sitemap.entries.append(entry)
        element.clear()
        while element.getprevious() is not None:  # keep the tree from growing
            del parent[0]
    return False


def _entry(element: etree._Element, skipped: Counter[str]) -> Entry | None:
    loc = lastmod = None
    for child in element:
        name = _local(child.tag)
        if name == "loc":
            loc = (child.text or "").strip()
        elif name == "lastmod":
            lastmod = (child.text or "").strip()
    if not loc:
        skipped["no-loc"] += 1
        return None
    parsed = parse_lastmod(lastmod)
    if lastmod and parsed is None:
        skipped["bad-lastmod"] += 1
    return Entry(loc, parsed)


def _inflated(
    body: bytes, content_encoding: str | None, max_bytes: int, skipped: Counter[str]
) -> Iterator[bytes]:
    """The XML in steps: HTTP content coding, then a gzip file, each undone; at most
    ``max_bytes`` in all (a gzip bomb stops there, never inflated whole)."""
    coding = (content_encoding or "").strip().lower()
    stream: Iterator[bytes] = iter([body])
    if coding in ("gzip", "x-gzip", "deflate"):
        stream = _inflate(stream, 47 if coding != "deflate" else 15, skipped)
    stream = _maybe_gzip_file(stream, skipped)
    total = 0
    for chunk in stream:
        total += len(chunk)
        if total > max_bytes:
            skipped["too-large"] += 1
            yield chunk[: len(chunk) - (total - max_bytes)]
            return
        yield chunk


def _maybe_gzip_file(stream: Iterator[bytes], skipped: Counter[str]) -> Iterator[bytes]:
    first = next(stream, b"")
    rest = _chain(first, stream)
    if first.startswith(_GZIP_MAGIC):
        yield from _inflate(rest, 47, skipped)
    else:
        yield from rest


def _chain(first: bytes, stream: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from stream


def _inflate(stream: Iterator[bytes], wbits: int, skipped: Counter[str]) -> Iterator[bytes]:
    """Inflate lazily, ``_STEP`` bytes of output at a time (the caller stops when it has
    enough, so a bomb never expands past what it reads)."""
    inflater = zlib.decompressobj(wbits)
    try:
        for data in stream:
            pending = data
            while pending:
                out = inflater.decompress(pending, _STEP)
                pending = inflater.unconsumed_tail
                if out:
                    yield out
                if inflater.eof:
                    return
        while not inflater.eof and (out := inflater.decompress(b"", _STEP)):
            yield out
        if not inflater.eof:
            skipped["truncated-gzip"] += 1
    except zlib.error:
        skipped["bad-gzip"] += 1
