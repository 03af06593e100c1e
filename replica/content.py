"""An article's content as blocks, and the ground truth an extractor must produce from it.

The same block tree is rendered to HTML (``replica.body_html``) and reduced to text here,
so the page and ``Site.expected()`` cannot drift apart. ``read`` follows the text
contract in ``archive.model.Article`` to the letter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_WS = re.compile(r"\s+")


def norm(text: str) -> str:
    return _WS.sub(" ", text).strip()


def lines(text: str) -> str:
    """Text whose line breaks are ``"\n"``: each line normalised, empty lines dropped."""
    return "\n".join(line for line in map(norm, text.split("\n")) if line)


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
        """One line per ``<br>``-separated line (a newline in a run is only whitespace)."""
        runs = ("\n" if r.tag == "br" else r.text.replace("\n", " ") for r in self.runs)
        return lines("".join(runs))


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class AttachmentLink:
    """A link to a document; ``suffix`` renders it as ``<a>title</a> (pdf)`` (its extension),
    else the file name."""

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


Listed = tuple[AttachmentLink, str | None]  # an attachment link and the heading it is under


def read(blocks: tuple[Block, ...]) -> tuple[list[str], list[Listed]]:
    """The body blocks of ``blocks`` and their attachment links, in document order.

    A heading opens a section that runs to the next heading of its level or above, or to
    the end of ``blocks``; a factbox's title heads the factbox. A section's links are
    listed under its heading (or an inner one's); a heading whose section holds links and
    no text is dropped, and then heads its links above the inner headings dropped before.
    """
    texts: list[str] = []
    links: list[Listed] = []
    sections: list[tuple[int, int, int]] = []  # (level, its text's index, links before it)

    def head(before: int, heading: str, dropped: bool) -> None:
        for i, (link, under) in enumerate(links[before:], before):
            if under is None or dropped:
                links[i] = (link, heading if under is None else f"{heading}\n{under}")

    def close(level: int) -> None:
        while sections and sections[-1][0] >= level:
            _, at, before = sections.pop()
            if len(links) > before:
                heading, dropped = texts[at], at == len(texts) - 1
                if dropped:
                    del texts[at]
                head(before, heading, dropped)

    for block in blocks:
        match block:
            case Para():
                if text := block.text():
                    texts.append(text)
            case Heading():
                close(block.level)
                sections.append((block.level, len(texts), len(links)))
                texts.append(norm(block.text))
            case ListBlock():
                items = [i for i in block.items if isinstance(i, str)]
                for n, item in enumerate(items, 1):
                    texts.append(f"{n}. {norm(item)}" if block.ordered else f"- {norm(item)}")
                links += [(i, None) for i in block.items if isinstance(i, AttachmentLink)]
            case AttachmentLink():
                links.append((block, None))
            case Quote():
                texts.extend(norm(p) for p in block.paras)
            case Table():
                if block.caption:
                    texts.append(norm(block.caption))
                rows = ([block.head] if block.head else []) + list(block.rows)
                texts.extend(" | ".join(lines(c) for c in row) for row in rows)
            case Factbox():
                inner, inner_links = read(block.blocks)
                title, before = norm(block.title), len(links)
                texts += [title, *inner] if inner or not inner_links else []
                links += inner_links
                head(before, title, dropped=not inner)
    close(0)
    return texts, links


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
