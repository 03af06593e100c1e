"""What passes between the stages: the exchange on the wire, its capture in a WARC
file, and the article extracted from it.

An *exchange* is one HTTP request and its response as they crossed the wire; a
*capture* is where that response now lives in a WARC file; an *article* is the clean,
chrome-free content that extraction produces from an archived article page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import AnyStr

# HTTP header lines as they crossed the wire: original case, order and repeats kept.
Headers = tuple[tuple[bytes, bytes], ...]


def find_header(headers: Iterable[tuple[AnyStr, AnyStr]], name: str) -> str | None:
    """The first value of header ``name``, in any case; the one lookup every stage uses.

    HTTP header lines (bytes) decode as Latin-1, as HTTP/1.1 allows; WARC and replica
    header lines are already text.
    """
    wanted = name.lower()
    wanted_bytes = wanted.encode("latin-1")
    size = len(wanted_bytes)
    # The writer asks this several times for every record: a name of another length
    # (bytes.lower keeps the length) is passed over before any lower() or type test.
    for key, value in headers:
        if isinstance(key, bytes):
            if len(key) == size and isinstance(value, bytes) and key.lower() == wanted_bytes:
                return value.decode("latin-1")
        elif isinstance(key, str) and isinstance(value, str) and key.lower() == wanted:
            return value
    return None


@dataclass(frozen=True)
class Exchange:
    """One HTTP request/response pair, byte-faithful to what was on the wire.

    ``request_head`` is the request line and headers exactly as sent, ending in
    ``\\r\\n\\r\\n``. ``status_line`` is e.g. ``b"HTTP/1.1 200 OK"`` and
    ``response_headers`` are the header lines as received (original case and
    order, including ``Transfer-Encoding``/``Connection``). ``body`` is the
    entity body: transfer coding removed, content coding (gzip) kept.
    """

    url: str
    request_head: bytes
    status_line: bytes
    response_headers: Headers
    body: bytes
    fetched_at: datetime
    ip_address: str | None = None
    request_body: bytes = b""  # sent after request_head, e.g. a POST form; empty for GET

    @property
    def status(self) -> int:
        return int(self.status_line.split(b" ", 2)[1])

    def header(self, name: str) -> str | None:
        return find_header(self.response_headers, name)


@dataclass(frozen=True)
class Capture:
    """A response (or revisit) record that has been written to a WARC file."""

    url: str
    fetched_at: datetime
    status: int
    record_type: str  # "response" or "revisit"
    record_id: str  # "<urn:uuid:...>"
    warc_file: str  # file name (no directory), without the ".open" suffix
    offset: int  # of the response/revisit record's gzip member
    length: int  # compressed length of that member
    payload_digest: str  # "sha1:BASE32"
    content_type: str | None = None
    refers_to: str | None = None  # record id of the original, for revisits


@dataclass(frozen=True)
class Image:
    caption: str
    credit: str | None = None  # the "Foto: ..." credit, without the "Foto:" prefix
    src: str | None = None
    alt: str | None = None


@dataclass(frozen=True)
class Attachment:
    title: str
    url: str
    # The heading the page lists it under (a factbox's title, an h2-h4), if any. When that
    # heading left the body (its section held nothing but attachments), so did any heading
    # above it with nothing else under it (a factbox's pre-title, an h2 over an h3):
    # then all of them, outermost first, one a line.
    heading: str | None = None


@dataclass
class Article:
    """Clean, chrome-free content of one regjeringen.no article page.

    Text normalisation (the contract between the replica's ground truth and
    extraction): inside a block, runs of whitespace become one space and a line break
    in the page (``<br>``) becomes ``"\n"``; each line is stripped and empty lines are
    dropped, so a block never holds ``"\n\n"`` nor starts or ends with ``"\n"``.
    ``body`` is the blocks of ``.article-body`` in document order joined by ``"\n\n"``:

    - ``p``, ``h2``-``h4``, ``blockquote p``: the text as is;
    - ``ul > li``: ``"- " + text``; ``ol > li``: ``"1. "``, ``"2. "`` ... + text;
    - a table: its ``caption`` (if any) as one block, then one block per row,
      the cell texts joined by ``" | "``;
    - a factbox: its title as one block, then its content blocks by the rules above.

    Not in ``body``: images and their captions/credits (in ``images``), a list
    item or paragraph that is only an attachment link (in ``attachments``), a
    heading whose section holds nothing but such links (its text is their
    ``heading``), scripts, and every piece of page chrome. A heading's section runs
    to the next heading of its level or above, or to the end of the element that
    holds the heading: a factbox's title heads the factbox. ``lead`` is the ingress,
    its paragraphs joined by ``"\n\n"``. ``title`` and the other one-line fields
    (type, ministries, topics, captions, attachment titles) turn a ``<br>`` into a space.

    Revisions stored under the previous contract (``<br>`` a space, an attachment
    section's heading kept in the body) are not changed by it: the content hash ignores
    line breaks, and ``archive.index.normalise.same_but_for_headings`` the headings.
    """

    id: int
    url: str
    lang: str  # "nb", "nn", "en" (or "se")
    title: str
    lead: str
    body: str
    published: str | None  # YYYY-MM-DD
    type: str | None  # the label as shown: "Pressemelding", "Nyhet", "Press release", ...
    ministries: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    last_modified: str | None = None  # the page's <meta name="last-modified">, as given
    revised: str | None = None  # <meta name="revised">
    extracted_by: str = "template"  # "template" or "fallback"
