"""archive/warc/chunks.py: a walk that skips to published chunk starts gives the members
the whole walk gives, chunk by chunk, over damaged and cut files, and inflates fewer."""

from __future__ import annotations

import gzip
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import pytest

import archive.warc.chunks as chunks
from archive.warc.chunks import ChunkStarts, ChunkWalk
from archive.warc.members import Member, iter_members


def _record(rng: random.Random, size: int) -> bytes:
    return b"WARC/1.1\r\nWARC-Type: response\r\n\r\n" + rng.randbytes(size)


def _files(tmp_path: Path) -> list[Path]:
    """Four files: good members, damaged ones (one region holding a whole gzip member that
    is no record, as a damaged record's stored HTTP body would), an empty file, and files
    cut in the middle of a member."""
    rng = random.Random(7)

    def good(count: int) -> bytes:
        return b"".join(gzip.compress(_record(rng, rng.randrange(50, 9000))) for _ in range(count))

    broken = bytearray(gzip.compress(_record(rng, 5000)))
    broken[40:90] = bytes(50)
    inner = gzip.compress(b"HTTP/1.1 200 OK\r\n\r\n" + rng.randbytes(300))  # not a record
    stored_body = b"\x1f\x8b\x08garbage" + inner + rng.randbytes(40)
    cut = gzip.compress(_record(rng, 3000))
    contents = [
        good(5) + bytes(broken) + good(2) + stored_body + good(1) + b"\x00\x01" + good(4),
        b"",
        good(3) + cut[: len(cut) // 2],  # a file that ends inside a member
        bytes(broken) + good(6) + stored_body + cut[:30],
    ]
    paths = []
    for number, content in enumerate(contents):
        paths.append(tmp_path / f"f{number}.warc.gz")
        paths[-1].write_bytes(content)
    return paths


def _whole(paths: list[Path]) -> list[tuple[int, Member]]:
    found = []
    for index, path in enumerate(paths):
        with open(path, "rb") as fh:
            found += [(index, member) for member in iter_members(fh)]
    return found


@dataclass
class Tally:
    """How many members each walk inflated; ``walking``: the walk at work now."""

    walking: int = 0
    counts: Counter[int] = field(default_factory=Counter)


@pytest.fixture
def inflated(monkeypatch: pytest.MonkeyPatch) -> Tally:
    tally = Tally()

    def counting(fh: BinaryIO, *, resync: bool = True) -> Iterator[Member]:
        for member in iter_members(fh, resync=resync):
            tally.counts[tally.walking] += 1
            yield member

    monkeypatch.setattr(chunks, "iter_members", counting)
    return tally


def test_the_files_hold_every_kind_of_damage(tmp_path: Path) -> None:
    whole = _whole(_files(tmp_path))
    errors = {member.error.split(" (")[0] for _, member in whole if member.error}
    assert errors == {"damaged gzip member", "gzip member is cut short: the file ends inside it"}
    assert sum(member.data is None for _, member in whole) == 6
    # The gzip member inside a damaged region is part of it, not a member of its own.
    assert all(member.data is None or member.data.startswith(b"WARC/") for _, member in whole)
    assert {index for index, _ in whole} == {0, 2, 3}  # the empty file yields nothing


def test_a_walk_resumed_at_any_member_gives_the_rest_of_the_whole_walk(tmp_path: Path) -> None:
    paths = _files(tmp_path)
    whole = _whole(paths)
    for number, (index, member) in enumerate(whole):
        assert list(chunks._walk(paths, (index, member.offset))) == whole[number:], number
        end = (index, member.offset + member.length)  # a start at a file's end, too
        assert list(chunks._walk(paths, end)) == whole[number + 1 :], number


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 7, 64])
def test_two_walks_taking_turns_give_every_chunk_and_inflate_less(
    tmp_path: Path, size: int, inflated: Tally
) -> None:
    paths = _files(tmp_path)
    whole = _whole(paths)
    expected = [whole[start : start + size] for start in range(0, len(whole), size)]
    starts = ChunkStarts(paths, size)
    walks = [ChunkWalk(paths, starts, size), ChunkWalk(paths, starts, size)]
    got: list[list[tuple[int, Member]] | None] = []
    for wanted in range(len(expected) + 2):  # dealt in turn, then past the end
        inflated.walking = wanted % 2
        got.append(walks[wanted % 2].members(wanted))
    assert got == [*expected, None, None]
    if len(expected) > 3:  # each walk skipped the other's chunks
        counts = inflated.counts
        assert counts[0] < len(whole) and counts[1] < len(whole), counts
        assert counts[0] + counts[1] < len(whole) * 1.5, counts


def test_a_walk_ahead_of_the_others_walks_and_a_later_one_skips(
    tmp_path: Path, inflated: Tally
) -> None:
    paths = _files(tmp_path)
    whole = _whole(paths)
    starts = ChunkStarts(paths, 2)
    first = ChunkWalk(paths, starts, 2)
    assert first.members(5) == whole[10:12]  # nothing published: it walks chunks 0-4
    assert inflated.counts[0] == 12
    inflated.walking = 1
    second = ChunkWalk(paths, starts, 2)
    assert second.members(6) == whole[12:14]  # from chunk 6's start, published by the first
    assert inflated.counts[1] == 2
    assert second.members(7) == whole[14:16]
    with pytest.raises(ValueError, match="behind the walk"):
        second.members(3)


def test_starts_are_shared_and_a_torn_entry_reads_as_unknown(tmp_path: Path) -> None:
    paths = _files(tmp_path)
    starts = ChunkStarts(paths, 1)
    assert starts.get(1) is None and starts.get(0) is None
    starts.publish(3, (2, 123_456_789_012))
    assert starts.get(3) == (2, 123_456_789_012)
    starts.publish(0, (1, 5))  # chunk 0 starts at the first byte: never published
    starts.publish(starts.count, (1, 5))  # past the table: walked, as if unknown
    assert starts.get(0) is None and starts.get(starts.count) is None
    table = starts._map
    whole = bytes(table[3 * 16 : 4 * 16])
    for cut in range(1, 16):  # any part of a write, whatever the order of its bytes
        for torn in (whole[:cut] + bytes(16 - cut), bytes(cut) + whole[cut:]):
            table[3 * 16 : 4 * 16] = torn
            assert starts.get(3) is None, cut
    for value, complement in ((0, 0), (0, (1 << 64) - 1)):  # zero is never a start
        table[48:56], table[56:64] = value.to_bytes(8, "little"), complement.to_bytes(8, "little")
        assert starts.get(3) is None
