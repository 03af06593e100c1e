"""A revision's text as blocks, and the diff of two revisions block by block: what the web
interface renders as an article and as a diff.

``body`` holds blocks separated by a blank line (``archive.model.Article``): a paragraph or
heading (told apart only by the archived page: ``archive.extract.headings``), a list item
(``- `` or ``1. ``), a table row (cells joined by `` | ``). ``blocks`` groups them back into
paragraphs, headings, lists and tables. ``block_diff`` pairs the blocks of two
revisions (``difflib`` over whole blocks), diffs each changed pair word by word
(``archive.index.diff.word_spans``), a table row cell by cell, and ``hunks`` folds the
unchanged runs away from the changes, keeping ``context`` blocks on each side.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from archive.index.diff import Span, word_spans

CELL = " | "
_ORDERED = re.compile(r"^(\d+)\. ")


@dataclass(frozen=True)
class Block:
    """``kind`` is "p", "h" (a heading), "ul", "ol" or "table"; ``items`` its lines: a
    paragraph or heading has one, a list one per item (without its marker), a table one per
    row (cells in ``rows``)."""

    kind: str
    items: tuple[str, ...]
    start: int = 1  # an ordered list's first number
    level: int = 0  # a heading's (2-6), for kind "h"

    @property
    def rows(self) -> list[list[str]]:
        return [item.split(CELL) for item in self.items]


def block_kind(text: str) -> str:
    if text.startswith("- "):
        return "ul"
    if _ORDERED.match(text):
        return "ol"
    return "table" if CELL in text else "p"


def _item(text: str, kind: str) -> str:
    if kind == "ul":
        return text[2:]
    if kind == "ol":
        return _ORDERED.sub("", text, count=1)
    return text


def split_blocks(body: str) -> list[str]:
    return [block for block in (body or "").split("\n\n") if block.strip()]


def blocks(body: str, headings: dict[str, int] | None = None) -> list[Block]:
    """The body as paragraphs, headings (the blocks ``headings`` names, text → level), lists
    and tables (consecutive items and rows grouped)."""
    grouped: list[Block] = []
    for block in _texts(body, headings):
        text, kind = block.text, block.kind
        if kind == "h":
            grouped.append(Block("h", (text,), level=block.level))
            continue
        last = grouped[-1] if grouped else None
        if kind != "p" and last is not None and last.kind == kind:
            grouped[-1] = Block(kind, (*last.items, _item(text, kind)), last.start)
            continue
        match = _ORDERED.match(text)
        grouped.append(Block(kind, (_item(text, kind),), int(match.group(1)) if match else 1))
    return grouped


@dataclass(frozen=True)
class Row:
    """One block of the diff: ``op`` is "equal", "changed", "deleted" or "inserted".

    ``spans`` is the word diff of the block (for a table row whose cell count stayed the
    same, ``cells`` holds one word diff per cell instead); ``kind`` and ``level`` are the
    newer block's (the older one's for a deleted block): "h" with its level (2-6) for a
    heading, so that a heading stays one on both sides of the diff."""

    op: str
    kind: str
    old: str | None
    new: str | None
    spans: tuple[Span, ...] = ()
    cells: tuple[tuple[Span, ...], ...] = ()
    level: int = 0

    @property
    def number(self) -> str:
        """An ordered list item's number as the newer side writes it (the older one's for a
        deleted item); empty for any other block."""
        match = _ORDERED.match(self.new if self.new is not None else self.old or "")
        return match.group(1) if match and self.kind == "ol" else ""


@dataclass(frozen=True)
class Hunk:
    """A run of rows: ``folded`` when it is unchanged text away from every change."""

    rows: list[Row] = field(default_factory=list)
    folded: bool = False


@dataclass(frozen=True)
class _Text:
    """A block of one side: its text, its kind, and its level when it is a heading."""

    text: str
    kind: str
    level: int = 0

    @property
    def key(self) -> tuple[str, str]:
        """What makes two blocks the same: kind and text, whitespace aside (a paragraph
        that became a heading has changed)."""
        return self.kind, " ".join(self.text.split())


def _texts(body: str, headings: dict[str, int] | None) -> list[_Text]:
    found = []
    for text in split_blocks(body):
        kind = block_kind(text)
        if kind == "p" and headings and text in headings:
            found.append(_Text(text, "h", headings[text]))
        else:
            found.append(_Text(text, kind))
    return found


def block_diff(
    old: str,
    new: str,
    old_headings: dict[str, int] | None = None,
    new_headings: dict[str, int] | None = None,
) -> list[Row]:
    """The blocks of ``new`` against those of ``old``, in reading order; the blocks that
    ``old_headings`` and ``new_headings`` name (text → level, as ``blocks`` takes them) are
    headings on their side."""
    a, b = _texts(old, old_headings), _texts(new, new_headings)
    matcher = difflib.SequenceMatcher(None, [x.key for x in a], [x.key for x in b], autojunk=False)
    rows: list[Row] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            rows += [_row("equal", x, x) for x in b[j1:j2]]
            continue
        rows += _pair(a[i1:i2], b[j1:j2])
    return rows


def _pair(olds: list[_Text], news: list[_Text]) -> list[Row]:
    """Replaced blocks: a block is paired with the next one of the other side when they are
    of one kind and alike (``MIN_LIKENESS``); the others are deleted or inserted."""
    rows: list[Row] = []
    i = j = 0
    while i < len(olds) and j < len(news):
        if _alike(olds[i], news[j]):
            rows.append(_row("changed", olds[i], news[j]))
            i, j = i + 1, j + 1
        elif any(_alike(olds[i], later) for later in news[j + 1 : j + 1 + _LOOKAHEAD]):
            rows.append(_row("inserted", None, news[j]))
            j += 1
        else:
            rows.append(_row("deleted", olds[i], None))
            i += 1
    rows += [_row("deleted", x, None) for x in olds[i:]]
    rows += [_row("inserted", None, y) for y in news[j:]]
    return rows


MIN_LIKENESS = 0.3  # share of words two blocks have in common to count as one, edited
_LOOKAHEAD = 5  # blocks looked ahead for the match of a block before calling it deleted


def _alike(old: _Text, new: _Text) -> bool:
    if old.kind != new.kind:
        return False
    matcher = difflib.SequenceMatcher(None, old.text.split(), new.text.split(), autojunk=False)
    return matcher.ratio() >= MIN_LIKENESS


def _row(op: str, old: _Text | None, new: _Text | None) -> Row:
    shown = new if new is not None else old
    assert shown is not None, "a row has a side"
    kind, level = shown.kind, shown.level
    old_raw, new_raw = (old.text if old else None), (new.text if new else None)
    old_text = _item(old.text, old.kind) if old is not None else ""
    new_text = _item(new.text, kind) if new is not None else ""
    if op == "equal":  # no word diff to run: the same text on both sides
        if kind == "table":
            same: tuple[tuple[Span, ...], ...] = tuple(
                (Span("equal", cell, 0),) for cell in new_text.split(CELL)
            )
            return Row(op, kind, old_raw, new_raw, (), same)
        return Row(op, kind, old_raw, new_raw, (Span("equal", new_text, 0),), level=level)
    if kind == "table" and (old is None or old.kind == "table"):
        old_cells = old_text.split(CELL) if old is not None else []
        new_cells = new_text.split(CELL) if new is not None else []
        if op != "changed" or len(old_cells) == len(new_cells):
            width = max(len(old_cells), len(new_cells))
            old_cells += [""] * (width - len(old_cells))
            new_cells += [""] * (width - len(new_cells))
            cells = tuple(word_spans(x, y) for x, y in zip(old_cells, new_cells, strict=True))
            return Row(op, kind, old_raw, new_raw, (), cells)
    return Row(op, kind, old_raw, new_raw, word_spans(old_text, new_text), level=level)


def hunks(rows: list[Row], context: int = 1) -> list[Hunk]:
    """The rows in runs; unchanged rows more than ``context`` away from a change fold."""
    changed = [i for i, row in enumerate(rows) if row.op != "equal"]
    shown = {
        j for i in changed for j in range(max(0, i - context), min(len(rows), i + context + 1))
    }
    found: list[Hunk] = []
    for i, row in enumerate(rows):
        folded = i not in shown
        if not found or found[-1].folded != folded:
            found.append(Hunk([], folded))
        found[-1].rows.append(row)
    return found
