"""An article's content as blocks, and the ground truth an extractor must produce from it.

The same block tree is rendered to HTML (``replica.body_html``) and reduced to text here,
so the page and ``Site.expected()`` cannot drift apart. ``body_text`` follows the
normalisation contract in ``crawler/article.py`` to the letter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_WS = re.compile(r"\s+")


def norm(text: str) -> str:
    return _WS.sub(" ", text).strip()


@dataclass(frozen=True)
class Run:
    """Inline text; ``tag`` is "" (plain), "strong", "em", "a" (with ``href``) or "br"."""

    text: str
    tag: str = ""
    href: str = ""


@dataclass(frozen=True)
class Para:
    runs: tuple[Run, ...]

    @classmethod
    def of(cls, text: str) -> Para:
        return cls((Run(text),))

    def text(self) -> str:
        return norm("".join(" " if r.tag == "br" else r.text for r in self.runs))


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class AttachmentLink:
    """A link to a PDF; ``suffix`` renders it as ``<a>title</a> (pdf)``, else the file name."""

    title: str
    href: str
    suffix: bool

    @property
    def label(self) -> str:
        return self.title if self.suffix else self.href.rsplit("/", 1)[1]


@dataclass(frozen=True)
class ListBlock:
    ordered: bool
    items: tuple[str | AttachmentLink, ...]


@dataclass(frozen=True)
class Quote:
    paras: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    caption: str | None
    head: tuple[str, ...] | None
    rows: tuple[tuple[str, ...], ...]  # a "\n" in a cell is rendered as <br />


@dataclass(frozen=True)
class Figure:
    src: str
    alt: str
    caption: str
    credit: str | None  # without the "Foto:" prefix


@dataclass(frozen=True)
class Script:
    code: str


@dataclass(frozen=True)
class Factbox:
    fid: int
    title: str
    blocks: tuple[Block, ...]


Block = Para | Heading | ListBlock | Quote | Table | Figure | Script | Factbox | AttachmentLink


@dataclass(frozen=True)
class ArticleContent:
    title: str
    lead: tuple[str, ...]
    lead_in_p: bool  # False: the ingress is bare text, as on hearing pages
    blocks: tuple[Block, ...]
    edits: tuple[int, ...] = field(default=())  # versions that edited this article


def body_blocks(blocks: tuple[Block, ...]) -> list[str]:
    out: list[str] = []
    for block in blocks:
        match block:
            case Para():
                out.append(block.text())
            case Heading():
                out.append(norm(block.text))
            case ListBlock():
                texts = [i for i in block.items if isinstance(i, str)]
                for n, item in enumerate(texts, 1):
                    out.append(f"{n}. {norm(item)}" if block.ordered else f"- {norm(item)}")
            case Quote():
                out.extend(norm(p) for p in block.paras)
            case Table():
                if block.caption:
                    out.append(norm(block.caption))
                rows = ([block.head] if block.head else []) + list(block.rows)
                out.extend(" | ".join(norm(c) for c in row) for row in rows)
            case Factbox():
                out.append(norm(block.title))
                out.extend(body_blocks(block.blocks))
    return out


def body_text(blocks: tuple[Block, ...]) -> str:
    return "\n\n".join(body_blocks(blocks))


def walk(blocks: tuple[Block, ...]) -> list[Block]:
    """Every block in document order, factbox contents and list attachments included."""
    out: list[Block] = []
    for block in blocks:
        out.append(block)
        if isinstance(block, Factbox):
            out.extend(walk(block.blocks))
        elif isinstance(block, ListBlock):
            out.extend(i for i in block.items if isinstance(i, AttachmentLink))
    return out


_NUMBER = re.compile(r"\d+")


def bump_number(text: str, delta: int) -> str | None:
    """``text`` with its first number changed by ``delta``, or None if it has no number."""
    match = _NUMBER.search(text)
    if not match:
        return None
    return f"{text[: match.start()]}{int(match.group()) + delta}{text[match.end() :]}"
