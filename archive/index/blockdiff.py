"""A revision's text as blocks, and the diff of two revisions block by block: what the web
interface renders as an article and as a diff.

``body`` holds blocks separated by a blank line (``archive.model.Article``): a paragraph or
heading, a list item (``- `` or ``1. ``), a table row (cells joined by `` | ``). ``blocks``
groups them back into paragraphs, lists and tables. ``block_diff`` pairs the blocks of two
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
    for text in split_blocks(body):
        kind = block_kind(text)
        if kind == "p" and headings and text in headings:
            grouped.append(Block("h", (text,), level=headings[text]))
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
    same, ``cells`` holds one word diff per cell instead); ``kind`` is the newer block's
    kind (the older one's for a deleted block)."""

    op: str
    kind: str
    old: str | None
    new: str | None
    spans: tuple[Span, ...] = ()
    cells: tuple[tuple[Span, ...], ...] = ()


@dataclass(frozen=True)
class Hunk:
    """A run of rows: ``folded`` when it is unchanged text away from every change."""

    rows: list[Row] = field(default_factory=list)
    folded: bool = False


def block_diff(old: str, new: str) -> list[Row]:
    """The blocks of ``new`` against those of ``old``, in reading order."""
    a, b = split_blocks(old), split_blocks(new)
    matcher = difflib.SequenceMatcher(
        None, [" ".join(x.split()) for x in a], [" ".join(x.split()) for x in b], autojunk=False
    )
    rows: list[Row] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            rows += [_row("equal", x, x) for x in b[j1:j2]]
            continue
        rows += _pair(a[i1:i2], b[j1:j2])
    return rows


def _pair(olds: list[str], news: list[str]) -> list[Row]:
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


def _alike(old: str, new: str) -> bool:
    if block_kind(old) != block_kind(new):
        return False
    matcher = difflib.SequenceMatcher(None, old.split(), new.split(), autojunk=False)
    return matcher.ratio() >= MIN_LIKENESS


def _row(op: str, old: str | None, new: str | None) -> Row:
    kind = block_kind(new if new is not None else old or "")
    old_kind = block_kind(old) if old is not None else kind
    old_text = _item(old, old_kind) if old is not None else ""
    new_text = _item(new, kind) if new is not None else ""
    if op == "equal":  # no word diff to run: the same text on both sides
        if kind == "table":
            same: tuple[tuple[Span, ...], ...] = tuple(
                (Span("equal", cell, 0),) for cell in new_text.split(CELL)
            )
            return Row(op, kind, old, new, (), same)
        return Row(op, kind, old, new, (Span("equal", new_text, 0),))
    if kind == "table" and old_kind == "table":
        old_cells = old_text.split(CELL) if old is not None else []
        new_cells = new_text.split(CELL) if new is not None else []
        if op != "changed" or len(old_cells) == len(new_cells):
            width = max(len(old_cells), len(new_cells))
            old_cells += [""] * (width - len(old_cells))
            new_cells += [""] * (width - len(new_cells))
            cells = tuple(word_spans(x, y) for x, y in zip(old_cells, new_cells, strict=True))
            return Row(op, kind, old, new, (), cells)
    return Row(op, kind, old, new, word_spans(old_text, new_text))


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
