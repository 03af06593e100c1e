"""The article: what extraction produces from one archived article page."""

from __future__ import annotations

from dataclasses import dataclass, field


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


@dataclass
class Article:
    """Clean, chrome-free content of one regjeringen.no article page.

    Text normalisation (the contract between the replica's ground truth and
    extraction): inside a block, runs of whitespace (including ``<br>``) become
    one space and the block is stripped. ``body`` is the blocks of
    ``.article-body`` in document order joined by ``"\n\n"``:

    - ``p``, ``h2``-``h4``, ``blockquote p``: the text as is;
    - ``ul > li``: ``"- " + text``; ``ol > li``: ``"1. "``, ``"2. "`` ... + text;
    - a table: its ``caption`` (if any) as one block, then one block per row,
      the cell texts joined by ``" | "``;
    - a factbox: its title as one block, then its content blocks by the rules above.

    Not in ``body``: images and their captions/credits (in ``images``), a list
    item or paragraph that is only an attachment link (in ``attachments``),
    scripts, and every piece of page chrome. ``lead`` is the ingress, its
    paragraphs joined by ``"\n\n"``.
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
