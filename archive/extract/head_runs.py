"""Whether a head's items all match (head.py's ``_HEAD``), its template's bytes checked once.

Of an article page's ~7.5 kB head, ~4.5 kB are the template's own bytes, the same on every
page of a language (scripts, icon links, most metas); matching the head's expression over
them was ~60% of its ~40 µs a page. Each thread keeps, for each head prologue (the doctype,
``<html>`` and ``<head>`` tags: the language), runs of items two heads shared; a later head
with that prologue is matched only between the runs it holds.

``_HEAD`` is a prologue, then a possessive loop over one atomic group of alternatives (an
item: text, a comment, a meta, ...). At an item's start the loop's state is its position
alone: from there it does on any subject what it does from there on another that holds the
same bytes as far as its attempts read. Those reads are bounded, on any subject, for an
item that matches from ``q`` to ``e``:

1. An item starting with "<" reads nothing at or after ``e``. It ends with a literal ">"
   after which nothing is read, every run and optional part in it is followed by more of
   it, and each alternative tried before it fails within the literal start it shares with
   the one that matches (the only longer shared start, ``<script type="application/ld+json">``
   before ``<script`` with attributes none of which is ``type=``, fails within that tag).
2. A text item (the first alternative: none is tried before it) reads ``e`` too, where its
   run stops: at a "<", a control character or the subject's end.

A run is a stretch of a valid head from an item start at a "<" to an item start at a "<",
kept with that last "<". Where another head holds a run's bytes at an item start, the loop
goes through the run's items as in the head it came from (by 1 and 2 they read only the
run's bytes) and reaches the "<" after it. A run found at ``e`` past where the walk stands
(an item start) is at an item start if the loop from there, on the subject ended at ``e``
(``endpos``), reaches ``e``: by 1 no item on the way read at ``e`` but a text item ending
there, whose run stops at the "<" as at the end. Anything else (a run not found, a loop
stopping short) goes on with the loop to the end of the head, as the whole expression
does: the verdict is the same on every head; the runs only choose what is not read twice.
tests/extract/test_head_runs.py compares it with ``_HEAD.fullmatch`` over random changes of
real and replica heads, and at and beside each end of each run.
"""

from __future__ import annotations

import difflib
import re
import threading
from itertools import pairwise
from typing import TypeVar

_KEPT = 8  # prologues kept a thread: the languages, a few page types
_SHORTEST = 64  # a shorter run costs about what matching its bytes does
_NEEDLE = 16  # a run is found by its first bytes, then compared whole
_SHRINKS = 8  # a prologue's runs cut down at most this often: each costs ~1 ms
_LOCAL = threading.local()
_Kept = TypeVar("_Kept")


class KnownHeads:
    """Runs of the heads a thread matched, by prologue; the first head of each waits for
    a second to be compared with. Runs only shrink: a valid head that misses some has
    them cut down to the items it shares (a few times a prologue at most), so that runs
    learnt from two pages alike (a listing's first pages) become what all pages share."""

    def __init__(self, item: re.Pattern[bytes], items: re.Pattern[bytes], kept: int = _KEPT):
        self.item = item  # one item: _HEAD's atomic group
        self.items = items  # its possessive loop
        self.kept = kept
        self.runs: dict[bytes, tuple[tuple[bytes, bytes], ...]] = {}  # (run, its first bytes)
        self.waiting: dict[bytes, bytes] = {}
        self.shrinks: dict[bytes, int] = {}  # those left a prologue

    def match(self, head: bytes, start: int) -> bool:
        """Whether the loop from ``start``, the end of the prologue, reaches the head's end."""
        runs = self.runs.get(head[:start])
        if runs is None:
            matched = self.items.match(head, start)
            if matched is not None and matched.end() == len(head):
                self._learn(head, start)
                return True
            return False
        at = start
        missed = False
        for run, needle in runs:
            found = head.find(needle, at)
            while found >= 0 and not head.startswith(run, found):
                found = head.find(needle, found + 1)
            if found < 0:
                missed = True
                continue
            if found != at:
                between = self.items.match(head, at, found)
                if between is None or between.end() != found:
                    break
            at = found + len(run) - 1
        matched = self.items.match(head, at)
        if matched is None or matched.end() != len(head):
            return False
        if missed and self.shrinks.get(head[:start], 0):
            self._shrink(head, start)
        return True

    def _learn(self, head: bytes, start: int) -> None:
        prologue = head[:start]
        other = self.waiting.pop(prologue, None)
        if other is None or not self.kept:
            self.waiting[prologue] = head
            _trim(self.waiting, self.kept)
            return
        self._keep(prologue, self._shared(head, start, self._items(other, start)))
        self.shrinks.pop(prologue, None)
        self.shrinks[prologue] = _SHRINKS
        _trim(self.shrinks, self.kept)

    def _shrink(self, head: bytes, start: int) -> None:
        prologue = head[:start]
        self.shrinks[prologue] -= 1
        items = self._items(head, start)
        self._keep(
            prologue, [cut for run, _ in self.runs[prologue] for cut in self._shared(run, 0, items)]
        )

    def _keep(self, prologue: bytes, runs: list[bytes]) -> None:
        self.runs[prologue] = tuple((run, run[:_NEEDLE]) for run in runs)
        _trim(self.runs, self.kept)

    def _shared(self, source: bytes, start: int, other: list[bytes]) -> list[bytes]:
        """The stretches of ``source`` (items from ``start``: a head, or a run) made of
        items ``other`` holds in the same order, from a "<" to a "<", each with that "<"."""
        starts = self._item_starts(source, start)
        items = _between(source, starts)
        matcher = difflib.SequenceMatcher(None, items, other, autojunk=False)
        runs = []
        for first, _, size in matcher.get_matching_blocks():
            low, high = first, first + size
            while low < high and source[starts[low] : starts[low] + 1] != b"<":
                low += 1
            while high > low and source[starts[high] : starts[high] + 1] != b"<":
                high -= 1
            if starts[high] - starts[low] >= _SHORTEST:
                runs.append(source[starts[low] : starts[high] + 1])
        return runs

    def _items(self, head: bytes, start: int) -> list[bytes]:
        """The items the loop matches from ``start``."""
        return _between(head, self._item_starts(head, start))

    def _item_starts(self, head: bytes, start: int) -> list[int]:
        """Where each item the loop matches from ``start`` starts, and where it stops (a
        head's end; the "<" that ends a run)."""
        starts = [start]
        while (item := self.item.match(head, starts[-1])) is not None:
            starts.append(item.end())
        return starts


def _between(source: bytes, starts: list[int]) -> list[bytes]:
    """The stretches of ``source`` from each of ``starts`` to the next."""
    return [source[a:b] for a, b in pairwise(starts)]


def _trim(kept: dict[bytes, _Kept], most: int) -> None:
    while len(kept) > most:
        del kept[next(iter(kept))]


def known_heads(item: re.Pattern[bytes], items: re.Pattern[bytes]) -> KnownHeads:
    """This thread's known heads (a reindex worker's, the crawl's indexer's)."""
    known: KnownHeads | None = getattr(_LOCAL, "heads", None)
    if known is None:
        known = _LOCAL.heads = KnownHeads(item, items)
    return known
