"""A walk over the gzip members of WARC files, chunk by chunk, shared by processes (the
rebuild's workers, verify and its child), where each skips the chunks another walked.

A member's end is found only by inflating it, so each extraction worker used to inflate
every member of the files to reach the chunks it claims (half of that for nothing with two
workers). Now a worker that walks chunk ``k`` publishes where chunk ``k + 1`` starts (a
file and an offset) in ``ChunkStarts``, a table in memory shared by the forked workers,
before it parses and prepares chunk ``k``'s records; a worker that claims a later chunk
seeks to the furthest start published at or before it instead of inflating its way there.

Why resuming at a published start gives what the whole walk gives: ``iter_members`` keeps
no state from one member to the next but a damaged region it is in, and a start is always
where a member it yields begins (a good one, or a damaged region as a whole), where that
state is empty: a damaged region begins where the walk was in none, and the good member
that ends one is good by itself (it starts a record, which is all the state asks of it).
So the members from a start on are the same whether the walk began there or at the first
file's first byte, and every worker that publishes a chunk's start publishes the same one.
"""

from __future__ import annotations

import mmap
from collections.abc import Generator
from pathlib import Path

from archive.warc.members import Member, iter_members

# A gzip member is at least 20 bytes (header 10, an empty deflate block, trailer 8) and a
# damaged region at least 1 byte before the next good member: a file of n bytes holds at
# most n / 10 + 1 members.
_MEMBER_BYTES = 10
# The most chunks the table holds (16 MiB of address space, touched only where written):
# any later chunk is walked, as if not yet published.
_MOST = 1 << 20
_SLOT = 8  # bytes of a value, and of its complement
_MASK = (1 << 64) - 1
_OFFSET_BITS = 40  # a WARC file up to 1 TiB; the file's index above that

# Where a chunk starts: the index of its file among the walked paths and the offset in it.
Start = tuple[int, int]


class ChunkStarts:
    """Where each chunk of ``chunk`` members starts, in memory shared with the processes
    forked after it is made (an anonymous ``MAP_SHARED`` map).

    Entry ``k`` is two 8-byte slots: the start packed (plus one, so that zero is unknown)
    and its complement; a reader takes it only when the two agree. That is safe without
    locks or memory ordering on any processor (x86-64 and ARM alike): every writer of an
    entry writes the same bytes (the walk is the same in every worker), so each byte a
    reader sees is either still zero or its final value, however the copy was split or
    reordered; and a byte of the value agrees with the complement's byte only if both are
    final, since a final byte and zero are complements only where the final byte is 0xFF
    and the other's final byte is then zero anyway. A half-written entry reads as unknown,
    and unknown only means walking, as every worker did before."""

    def __init__(self, paths: list[Path], chunk: int) -> None:
        size = sum(path.stat().st_size for path in paths)
        self.count = min(size // (_MEMBER_BYTES * chunk) + len(paths) + 1, _MOST)
        self._map = mmap.mmap(-1, self.count * 2 * _SLOT)

    def publish(self, chunk: int, start: Start) -> None:
        if not 0 < chunk < self.count:  # chunk 0 starts at the beginning: never looked up
            return
        index, offset = start
        value = (index << _OFFSET_BITS | offset) + 1
        place = chunk * 2 * _SLOT
        self._map[place : place + _SLOT] = value.to_bytes(_SLOT, "little")
        self._map[place + _SLOT : place + 2 * _SLOT] = (~value & _MASK).to_bytes(_SLOT, "little")

    def get(self, chunk: int) -> Start | None:
        """Where chunk ``chunk`` starts, or None when no walk has published it (yet)."""
        if not 0 < chunk < self.count:
            return None
        place = chunk * 2 * _SLOT
        complement = int.from_bytes(self._map[place + _SLOT : place + 2 * _SLOT], "little")
        value = int.from_bytes(self._map[place : place + _SLOT], "little")
        if value != ~complement & _MASK or value == 0:
            return None
        value -= 1
        return value >> _OFFSET_BITS, value & ((1 << _OFFSET_BITS) - 1)

    def close(self) -> None:
        self._map.close()


class ChunkWalk:
    """One worker's walk over the members of ``paths`` (numbered across the files, ``chunk``
    to a chunk), asked for chunks in rising order; it publishes each chunk's start it walks
    to in ``starts`` and skips to the furthest one published before a chunk it wants."""

    def __init__(self, paths: list[Path], starts: ChunkStarts, chunk: int) -> None:
        self.paths = paths
        self.starts = starts
        self.chunk = chunk
        self._at = 0  # the chunk whose first member the walk yields next
        self._walk = _walk(paths, (0, 0))

    def members(self, wanted: int) -> list[tuple[int, Member]] | None:
        """The members of chunk ``wanted`` with the index of their file; None when the
        files end before it."""
        if wanted < self._at:
            raise ValueError(f"chunk {wanted} is behind the walk (at chunk {self._at})")
        for ahead in range(wanted, self._at, -1):
            start = self.starts.get(ahead)
            if start is not None:
                self._walk.close()
                self._walk, self._at = _walk(self.paths, start), ahead
                break
        while self._at < wanted:
            if len(self._next()) < self.chunk:
                return None
        found = self._next()
        return found or None

    def _next(self) -> list[tuple[int, Member]]:
        """The members of chunk ``_at`` (fewer than ``chunk`` at the files' end); the next
        chunk's start is published before anything else is done with them."""
        found = [each for _, each in zip(range(self.chunk), self._walk, strict=False)]
        self._at += 1
        if len(found) == self.chunk:
            index, member = found[-1]
            self.starts.publish(self._at, (index, member.offset + member.length))
        return found

    def close(self) -> None:
        self._walk.close()


def _walk(paths: list[Path], start: Start) -> Generator[tuple[int, Member], None, None]:
    """Every member of ``paths`` from ``start`` on, with the index of its file. A start at
    a file's end (the last member of a chunk ended it) goes on with the next file."""
    first, offset = start
    for index in range(first, len(paths)):
        with open(paths[index], "rb") as fh:
            fh.seek(offset if index == first else 0)
            for member in iter_members(fh):
                yield index, member
